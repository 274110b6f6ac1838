"""Spending under the user's control: budgets, consent before credits go, an audit trail.

The executor applies all three to every credit-spending request, whatever the rendering;
docs/spending.md shows how to configure them and how each framework asks the user.
"""

from kp_tools.spending.audit import (
    AUDIT_LOGGER,
    AuditEvent,
    AuditSink,
    AuditTrail,
    Decision,
    JsonLinesFile,
    read_json_lines,
)
from kp_tools.spending.budget import Budget, BudgetFor
from kp_tools.spending.consent import APPROVAL_KIND, Approver, SpendRequest, ask
from kp_tools.spending.settings import SpendingSettings

__all__ = [
    "APPROVAL_KIND",
    "AUDIT_LOGGER",
    "Approver",
    "AuditEvent",
    "AuditSink",
    "AuditTrail",
    "Budget",
    "BudgetFor",
    "Decision",
    "JsonLinesFile",
    "SpendRequest",
    "SpendingSettings",
    "ask",
    "read_json_lines",
]
