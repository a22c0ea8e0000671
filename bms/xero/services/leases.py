"""At most one active push per tenant and kind, across every worker on every machine."""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bms.xero.models import TenantLease, XeroTenant


class LeaseBusyError(Exception):
    """Another worker holds this tenant's lease; the work waits for the next run."""


def lease_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@contextmanager
def tenant_lease(*, tenant: XeroTenant, kind: str, ttl: timedelta = timedelta(minutes=15)):
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
        raise LeaseBusyError(f"another worker is already sending {kind} to {tenant.name}")
    try:
        yield
    finally:
        TenantLease.objects.filter(tenant=tenant, kind=kind, holder=holder).update(holder="", expires_at=None)
