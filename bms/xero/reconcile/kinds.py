"""Every kind the reconciliation compares, registered: import KINDS from here, not from registry.py,
so the kinds are loaded whoever asks first (a view, the command, the nightly job)."""

from bms.xero.reconcile import contacts, credit_notes, invoices, journals  # noqa: F401  (each registers its kind)
from bms.xero.reconcile.registry import KINDS

__all__ = ["KINDS"]
