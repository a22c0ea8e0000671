"""Step 2 of writing to Xero (ARCHITECTURE.md): make the call for a batch whose intent is already
committed, and settle the links when the call itself fails, by what the caller does next."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bms.xero.auth.parking import tenant_auth_failed
from bms.xero.client.errors import AuthError, RetryableError, UncertainError, ValidationError
from bms.xero.models import LinkStatus, XeroTenant
from bms.xero.sync.log import SyncLog

T = TypeVar("T")


def send_batch(*, tenant: XeroTenant, link_model, link_ids: list[int], what: str, call: Callable[[], T],
               log: SyncLog, refuse_all: Callable[[str], None]) -> T | None:
    """The call's results, or None when there are none to read (the links are settled here)."""
    links = link_model.objects.filter(pk__in=link_ids)
    try:
        return call()
    except UncertainError as exc:
        # It may have landed: the next run looks these up before sending anything again.
        links.update(status=LinkStatus.UNCERTAIN, last_error=exc.message)
        log.warning(f"No answer from Xero for {len(link_ids)} {what}; they will be looked up before any re-send.")
        return None
    except RetryableError:
        links.update(status=LinkStatus.PENDING)  # nothing landed: send again later, same key
        raise
    except AuthError as exc:
        links.update(status=LinkStatus.PENDING)
        tenant_auth_failed(tenant=tenant, status_code=exc.status_code, reason=exc.message)
        raise
    except ValidationError as exc:
        refuse_all(exc.message)  # the whole request was refused (not one element)
        return None
