"""The doctor's result model, and the two ways it is shown: lines for a person, JSON for a script.

One :class:`Check` per line, a :class:`Report` of them. Every check module only adds lines;
nothing else prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Final, Literal, get_args

from rich.console import Console
from rich.text import Text

from kp_tools.redaction import redact, redact_secrets

__all__ = ["MAX_NAMES", "Check", "Report", "Status", "names", "show", "to_json"]

Status = Literal["pass", "warn", "fail", "info", "skip"]

MAX_NAMES: Final = 8
"""How many names a line lists before it says ``+N more``: a line stays a line."""

_STYLE: Final = {
    "pass": "green",
    "warn": "yellow",
    "fail": "bold red",
    "info": "cyan",
    "skip": "dim",
}


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: what was checked, how it went, and what to do about it."""

    name: str
    status: Status
    message: str
    fix: str | None = None


@dataclass
class Report:
    """Every check, in the order run, against one target (a URL, or the sandbox)."""

    target: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed (warnings allowed): the exit code is 0."""
        return not any(check.status == "fail" for check in self.checks)

    def add(self, name: str, status: Status, message: str, fix: str | None = None) -> None:
        """Append one line; checks run in order, so the report reads from the inside out."""
        self.checks.append(Check(name, status, message, fix))

    def scrubbed(self, secret: str | None) -> Report:
        """The report with ``secret`` (and anything key-shaped) replaced by a prefix.

        In every message and fix, since an upstream text may have carried it there.
        """
        secrets = [secret] if secret else []

        def clean(text: str | None) -> str | None:
            return None if text is None else redact_secrets(redact(text), secrets)

        checks = [
            Check(c.name, c.status, clean(c.message) or "", clean(c.fix)) for c in self.checks
        ]
        return Report(self.target, checks)

    def counts(self) -> dict[str, int]:
        """How many lines have each status (every status present, zeros included)."""
        return {s: sum(c.status == s for c in self.checks) for s in get_args(Status)}


def show(report: Report, console: Console) -> None:
    """The report as a person reads it: one line per check, what to do indented below."""
    console.print(Text.assemble(("kp-tools doctor", "bold"), f": {report.target}"), soft_wrap=True)
    width = max(len(check.name) for check in report.checks)
    for check in report.checks:
        label = check.status.upper() if check.status == "fail" else check.status
        console.print(
            Text.assemble(
                (f"  {label:<4}  ", _STYLE[check.status]), f"{check.name:<{width}}  ", check.message
            ),
            soft_wrap=True,
        )
        if check.fix:
            fix = Text(f"  {'':<4}  {'':<{width}}  → {check.fix}", style="dim")
            console.print(fix, soft_wrap=True)
    failed = [check.name for check in report.checks if check.status == "fail"]
    if failed:
        summary = f"{len(failed)} failed: {', '.join(failed)}. Fix the first one first."
        console.print(Text(summary, style="bold red"))
    else:
        warnings = report.counts()["warn"]
        warned = f" ({warnings} warnings)" if warnings else ""
        console.print(Text(f"Nothing failed{warned}.", style="green"))


def to_json(report: Report) -> str:
    """The same lines in the same order, with the verdict and the counts, for scripts."""
    payload = {
        "ok": report.ok,
        "target": report.target,
        "counts": report.counts(),
        "checks": [asdict(check) for check in report.checks],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def names(items: Sequence[str]) -> str:
    """``a, b, c``, cut at :data:`MAX_NAMES` with how many more there are."""
    more = f", +{len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else ""
    return ", ".join(items[:MAX_NAMES]) + more
