"""Keeping keys out of text: the registry of keys seen, text scrubbing, and log redaction.

A key is only ever sent in the request header. Everything that could carry one back out (an
upstream error quoting it, a log line of the HTTP library, an exception message) goes through
:func:`redact` first. Entry points (``kp-mcp``, the ``kp-tools`` CLI) call
:func:`install_log_redaction` explicitly; importing the library changes no global logging state.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Collection
from typing import Final

__all__ = [
    "display_prefix",
    "install_log_redaction",
    "redact",
    "redact_secrets",
    "remember_secret",
]

_PREFIX_LEN: Final = 8
_MIN_SHARED_REDACTION: Final = 8
"""Shorter keys (``key``, ``test``: never real ones) are left out of :func:`redact`, which every
user's text goes through: one user typing ``a`` as a key must not garble everyone's messages.
A call's own key, whatever its length, is still removed from that call's outcome."""
_MAX_KNOWN: Final = 4096  # keys remembered; bounded so many users cost bounded memory
_known: OrderedDict[str, None] = OrderedDict()
_known_lock = threading.Lock()
_TOKEN_LIKE = re.compile(r"kgp_[A-Za-z0-9_\-]{6,}")


def display_prefix(secret: str) -> str:
    """The short, safe form of a key shown to people: a few leading characters and an ellipsis."""
    shown = secret[: min(_PREFIX_LEN, max(len(secret) // 3, 1))]
    return f"{shown}…"


def remember_secret(secret: str) -> None:
    """Register a key so that :func:`redact` removes it from any text, in any later call."""
    with _known_lock:
        _known[secret] = None
        _known.move_to_end(secret)
        if len(_known) > _MAX_KNOWN:
            _known.popitem(last=False)


def redact(text: str) -> str:
    """Replace every key this process has seen, and anything shaped like a key, by its prefix.

    A last line of defence for text that came from elsewhere (upstream error bodies, exception
    messages) before it reaches an outcome or a log.
    """
    with _known_lock:
        secrets = [secret for secret in _known if len(secret) >= _MIN_SHARED_REDACTION]
    return redact_secrets(text, secrets)


def redact_secrets(text: str, secrets: Collection[str]) -> str:
    """Replace ``secrets``, and anything shaped like a key, by their display prefix.

    The narrow form of :func:`redact`: a call's result only needs checking for that call's own
    key (and for key-shaped text), not for every key the process has seen.
    """
    for secret in sorted(secrets, key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, display_prefix(secret))
    return _TOKEN_LIKE.sub(lambda m: display_prefix(m.group(0)), text)


_WATCHED_LOGGERS: Final = ("kp_tools", "httpx", "httpcore", "mcp", "uvicorn", "starlette")
_installed = False


def install_log_redaction() -> None:
    """Redact keys from every log record of the libraries that see requests (idempotent).

    httpx logs request URLs at INFO and the MCP SDK logs raw messages at DEBUG, so a key pasted
    into a search query or passed as a tool argument would otherwise be written out verbatim.
    A logger filter would not reach child loggers, so the record factory does the work, for
    those loggers only and only for records that are actually emitted. Applications embedding
    kp-tools call this once at start-up, as ``kp-mcp`` and ``kp-tools`` do.
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
