"""Spending under the user's control: budgets, consent before credits go, an audit trail.

The executor applies all three to every credit-spending request, whatever the rendering;
docs/spending.md shows how to configure them and how each framework asks the user. Names load
on first use, so a module that needs one part (kp-mcp's consent question) loads only that part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kp_tools._lazy import lazy_exports

if TYPE_CHECKING:  # what mypy sees; tests/test_exports.py checks it matches _EXPORTS
    from kp_tools.spending.audit import AUDIT_LOGGER as AUDIT_LOGGER
    from kp_tools.spending.audit import AuditEvent as AuditEvent
    from kp_tools.spending.audit import AuditSink as AuditSink
    from kp_tools.spending.audit import AuditTrail as AuditTrail
    from kp_tools.spending.audit import Decision as Decision
    from kp_tools.spending.audit import JsonLinesFile as JsonLinesFile
    from kp_tools.spending.audit import read_json_lines as read_json_lines
    from kp_tools.spending.budget import Budget as Budget
    from kp_tools.spending.budget import BudgetFor as BudgetFor
    from kp_tools.spending.consent import APPROVAL_KIND as APPROVAL_KIND
    from kp_tools.spending.consent import Approver as Approver
    from kp_tools.spending.consent import SpendRequest as SpendRequest
    from kp_tools.spending.consent import ask as ask
    from kp_tools.spending.settings import SpendingSettings as SpendingSettings

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "AUDIT_LOGGER",
            "AuditEvent",
            "AuditSink",
            "AuditTrail",
            "Decision",
            "JsonLinesFile",
            "read_json_lines",
        ),
        "kp_tools.spending.audit",
    ),
    **dict.fromkeys(("Budget", "BudgetFor"), "kp_tools.spending.budget"),
    **dict.fromkeys(
        ("APPROVAL_KIND", "Approver", "SpendRequest", "ask"), "kp_tools.spending.consent"
    ),
    "SpendingSettings": "kp_tools.spending.settings",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
