"""Parking work while a Xero connection cannot do it, and resuming it afterwards (PRODUCT.md §3.1).

A refused connection is not bad data: the pending pushes it blocks become `parked` (never `failed`,
never deleted) and go back to `pending` when the cause is fixed. What is parked depends on what was
refused (auth/incidents.py): everything of a grant or of a tenant, or one kind of work only (a scope
or a Xero user's role for, say, manual journals). Rows caught mid-send (`sending`, `uncertain`) keep
their state, so they are still looked up in Xero before anything is created again.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from bms.xero.models import (
    ContactLink,
    CreditNoteLink,
    InvoiceLink,
    JournalLink,
    LinkStatus,
    PaymentSendLink,
    RefundSendLink,
    SyncLink,
    XeroGrant,
)

logger = logging.getLogger(__name__)

# Payments (and refunds) entered in BMS before their document was sent wait like the rest (their own
# family: a Xero user who may not record payments holds only them).
LINK_MODELS: tuple[type[SyncLink], ...] = (ContactLink, InvoiceLink, JournalLink, PaymentSendLink, CreditNoteLink,
                                           RefundSendLink)
# The link rows each scope family's refusal blocks (client/refusals.py); a family not listed here
# (settings: every run reads the organisation) blocks them all.
FAMILY_LINKS: dict[str, tuple[type[SyncLink], ...]] = {
    "contacts": (ContactLink,), "invoices": (InvoiceLink, CreditNoteLink), "manualjournals": (JournalLink,),
    "payments": (PaymentSendLink, RefundSendLink),
}
PARKED_CAUSE = "Xero connection needs re-authentication"


def family_links(family: str) -> tuple[type[SyncLink], ...]:
    return FAMILY_LINKS.get(family, LINK_MODELS)


def links_park(*, where: Q, models: tuple[type[SyncLink], ...], reason: str, cause: str) -> int:
    """Park the pending links matching `where` (a filter on the link's tenant) of these kinds."""
    parked = 0
    with transaction.atomic():
        for model in models:
            parked += model._default_manager.filter(where, status=LinkStatus.PENDING).update(
                status=LinkStatus.PARKED, last_error=reason[:1000], error_cause=cause[:255]
            )
    return parked


def links_resume(*, where: Q, models: tuple[type[SyncLink], ...] = LINK_MODELS) -> int:
    """Back to pending: the next push sends them (once; the engine's keys see to that)."""
    resumed = 0
    with transaction.atomic():
        for model in models:
            resumed += model._default_manager.filter(where, status=LinkStatus.PARKED).update(
                status=LinkStatus.PENDING, last_error="", error_cause=""
            )
    return resumed


def links_resume_for_grant(*, grant: XeroGrant) -> int:
    """After re-authenticating: the grant's organisations that are connected again resume (one
    still disconnected keeps its `auth_problem` and its parked work)."""
    return links_resume(where=Q(tenant__grant=grant, tenant__auth_problem=""))


def links_parked_count(*, where: Q, models: tuple[type[SyncLink], ...] = LINK_MODELS) -> int:
    return sum(model._default_manager.filter(where, status=LinkStatus.PARKED).count() for model in models)
