"""``kp-tools spending``: the recent spending decisions, and the budget left per key.

Events come from the audit file (``--audit-log``, default ``KP_AUDIT_LOG``), or, without one,
from the Redis stream of the shared state store (``KP_STATE_URL``). The budget is the one the
environment sets (``KP_BUDGET_CREDITS``, ``KP_BUDGET_WINDOW_SECONDS``); what each key spent in
its window is read from Redis when the state is shared, otherwise summed from the audit file
(reservations minus those released). Keys are shown by fingerprint, never the key.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import os
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kp_tools.cli.options import JsonOption
from kp_tools.spending.audit import read_json_lines
from kp_tools.spending.budget import DEFAULT_WINDOW_SECONDS
from kp_tools.spending.settings import ENV_AUDIT_LOG, SpendingSettings
from kp_tools.state import ENV_STATE_URL, StateStore, state_store_from_url

__all__ = ["spending"]

KEY_CHARS = 12


def spending(
    limit: Annotated[int, typer.Option(min=1, help="How many recent events to show.")] = 20,
    audit_log: Annotated[
        Path | None,
        typer.Option(help=f"The audit file (default: {ENV_AUDIT_LOG}).", show_default=False),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Show recent spending decisions and the budget left per key (--json for scripts)."""
    try:
        settings = SpendingSettings.from_env(os.environ)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    path = audit_log or (Path(settings.audit_log) if settings.audit_log else None)
    state_url = os.environ.get(ENV_STATE_URL)
    store = state_store_from_url(state_url) if state_url else None
    from_file = None
    if path is not None:
        from_file = list(read_json_lines(path)) if path.exists() else []
    report = asyncio.run(_report(path, from_file, store, settings, limit))
    if json:
        sys.stdout.write(jsonlib.dumps(report, indent=2) + "\n")
        return
    _show(report, Console(highlight=False), Console(stderr=True, highlight=False))


async def _report(
    path: Path | None,
    from_file: list[dict[str, Any]] | None,
    store: StateStore | None,
    settings: SpendingSettings,
    limit: int,
) -> dict[str, Any]:
    now = time.time()
    budget = settings.budget
    window = budget.window_seconds if budget is not None else DEFAULT_WINDOW_SECONDS
    shared = store is not None and type(store).__name__ == "RedisStateStore"
    try:
        if from_file is not None:
            events, source = from_file, str(path)
        elif shared and store is not None:
            events = await store.recent_events(10_000)
            source = "the shared state store's audit stream"
        else:
            events, source = [], None
        keys = sorted({str(event["key"]) for event in events if event.get("key")})
        rows = []
        for key in keys:
            if shared and store is not None:
                ledger = await store.credits_spent(key, window=window, now=now)
                spent, frees_at = ledger.spent, ledger.frees_at
            else:
                spent, frees_at = _spent_from_events(events, key, window, now)
            ceiling = budget.credits if budget is not None else None
            rows.append(
                {
                    "key": key,
                    "spent": spent,
                    "credits": ceiling,
                    "left": None if ceiling is None else max(ceiling - spent, 0),
                    "window_seconds": window,
                    "frees_at": _iso(frees_at),
                }
            )
    finally:
        if store is not None:
            await store.aclose()
    return {"source": source, "events": events[-limit:], "budgets": rows}


def _spent_from_events(
    events: Iterable[Mapping[str, Any]], key: str, window: float, now: float
) -> tuple[int, float | None]:
    """Credits held in ``key``'s window: reservations made in it, less those released."""
    held: dict[str, tuple[float, int]] = {}
    for event in events:
        if event.get("key") != key or not event.get("reservation"):
            continue
        reservation = str(event["reservation"])
        if event.get("decision") == "reserved" and float(event["time"]) > now - window:
            held[reservation] = (float(event["time"]), int(event.get("cost") or 0))
        elif event.get("decision") == "released":
            held.pop(reservation, None)
    oldest = min((at for at, _ in held.values()), default=None)
    return sum(cost for _, cost in held.values()), None if oldest is None else oldest + window


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def _show(report: Mapping[str, Any], out: Console, err: Console) -> None:
    if report["source"] is None:
        err.print(
            f"No audit trail to read: set {ENV_AUDIT_LOG}=path (or pass --audit-log), or "
            f"{ENV_STATE_URL} to a Redis URL, for the processes that spend."
        )
        return
    events = Table(title=f"Recent spending decisions ({report['source']})")
    for column in ("at", "key", "tool", "decision", "cost", "job", "creation", "process"):
        events.add_column(column)
    for event in report["events"]:
        events.add_row(
            str(event.get("at", "")),
            str(event.get("key", ""))[:KEY_CHARS],
            str(event.get("tool", "")),
            str(event.get("decision", "")),
            _text(event.get("cost")),
            _text(event.get("job_id")),
            _text(event.get("creation_id")),
            f"{event.get('pid', '')}@{event.get('host', '')}",
        )
    out.print(events)
    budgets = Table(title="Budget per key")
    for column in ("key", "spent in window", "budget", "left", "window", "frees up at"):
        budgets.add_column(column)
    for row in report["budgets"]:
        budgets.add_row(
            row["key"][:KEY_CHARS],
            str(row["spent"]),
            "no limit" if row["credits"] is None else str(row["credits"]),
            "-" if row["left"] is None else str(row["left"]),
            f"{row['window_seconds']:g} s",
            row["frees_at"] or "-",
        )
    out.print(budgets)


def _text(value: object) -> str:
    return "-" if value is None else str(value)
