"""The invoice currency, checked before sending against the organisation's own currencies
(PRODUCT.md §3.8; issue 16 item 3). Xero refuses an invoice in a currency the organisation has not
enabled ("Organisation is not subscribed to currency …"; xero-notes §6: check /Currencies).

GET /Currencies is read at most once per `CACHE_FOR` per tenant and kept on the tenant row, so a
push every fifteen minutes costs no extra call; `currency_verdict` is pure given that list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from bms.xero.client.api import XeroAccountingClient
from bms.xero.models import XeroTenant
from bms.xero.sync.verdicts import Verdict

CACHE_FOR = timedelta(hours=1)


def tenant_currencies(*, tenant: XeroTenant, client: XeroAccountingClient, force: bool = False) -> list[str]:
    """The currency codes the organisation has enabled, base currency first."""
    fresh = tenant.currencies_read_at is not None and timezone.now() - tenant.currencies_read_at < CACHE_FOR
    if tenant.currencies and fresh and not force:
        return tenant.currencies.split()
    codes = [c.code for c in client.get_currencies() if c.code]
    if client.read_only:
        return codes  # Check against Xero: it reads, and keeps nothing
    tenant.currencies, tenant.currencies_read_at = " ".join(codes), timezone.now()
    XeroTenant.objects.filter(pk=tenant.pk).update(currencies=tenant.currencies,
                                                   currencies_read_at=tenant.currencies_read_at)
    return codes


def currency_verdict(*, currency: str, organisation: str, enabled: list[str]) -> Verdict | None:
    if currency in enabled:
        return None
    return Verdict.fail(
        f"Held: {organisation} has no {currency} currency in Xero (it has {', '.join(enabled) or 'none'}). Add "
        f"{currency} in Xero (Settings → Currencies; it needs a plan with multiple currencies), then sync again.",
        f"currency {currency} not enabled in Xero")


@dataclass
class CurrencyCheck:
    """The organisation's currencies, read on first use in a run."""

    tenant: XeroTenant
    client: XeroAccountingClient
    _codes: list[str] | None = field(default=None, init=False)
    _read_now: bool = field(default=False, init=False)

    def verdict(self, currency: str) -> Verdict | None:
        if currency == self.tenant.base_currency:
            return None  # always enabled: no call for the common case
        if self._codes is None:
            self._codes = tenant_currencies(tenant=self.tenant, client=self.client)
        if currency not in self._codes and not self._read_now:
            # The kept list may predate a currency added in Xero since: read it again (once a run)
            # before holding anything.
            self._codes, self._read_now = tenant_currencies(tenant=self.tenant, client=self.client, force=True), True
        return currency_verdict(currency=currency, organisation=self.tenant.name, enabled=self._codes)
