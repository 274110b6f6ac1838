"""The icons hosts show next to the server and its tools, as inline SVG data URIs.

Inline, so a host shows them with no request to any site (some hosts fetch nothing remote, and
a fetched icon would tell a third party the server is in use). One for the server, one per
effect of a tool (reading, creating, editing): the effect is what a user should tell apart at
a glance, and a new tool gets its icon from its spec's effect. Each is a few hundred bytes of
plain shapes (no script, no text, no external reference), on a brand-coloured tile that reads
on light and dark themes alike. Icons exist on the 2025-11-25 and 2026-07-28 revisions; older
clients ignore the field.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Final

from mcp.types import Icon

from kp_tools.specs.base import Effect

__all__ = ["EFFECT_ICONS", "SERVER_ICONS", "icon"]

_TILE: Final = '<rect width="24" height="24" rx="5" fill="#5b4bdb"/>'
_STROKE: Final = (
    'fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"'
)

# A brush stroke over a canvas: KPainter paints what the prompt describes.
_SERVER_SVG: Final = f'<path d="M6 17c2 0 3-1 3-3l7-7 2 2-7 7c0 2-1 3-3 3z" {_STROKE}/>'
_EFFECT_SVG: Final[Mapping[Effect, str]] = {
    # A magnifier: looks, changes nothing.
    Effect.READ: f'<circle cx="11" cy="11" r="5" {_STROKE}/><path d="M15 15l4 4" {_STROKE}/>',
    # A plus: makes something new (and spends credits).
    Effect.CREATE: f'<path d="M12 6v12M6 12h12" {_STROKE}/>',
    # A pencil: changes something that exists.
    Effect.EDIT: f'<path d="M6 18l1-4 8-8 3 3-8 8z" {_STROKE}/>',
}


def icon(shapes: str) -> Icon:
    """A 24x24 SVG icon on the brand tile, as a base64 data URI (no request to show it)."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">{_TILE}{shapes}</svg>'
    data = base64.b64encode(svg.encode()).decode("ascii")
    return Icon(src=f"data:image/svg+xml;base64,{data}", mime_type="image/svg+xml", sizes=["any"])


SERVER_ICONS: Final[list[Icon]] = [icon(_SERVER_SVG)]
"""The server's icon, in its ``serverInfo``."""

EFFECT_ICONS: Final[Mapping[Effect, list[Icon]]] = {
    effect: [icon(shapes)] for effect, shapes in _EFFECT_SVG.items()
}
"""A tool's icon, by the effect its spec declares."""
