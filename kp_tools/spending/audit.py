"""The audit trail: every spending decision the executor takes, as one event.

Each event says when, which key (its fingerprint, never the key), which tool and effect, what it
cost, what was decided (:class:`Decision`), the job and creation it started, and which process
took the decision. Events go to the ``kp_tools.audit`` logger always, to a JSON-lines file with
``KP_AUDIT_LOG=path``, and to a Redis stream when the state store is Redis.

The file is opened with ``O_APPEND`` and each event is one ``write`` of one line followed by
``fsync``: a process killed mid-run loses at most the event being written, and never damages
the lines before it. A sink that fails is logged and skipped: the audit never fails a call
(a paid job that started must be reported as started).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "AUDIT_LOGGER",
    "AuditEvent",
    "AuditSink",
    "AuditTrail",
    "Decision",
    "JsonLinesFile",
    "LoggerSink",
    "StoreAuditSink",
    "read_json_lines",
]

AUDIT_LOGGER = "kp_tools.audit"
"""The logger every audit event goes to, at INFO, as one JSON object per message."""

logger = logging.getLogger(AUDIT_LOGGER)
_own_logger = logging.getLogger("kp_tools.spending")

_HOST = socket.gethostname()


class Decision(StrEnum):
    """What happened to one credit-spending request, step by step."""

    RESERVED = "reserved"  # its cost is held in the key's budget window
    SENT = "sent"  # it left for KPainter
    STARTED = "started"  # KPainter accepted it: a job runs and is paid for
    DEDUPLICATED = "deduplicated"  # an identical request already started a job; nothing sent
    REFUSED_BY_BUDGET = "refused_by_budget"
    DECLINED = "declined"  # the user said no
    CONFIRMATION_UNAVAILABLE = "confirmation_unavailable"  # consent needed, no way to ask
    OUTCOME_UNKNOWN = "outcome_unknown"  # sent, no answer: its reservation is kept
    RELEASED = "released"  # its reservation was given back (never left, or refused free)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One spending decision. ``key`` is the key's fingerprint; no field ever holds a key."""

    decision: Decision
    key: str
    tool: str
    type: str
    cost: int | None
    request: str
    """The request's fingerprint: the events of one request share it."""
    reservation: str | None = None
    job_id: str | None = None
    creation_id: str | None = None
    detail: str | None = None
    time: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    host: str = _HOST

    def as_record(self) -> dict[str, Any]:
        """The JSON-safe form written to every sink (``at`` is the time in ISO 8601, UTC)."""
        # Every field is a plain value: a shallow copy (asdict deep-copies each one, which cost
        # more than the rest of recording an event).
        record = {item.name: getattr(self, item.name) for item in fields(self)}
        record["decision"] = self.decision.value
        record["at"] = datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds")
        return record


class AuditSink(Protocol):
    """Where audit events go. ``write`` may raise; the trail logs it and goes on."""

    async def write(self, record: Mapping[str, Any]) -> None:
        """Store one event's record."""
        ...


class LoggerSink:
    """The ``kp_tools.audit`` logger, at INFO, one JSON object per message."""

    async def write(self, record: Mapping[str, Any]) -> None:
        """Log the record (serialised only when the logger would emit it)."""
        if logger.isEnabledFor(logging.INFO):
            logger.info("%s", json.dumps(record, sort_keys=True))


class JsonLinesFile:
    """An append-only JSON-lines file; each event is one ``write`` and an ``fsync``.

    ``O_APPEND`` makes every write land at the end even with several processes appending to
    the same file, and one ``write`` per line means a crash cannot leave half of an earlier line.
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync

    def __repr__(self) -> str:
        return f"JsonLinesFile({str(self.path)!r})"

    async def write(self, record: Mapping[str, Any]) -> None:
        """Append the record as one line (a few hundred bytes; the write is not split)."""
        self.append(record)

    def append(self, record: Mapping[str, Any]) -> None:
        """Synchronous :meth:`write`, for code that is not async (and tests)."""
        line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            written = os.write(fd, line)
            if written != len(line):  # a full disk: say so rather than leave a short line
                raise OSError(f"short write to the audit log ({written} of {len(line)} bytes)")
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)


def read_json_lines(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every event in an audit file, oldest first; a line cut by a crash is skipped."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


class EventStore(Protocol):
    """A state store, as the audit sees it (Redis keeps events in a stream, memory in a ring)."""

    async def record_event(self, record: Mapping[str, Any]) -> None:
        """Keep one event."""
        ...


class StoreAuditSink:
    """The state store's own event log: shared by replicas when the store is Redis."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"StoreAuditSink({self.store!r})"

    async def write(self, record: Mapping[str, Any]) -> None:
        """Hand the record to the store."""
        await self.store.record_event(record)


class AuditTrail:
    """Writes each event to every sink; one failing sink never stops the others, or the call."""

    def __init__(self, sinks: Iterable[AuditSink] = ()) -> None:
        self.sinks: Sequence[AuditSink] = (LoggerSink(), *sinks)

    def __repr__(self) -> str:
        return f"AuditTrail({list(self.sinks)!r})"

    async def record(self, event: AuditEvent) -> None:
        """Send ``event`` to every sink."""
        record = event.as_record()
        for sink in self.sinks:
            try:
                await sink.write(record)
            except Exception as error:
                _own_logger.warning(
                    "audit: %r could not record a %s event: %s",
                    sink,
                    event.decision.value,
                    type(error).__name__,
                )
