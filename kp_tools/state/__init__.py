"""Where the executor keeps per-key workflow state: process memory, or Redis shared by replicas.

Names load on first use: reading ``ENV_STATE_URL`` (kp-mcp does at start-up) loads no store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kp_tools._lazy import lazy_exports

if TYPE_CHECKING:  # what mypy sees; tests/test_exports.py checks it matches _EXPORTS
    from kp_tools.state.base import Claim as Claim
    from kp_tools.state.base import ClaimStatus as ClaimStatus
    from kp_tools.state.base import Halt as Halt
    from kp_tools.state.base import KeyState as KeyState
    from kp_tools.state.base import StateStore as StateStore
    from kp_tools.state.base import StateTTL as StateTTL
    from kp_tools.state.base import Verification as Verification
    from kp_tools.state.memory import MemoryStateStore as MemoryStateStore
    from kp_tools.state.url import ENV_STATE_URL as ENV_STATE_URL
    from kp_tools.state.url import state_store_from_url as state_store_from_url

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("Claim", "ClaimStatus", "Halt", "KeyState", "StateStore", "StateTTL", "Verification"),
        "kp_tools.state.base",
    ),
    "MemoryStateStore": "kp_tools.state.memory",
    **dict.fromkeys(("ENV_STATE_URL", "state_store_from_url"), "kp_tools.state.url"),
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
