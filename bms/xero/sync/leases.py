"""At most one active push per tenant and kind, across every worker on every machine.

The lease is short (BMS_JOB_LEASE_S) and renewed by a heartbeat while its holder works, so a
holder that dies (SIGKILL, machine lost) frees the tenant within one lease, and the job that takes
its work over is not turned away for long."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bms.core.heartbeat import beating
from bms.xero.models import TenantLease, XeroTenant


class LeaseKind(StrEnum):
    """The kinds of work that may run side by side for one tenant: at most one of each at a time."""

    PUSH = "push"  # customers, invoices and journals to Xero
    PULL = "pull"  # payments from Xero
    CHART = "chart"  # the chart of accounts from Xero
    RECONCILE = "reconcile"  # the reconciliation's reads: one run per tenant at a time


KIND_WORDS = {LeaseKind.PUSH: "customers and invoices", LeaseKind.PULL: "payments",
              LeaseKind.CHART: "the chart of accounts", LeaseKind.RECONCILE: "a reconciliation"}


class LeaseBusyError(Exception):
    """Another worker holds this tenant's lease; the work runs again once it is free (or expired)."""

    def __init__(self, message: str, *, expires_at: datetime | None = None):
        super().__init__(message)
        self.expires_at = expires_at


def lease_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@contextmanager
def tenant_lease(*, tenant: XeroTenant, kind: LeaseKind, ttl: timedelta | None = None) -> Iterator[None]:
    ttl = ttl or timedelta(seconds=settings.BMS_JOB_LEASE_S)
    holder = lease_holder()
    try:
        with transaction.atomic():
            TenantLease.objects.get_or_create(tenant=tenant, kind=kind)
    except IntegrityError:
        pass  # created by someone else a moment ago
    now = timezone.now()
    # A conditional UPDATE is atomic in every database: exactly one claimant sees a row updated.
    claimed = (
        TenantLease.objects.filter(tenant=tenant, kind=kind)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder))
        .update(holder=holder, expires_at=now + ttl)
    )
    if not claimed:
        expires_at = TenantLease.objects.filter(tenant=tenant, kind=kind).values_list("expires_at", flat=True).first()
        raise LeaseBusyError(f"another job is already exchanging {KIND_WORDS.get(kind, kind)} with {tenant.name}",
                             expires_at=expires_at)
    mine = TenantLease.objects.filter(tenant=tenant, kind=kind, holder=holder)
    try:
        with beating(every_s=ttl.total_seconds() / 4, name=f"lease-{tenant.pk}-{kind}",
                     beat=lambda: mine.update(expires_at=timezone.now() + ttl)):
            yield
    finally:
        TenantLease.objects.filter(tenant=tenant, kind=kind, holder=holder).update(holder="", expires_at=None)
