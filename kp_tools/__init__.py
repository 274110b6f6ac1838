"""kp-tools: KPainter for AI agents.

One canonical set of tool specs, rendered as LangChain tools (``kp_tools.langchain``),
LlamaIndex tools (``kp_tools.llamaindex``) and an MCP server (``kp_tools.mcp``, ``kp-mcp``), all
dispatching to one :class:`Executor` that enforces the KPainter workflow. ``Sandbox`` emulates the
KPainter API in-process so everything runs without an account or a network.

Importing this package is cheap: names load on first use, and no framework is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kp_tools._lazy import lazy_exports

__version__ = "0.1.0"

if TYPE_CHECKING:
    from kp_tools.client import KPainterClient as KPainterClient
    from kp_tools.errors import (
        ERRORS as ERRORS,
    )
    from kp_tools.errors import (
        AuthenticationError as AuthenticationError,
    )
    from kp_tools.errors import (
        EditNotSupportedError as EditNotSupportedError,
    )
    from kp_tools.errors import (
        ErrorCode as ErrorCode,
    )
    from kp_tools.errors import (
        FieldProblem as FieldProblem,
    )
    from kp_tools.errors import (
        InsufficientCreditsError as InsufficientCreditsError,
    )
    from kp_tools.errors import (
        InvalidArgumentsError as InvalidArgumentsError,
    )
    from kp_tools.errors import (
        JobFailedError as JobFailedError,
    )
    from kp_tools.errors import (
        KPainterError as KPainterError,
    )
    from kp_tools.errors import (
        MalformedResponseError as MalformedResponseError,
    )
    from kp_tools.errors import (
        MissingApiKeyError as MissingApiKeyError,
    )
    from kp_tools.errors import (
        NotFoundError as NotFoundError,
    )
    from kp_tools.errors import (
        OutcomeError as OutcomeError,
    )
    from kp_tools.errors import (
        OutcomeUnknownError as OutcomeUnknownError,
    )
    from kp_tools.errors import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from kp_tools.errors import (
        RateLimitedError as RateLimitedError,
    )
    from kp_tools.errors import (
        StateUnavailableError as StateUnavailableError,
    )
    from kp_tools.errors import (
        UpstreamUnavailableError as UpstreamUnavailableError,
    )
    from kp_tools.executor import (
        Caller as Caller,
    )
    from kp_tools.executor import (
        Executor as Executor,
    )
    from kp_tools.executor import (
        MePolicy as MePolicy,
    )
    from kp_tools.executor import (
        WaitPolicy as WaitPolicy,
    )
    from kp_tools.keys import ApiKey as ApiKey
    from kp_tools.outcome import Outcome as Outcome
    from kp_tools.redaction import install_log_redaction as install_log_redaction
    from kp_tools.retry import RetryPolicy as RetryPolicy
    from kp_tools.sandbox import Sandbox as Sandbox
    from kp_tools.specs import SPECS as SPECS
    from kp_tools.specs import Effect as Effect
    from kp_tools.specs import ToolSpec as ToolSpec

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("KPainterClient",), "kp_tools.client"),
    **dict.fromkeys(
        (
            "AuthenticationError",
            "ERRORS",
            "EditNotSupportedError",
            "ErrorCode",
            "FieldProblem",
            "InsufficientCreditsError",
            "InvalidArgumentsError",
            "JobFailedError",
            "KPainterError",
            "MalformedResponseError",
            "MissingApiKeyError",
            "NotFoundError",
            "OutcomeError",
            "OutcomeUnknownError",
            "PermissionDeniedError",
            "RateLimitedError",
            "StateUnavailableError",
            "UpstreamUnavailableError",
        ),
        "kp_tools.errors",
    ),
    **dict.fromkeys(("Caller", "Executor", "MePolicy", "WaitPolicy"), "kp_tools.executor"),
    **dict.fromkeys(("ApiKey",), "kp_tools.keys"),
    **dict.fromkeys(("Outcome",), "kp_tools.outcome"),
    **dict.fromkeys(("install_log_redaction",), "kp_tools.redaction"),
    **dict.fromkeys(("RetryPolicy",), "kp_tools.retry"),
    **dict.fromkeys(("Sandbox",), "kp_tools.sandbox"),
    **dict.fromkeys(("Effect", "SPECS", "ToolSpec"), "kp_tools.specs"),
}

__all__ = [*sorted(_EXPORTS), "__version__"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
