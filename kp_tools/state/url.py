"""Which store a URL names: how a deployment picks one (``KP_STATE_URL``) without code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kp_tools.state.base import StateStore, StateTTL

__all__ = ["ENV_STATE_URL", "state_store_from_url"]

ENV_STATE_URL = "KP_STATE_URL"
"""Names the store an :class:`~kp_tools.Executor` uses by default (``redis://...`` to share it)."""


def state_store_from_url(url: str | None, ttl: StateTTL | None = None) -> StateStore:
    """The store a URL names: how deployments choose one without code.

    Args:
        url: ``None`` or ``memory://`` for process memory; ``redis://``, ``rediss://`` or
            ``unix://`` for Redis shared by replicas.
        ttl: How long each kind of entry lives.

    Raises:
        RuntimeError: A Redis URL, but the ``redis`` extra is not installed.
        ValueError: Any other URL.
    """
    if not url or url.startswith("memory://"):
        from kp_tools.state.memory import MemoryStateStore

        return MemoryStateStore(ttl)
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            from kp_tools.state.redis import RedisStateStore
        except ImportError as error:
            raise RuntimeError(
                f"{ENV_STATE_URL} is a Redis URL but redis is not installed: "
                "pip install 'kp-tools[redis]'"
            ) from error
        return RedisStateStore(url, ttl)
    raise ValueError(f"{ENV_STATE_URL} must be a redis:// or memory:// URL")
