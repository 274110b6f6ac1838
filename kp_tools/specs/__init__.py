"""The canonical tool specs, one module per tool. Adding a tool means adding a module here."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kp_tools.specs import (
    create_creation,
    edit_scene,
    get_catalog,
    get_creation,
    get_job_status,
    health,
    list_creations,
    me,
)
from kp_tools.specs.base import (
    Effect,
    NoArguments,
    PaidRequest,
    ReadClient,
    ToolArguments,
    ToolContext,
    ToolSpec,
    WaitResult,
)

__all__ = [
    "SPECS",
    "Effect",
    "NoArguments",
    "PaidRequest",
    "ReadClient",
    "ToolArguments",
    "ToolContext",
    "ToolSpec",
    "WaitResult",
    "with_wait_limit",
]

AnySpec = ToolSpec[Any, Any]

SPECS: Mapping[str, AnySpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            health.SPEC,
            me.SPEC,
            get_catalog.SPEC,
            create_creation.SPEC,
            list_creations.SPEC,
            get_creation.SPEC,
            get_job_status.SPEC,
            edit_scene.SPEC,
        )
    }
)
"""Every tool, by name, in the order of the documented workflow."""


def with_wait_limit(specs: Mapping[str, AnySpec], seconds: float | None) -> Mapping[str, AnySpec]:
    """The specs as a server that waits at most ``seconds`` per call shows them.

    Every spec that waits (:attr:`ToolSpec.with_wait_limit`) is replaced by its limited form, so
    what the model reads (description, schema maximum, next-step hints) never invites a longer
    wait than the server allows. ``None`` leaves the specs as they are.
    """
    if seconds is None:
        return specs
    limit = max(int(seconds), 0)
    return MappingProxyType(
        {
            name: spec.with_wait_limit(limit) if spec.with_wait_limit is not None else spec
            for name, spec in specs.items()
        }
    )
