"""Views of read tools that a host shows without the model choosing them, declared as data.

A read spec lists them next to its other data (:attr:`ToolSpec.resources
<kp_tools.specs.ToolSpec.resources>`, :attr:`ToolSpec.app_view
<kp_tools.specs.ToolSpec.app_view>`), and each rendering that has such a thing renders them
generically: the MCP adapter serves a :class:`ResourceView` as a resource (or resource template)
and an :class:`AppView` as an MCP Apps ``ui://`` resource bound to the tool. Neither names a
tool in the adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["CREATION_VIEW", "AppView", "Projection", "ResourceView"]

Projection = Callable[[dict[str, Any]], Any]
"""Turns the tool's result data into what the view shows."""


@dataclass(frozen=True, slots=True)
class ResourceView:
    """The tool's result as a read-only document at ``uri``, read with no model involved.

    ``uri`` is fixed (``kpainter://catalog``) or a template whose ``{variables}`` become the
    tool's arguments (``kpainter://creations/{creation_id}``), next to the fixed ``arguments``.
    ``project``, when set, shows part of the result instead of all of it.
    """

    uri: str
    name: str
    title: str
    description: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    project: Projection | None = None


@dataclass(frozen=True, slots=True)
class AppView:
    """An interactive page that shows the tool's result inside the host (MCP Apps).

    ``uri`` is a ``ui://`` address; its last path segment names the page's file among the
    MCP adapter's bundled views. Hosts that do not render such pages never see it.
    """

    uri: str
    title: str
    description: str


CREATION_VIEW: Final = AppView(
    uri="ui://kpainter/creation.html",
    title="KPainter creation",
    description=(
        "Shows a creation inside the host: its title, status and progress, the cover, each "
        "scene's picture and narration, and the link to the result."
    ),
)
"""One page for both the job status and the creation detail: it shows whichever it is given."""
