"""kp-tools: KPainter for AI agents.

One canonical set of tool specs, rendered as LangChain tools (``kp_tools.langchain``),
LlamaIndex tools (``kp_tools.llamaindex``) and an MCP server (``kp_tools.mcp``, ``kp-mcp``), all
dispatching to one :class:`Executor` that enforces the KPainter workflow. ``Sandbox`` emulates the
KPainter API in-process so everything runs without an account or a network.

Importing this package is cheap: names load on first use, and no framework is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient
    from kp_tools.errors import ERRORS, ErrorCode
    from kp_tools.exceptions import (
        AuthenticationError,
        EditNotSupportedError,
        FieldProblem,
        InsufficientCreditsError,
        InvalidArgumentsError,
        JobFailedError,
        KPainterError,
        MalformedResponseError,
        NotFoundError,
        OutcomeUnknownError,
        PermissionDeniedError,
        RateLimitedError,
        UpstreamUnavailableError,
    )
    from kp_tools.executor import Executor, MePolicy, WaitPolicy
    from kp_tools.keys import ApiKey
    from kp_tools.outcome import Outcome, OutcomeError
    from kp_tools.retry import RetryPolicy
    from kp_tools.sandbox import Sandbox
    from kp_tools.specs import SPECS, Effect, ToolSpec

_EXPORTS = {
    "ERRORS": "kp_tools.errors",
    "ErrorCode": "kp_tools.errors",
    "KPainterClient": "kp_tools.client",
    "Executor": "kp_tools.executor",
    "MePolicy": "kp_tools.executor",
    "WaitPolicy": "kp_tools.executor",
    "ApiKey": "kp_tools.keys",
    "Outcome": "kp_tools.outcome",
    "OutcomeError": "kp_tools.outcome",
    "RetryPolicy": "kp_tools.retry",
    "Sandbox": "kp_tools.sandbox",
    "SPECS": "kp_tools.specs",
    "Effect": "kp_tools.specs",
    "ToolSpec": "kp_tools.specs",
    **{
        name: "kp_tools.exceptions"
        for name in (
            "AuthenticationError",
            "EditNotSupportedError",
            "FieldProblem",
            "InsufficientCreditsError",
            "InvalidArgumentsError",
            "JobFailedError",
            "KPainterError",
            "MalformedResponseError",
            "NotFoundError",
            "OutcomeUnknownError",
            "PermissionDeniedError",
            "RateLimitedError",
            "UpstreamUnavailableError",
        )
    },
}

__all__ = [
    "ERRORS",
    "SPECS",
    "ApiKey",
    "AuthenticationError",
    "EditNotSupportedError",
    "Effect",
    "ErrorCode",
    "Executor",
    "FieldProblem",
    "InsufficientCreditsError",
    "InvalidArgumentsError",
    "JobFailedError",
    "KPainterClient",
    "KPainterError",
    "MalformedResponseError",
    "MePolicy",
    "NotFoundError",
    "Outcome",
    "OutcomeError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RetryPolicy",
    "Sandbox",
    "ToolSpec",
    "UpstreamUnavailableError",
    "WaitPolicy",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kp_tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
