"""Spending under the user's control: consent before credits go (budgets and audit build on it)."""

from kp_tools.spending.consent import APPROVAL_KIND, Approver, SpendRequest, ask

__all__ = ["APPROVAL_KIND", "Approver", "SpendRequest", "ask"]
