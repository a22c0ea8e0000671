"""Where each cause a pre-send check finds is fixed in BMS: the button offered beside the cause on
Check against Xero (and on the reconciliation). A cause fixed only in Xero (a lock date) has none."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse

from bms.xero.sync.verdicts import Fix, Verdict


def chart_fix() -> Fix:
    """An account or tax rate Xero lacks or has archived: the chart, with Sync from Xero and Compare to Xero."""
    return Fix(label="Open Accounts", url=reverse("ledger:account_list"), permission="admin.view")


def account_settings_fix() -> Fix:
    """A journal's Cost or Stock account Xero refuses: the defaults are chosen on Account Settings."""
    return Fix(label="Open Account Settings", url=reverse("ledger:account_defaults"), permission="admin.view")


def customer_fix(customer_id: int) -> Fix:
    """A customer's contact (not synced, archived, merged): its Xero Integration panel, with Sync and relink."""
    return Fix(label="Open the customer", url=reverse("billing:customer_detail", args=[customer_id]))


def connection_fix(entity_id: int) -> Fix:
    """A choice made on Connect (the zero-rate tax type, the journals' tax type, the go-live date)."""
    return Fix(label="Open Connect Xero Organisation", url=reverse("xero:connect_tenant", args=[entity_id]),
               permission="xero.connect")


def with_fix(verdict: Verdict | None, fix: Fix) -> Verdict | None:
    """A verdict of a check that does not know the screen, with the screen that fixes its cause."""
    return replace(verdict, fix=fix) if verdict is not None and verdict.fix is None else verdict


def tracking_fix() -> Fix:
    """An entity's tracking option missing, archived or not chosen: the Tracking screen."""
    return Fix(label="Open Tracking", url=reverse("xero:tracking"), permission="xero.connect")
