"""Where the executor keeps per-key workflow state: process memory, or Redis shared by replicas."""

from kp_tools.state.base import (
    Claim,
    ClaimStatus,
    Halt,
    KeyState,
    StateStore,
    StateTTL,
    StateUnavailableError,
    Verification,
)
from kp_tools.state.memory import MemoryStateStore

__all__ = [
    "Claim",
    "ClaimStatus",
    "Halt",
    "KeyState",
    "MemoryStateStore",
    "StateStore",
    "StateTTL",
    "StateUnavailableError",
    "Verification",
]
