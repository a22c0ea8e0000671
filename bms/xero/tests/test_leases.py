"""One active push per tenant and kind: a lease renewed by its holder's heartbeat."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bms.xero.models import TenantLease, XeroTenant
from bms.xero.sync.leases import LeaseBusyError, tenant_lease

pytestmark = pytest.mark.django_db(transaction=True)  # the heartbeat writes from its own thread


@pytest.fixture
def tenant():
    return XeroTenant.objects.create(xero_tenant_id="t-1", name="Acme (Xero)")


def test_a_second_claimant_is_refused_and_told_when_the_lease_runs_out(tenant):
    with tenant_lease(tenant=tenant, kind="push"):
        other = threading.Thread(target=_claim_elsewhere, args=(tenant, errors := []))
        other.start()
        other.join()
    [error] = errors
    assert isinstance(error, LeaseBusyError) and error.expires_at > timezone.now()
    assert TenantLease.objects.get(tenant=tenant).holder == ""  # released at the end


def test_the_holder_renews_its_lease_while_it_works(tenant, settings):
    settings.BMS_JOB_LEASE_S = 0.4
    with tenant_lease(tenant=tenant, kind="push"):
        first = TenantLease.objects.get(tenant=tenant).expires_at
        renewed = threading.Event()
        for _ in range(300):  # poll the database for the renewal
            if TenantLease.objects.get(tenant=tenant).expires_at > first:
                renewed.set()
                break
            renewed.wait(0.01)
        assert renewed.is_set()


def test_the_lease_of_a_holder_that_died_can_be_claimed_once_it_expires(tenant, settings):
    TenantLease.objects.create(tenant=tenant, kind="push", holder="lost-machine:123:1",
                               expires_at=timezone.now() + timedelta(seconds=settings.BMS_JOB_LEASE_S))
    with pytest.raises(LeaseBusyError), tenant_lease(tenant=tenant, kind="push"):
        pass
    later = timezone.now() + timedelta(seconds=settings.BMS_JOB_LEASE_S + 1)
    with time_machine.travel(later), tenant_lease(tenant=tenant, kind="push"):
        assert TenantLease.objects.get(tenant=tenant).holder != "lost-machine:123:1"


def _claim_elsewhere(tenant, errors):
    try:
        with tenant_lease(tenant=tenant, kind="push"):
            pass
    except LeaseBusyError as exc:
        errors.append(exc)
    finally:
        from django.db import connection

        connection.close()
