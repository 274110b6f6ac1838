"""API keys: the resolution order, and a wrapper that cannot leak the secret by accident.

The raw key is only ever read through :meth:`ApiKey.reveal`, in the one place that builds the
HTTP header. Everything else (reprs, logs, errors, workflow state) sees a short prefix or a hash.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from kp_tools.redaction import display_prefix, remember_secret

__all__ = [
    "ENV_DEFAULT_KEY",
    "ENV_KEY",
    "ApiKey",
    "resolve_api_key",
    "without_invented_keys",
]

ENV_DEFAULT_KEY: Final = "PARTNER_MCP_DEFAULT_API_KEY"
"""The operator's default key, tried after the call's own keys (the KPainter MCP name)."""
ENV_KEY: Final = "KGP_API_KEY"
"""The user's own key in the environment: the last place a key is looked for."""


class ApiKey:
    """A user's KPainter API key. ``str()``, ``repr()`` and pickling never expose it."""

    __slots__ = ("_secret", "fingerprint")

    def __init__(self, secret: str) -> None:
        secret = secret.strip()
        if not secret:
            raise ValueError("an API key cannot be empty")
        self._secret = secret
        # Workflow state is keyed by this, never by the key itself; it is stable across
        # processes so replicas sharing a state store agree on it.
        self.fingerprint = hashlib.sha256(b"kp-tools:" + secret.encode()).hexdigest()[:32]
        remember_secret(secret)

    @property
    def prefix(self) -> str:
        """The few leading characters people are shown (in reprs, logs and messages)."""
        return display_prefix(self._secret)

    @property
    def sendable(self) -> bool:
        """Whether an HTTP header can carry the key: printable ASCII only.

        A key pasted with a zero-width space or a typographic character cannot be sent, and must
        be refused before httpx tries (its encoding error quotes the key).
        """
        return self._secret.isascii() and self._secret.isprintable()

    def reveal(self) -> str:
        """The secret itself: for the request header, and for scrubbing it out of results."""
        return self._secret

    def __repr__(self) -> str:
        return f"ApiKey({self.prefix!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("ApiKey cannot be pickled")


def resolve_api_key(
    *candidates: str | ApiKey | None, env: Mapping[str, str] | None = None
) -> ApiKey | None:
    """First non-blank key among the call's own candidates, then the two env fallbacks.

    ``candidates`` come from the caller, most specific first (the call's key, then a
    toolkit-wide key). Empty or whitespace-only values count as missing.
    """
    for value in candidates:
        if isinstance(value, ApiKey):
            return value
        if value is not None and value.strip():
            return ApiKey(value)
    environ = os.environ if env is None else env  # read only when no candidate has a key
    for name in (ENV_DEFAULT_KEY, ENV_KEY):
        value = environ.get(name)
        if value is not None and value.strip():
            return ApiKey(value)
    return None


_CREDENTIAL_WORDS: Final = frozenset(
    {"key", "apikey", "token", "secret", "password", "passwd", "auth", "authorization", "bearer"}
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def without_invented_keys(arguments: Mapping[str, Any], fields: Collection[str]) -> dict[str, Any]:
    """Drop credential-like arguments a tool does not declare (an ``api_key`` a model made up).

    LangChain and LlamaIndex tools never show a key to the model, so one in a tool call was
    invented: it is never used and never echoed back. A name counts as credential-like when one
    of its words is (``api_key``, ``apiKey``, ``X-Api-Key``, ``auth_token``), not when a word
    merely contains one (``keywords``, ``author``, ``max_tokens``). Any other unknown argument is
    left for the executor to refuse, as MCP does, so a typo is still reported.
    """
    return {
        name: value
        for name, value in arguments.items()
        if name in fields or not _is_credential_name(name)
    }


def _is_credential_name(name: str) -> bool:
    return any(word.lower() in _CREDENTIAL_WORDS for word in _WORD.findall(name))
