"""API keys: resolution order, and a wrapper that cannot leak the secret by accident.

The raw key is only ever read through :meth:`ApiKey.reveal`, in the one place that builds the
HTTP header. Everything else (reprs, logs, errors, workflow state) sees a short prefix or a hash.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from typing import Any, Final

__all__ = [
    "ENV_DEFAULT_KEY",
    "ENV_KEY",
    "ApiKey",
    "install_log_redaction",
    "redact",
    "redact_secrets",
    "resolve_api_key",
    "without_invented_keys",
]

ENV_DEFAULT_KEY: Final = "PARTNER_MCP_DEFAULT_API_KEY"
ENV_KEY: Final = "KGP_API_KEY"

_PREFIX_LEN: Final = 8
_MIN_SHARED_REDACTION: Final = 8
"""Shorter keys (``key``, ``test``: never real ones) are left out of :func:`redact`, which every
user's text goes through: one user typing ``a`` as a key must not garble everyone's messages.
A call's own key, whatever its length, is still removed from that call's outcome."""
_MAX_KNOWN: Final = 4096  # keys remembered for redaction; bounded so many users cost bounded memory
_known_secrets: OrderedDict[str, ApiKey] = OrderedDict()  # also the keys built, for reuse
_known_lock = threading.Lock()


class ApiKey:
    """A user's KPainter API key. ``str()``, ``repr()`` and pickling never expose it."""

    __slots__ = ("_secret", "fingerprint", "prefix", "sendable")

    @classmethod
    def of(cls, secret: str) -> ApiKey:
        """The key for ``secret``, reusing the one built before (no re-hashing per call)."""
        with _known_lock:
            known = _known_secrets.get(secret)
            if known is not None:
                _known_secrets.move_to_end(secret)
                return known
        return cls(secret)

    def __init__(self, secret: str) -> None:
        secret = secret.strip()
        if not secret:
            raise ValueError("an API key cannot be empty")
        self._secret = secret
        self.prefix = _display_prefix(secret)
        # Workflow state is keyed by this, never by the key itself; it is stable across
        # processes so replicas sharing a state store agree on it.
        self.fingerprint = hashlib.sha256(b"kp-tools:" + secret.encode()).hexdigest()[:32]
        # An HTTP header carries printable ASCII only. A key pasted with a zero-width space or a
        # typographic character cannot be sent, and must be refused before httpx tries (its
        # encoding error quotes the key).
        self.sendable = secret.isascii() and secret.isprintable()
        with _known_lock:
            _known_secrets[secret] = self
            _known_secrets.move_to_end(secret)
            if len(_known_secrets) > _MAX_KNOWN:
                _known_secrets.popitem(last=False)

    def reveal(self) -> str:
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


def _display_prefix(secret: str) -> str:
    shown = secret[: min(_PREFIX_LEN, max(len(secret) // 3, 1))]
    return f"{shown}…"


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
            return ApiKey.of(value)
    environ = os.environ if env is None else env  # read only when no candidate has a key
    for name in (ENV_DEFAULT_KEY, ENV_KEY):
        value = environ.get(name)
        if value is not None and value.strip():
            return ApiKey.of(value)
    return None


_TOKEN_LIKE = re.compile(r"kgp_[A-Za-z0-9_\-]{6,}")


def redact(text: str) -> str:
    """Replace every key this process has seen, and anything shaped like a key, by its prefix.

    A last line of defence for text that came from elsewhere (upstream error bodies, exception
    messages) before it reaches an outcome or a log.
    """
    with _known_lock:
        secrets = [secret for secret in _known_secrets if len(secret) >= _MIN_SHARED_REDACTION]
    return redact_secrets(text, secrets)


def redact_secrets(text: str, secrets: Collection[str]) -> str:
    """Replace ``secrets``, and anything shaped like a key, by their display prefix.

    The cheap form of :func:`redact` for the hot path: a call's result only needs checking for
    that call's own key (and for key-shaped text), not for every key the process has seen.
    """
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, _display_prefix(secret))
    return _TOKEN_LIKE.sub(lambda m: _display_prefix(m.group(0)), text)


_WATCHED_LOGGERS: Final = ("kp_tools", "httpx", "httpcore", "mcp", "uvicorn", "starlette")
_installed = False


def install_log_redaction() -> None:
    """Redact keys from every log record of the libraries that see requests (idempotent).

    httpx logs request URLs at INFO and the MCP SDK logs raw messages at DEBUG, so a key pasted
    into a search query or passed as a tool argument would otherwise be written out verbatim.
    A logger filter would not reach child loggers, so the record factory does the work, for
    those loggers only and only for records that are actually emitted.
    """
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.name.startswith(_WATCHED_LOGGERS):
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True


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
