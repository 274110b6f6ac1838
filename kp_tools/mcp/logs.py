"""Logging for the ``kp-mcp`` process: stderr only (stdout is the stdio protocol), keys redacted."""

from __future__ import annotations

import logging
import sys

from kp_tools.redaction import redact

__all__ = ["RedactingFormatter", "configure_logging"]


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces anything that is or looks like a KPainter key.

    A last line of defence for third-party log lines (the SDK logs some messages at debug level).
    """

    def format(self, record: logging.LogRecord) -> str:
        """The usual line, redacted after formatting: arguments and tracebacks are covered too."""
        return redact(super().format(record))


def configure_logging(level: str = "warning") -> None:
    """One stderr handler on the root logger, at ``level``; replaces any handler already there."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request at INFO; keep that for --log-level debug only.
    if root.level > logging.DEBUG:
        for noisy in ("httpx", "httpx2", "httpcore"):
            logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
