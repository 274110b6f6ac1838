"""Per-call keys for LangChain: carried in the run config, under a key tracing never copies.

langchain-core copies the string values of ``configurable`` into LangSmith trace metadata, and
langgraph copies them into checkpoint metadata (a database, with a checkpointer). Both skip keys
that start with ``__``, which is why the key lives at ``configurable["__kp_api_key"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from langchain_core.runnables import RunnableConfig

from kp_tools.keys import ApiKey

__all__ = ["API_KEY_CONFIG_KEY", "kp_config"]

API_KEY_CONFIG_KEY: Final = "__kp_api_key"
"""Where a tool looks for the call's key: ``config["configurable"]["__kp_api_key"]``."""


def kp_config(api_key: str | ApiKey, config: RunnableConfig | None = None) -> RunnableConfig:
    """A copy of ``config`` (or a new one) whose tool calls use ``api_key``.

    Everything else in ``config`` (callbacks, tags, ``thread_id``...) is kept; ``config`` itself
    is not modified::

        agent.invoke(inputs, config=kp_config(user_key, {"configurable": {"thread_id": "t1"}}))
    """
    merged = RunnableConfig(**(config or {}))
    merged["configurable"] = {**merged.get("configurable", {}), API_KEY_CONFIG_KEY: api_key}
    return merged


def key_from_config(config: Mapping[str, Any] | None) -> str | ApiKey | None:
    """The call's own key, if the run config carries one (blank counts as missing)."""
    configurable = (config or {}).get("configurable") or {}
    value = configurable.get(API_KEY_CONFIG_KEY)
    if isinstance(value, ApiKey) or (isinstance(value, str) and value.strip()):
        return value
    return None
