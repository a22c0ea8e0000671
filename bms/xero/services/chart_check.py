"""The pre-push check (PRODUCT.md §3.3): every account code and tax type a document is about to
use must exist in the target organisation, be active, and be of a kind Xero accepts for that
document. Read once per run and cached, so a batch of 50 costs two calls, not a hundred."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.errors import XeroError
from bms.xero.client.schemas import Account, TaxRate
from bms.xero.sync.pipeline import ReadAhead


@dataclass
class ChartCheck:
    client: XeroAccountingClient
    _accounts: dict[str, Account] | None = field(default=None, init=False)
    _tax_rates: dict[str, TaxRate] | None = field(default=None, init=False)
    _reading: ReadAhead[list[Account] | list[TaxRate]] | None = field(default=None, init=False)

    def read_ahead(self) -> None:
        """Start reading the chart now, while the run loads its records: a push's first batch waits
        for it, and its minute window starts with it."""
        if self._reading is None and self._accounts is None:
            self._reading = ReadAhead(self.client, [XeroAccountingClient.get_accounts,
                                                    XeroAccountingClient.get_tax_rates])

    def close(self) -> None:
        """A read started ahead and never needed still ends here (its calls reach the attempt log)."""
        if self._reading is not None and self._accounts is None:
            with suppress(XeroError):
                self._chart()

    def _chart(self) -> tuple[dict[str, Account], dict[str, TaxRate]]:
        """Xero's accounts by code and tax rates by tax type, read (both at once) on first use."""
        if self._accounts is None or self._tax_rates is None:
            self.read_ahead()
            assert self._reading is not None
            reading, self._reading = self._reading, None
            read = reading.result()
            self._accounts = {a.code: a for a in read[0] if isinstance(a, Account) and a.code}
            self._tax_rates = {t.tax_type: t for t in read[1] if isinstance(t, TaxRate) and t.tax_type}
        return self._accounts, self._tax_rates

    def account_problem(self, code: str, *, for_journal: bool = False) -> str:
        """Why Xero would refuse this account code; "" when it is fine."""
        accounts, _ = self._chart()
        account = accounts.get(code)
        if account is None:
            return f"account {code} does not exist in Xero"
        if (account.status or "ACTIVE") != "ACTIVE":
            return f"account {code} ({account.name}) is archived in Xero"
        if for_journal:
            if account.system_account:
                return f"account {code} ({account.name}) is a Xero system account and takes no manual journals"
            if account.type == "BANK":
                return f"account {code} ({account.name}) is a bank account and takes no manual journals"
        return ""

    def tax_problem(self, tax_type: str) -> str:
        _, tax_rates = self._chart()
        rate = tax_rates.get(tax_type)
        if rate is None:
            return f"tax rate {tax_type} does not exist in Xero"
        if (rate.status or "ACTIVE") != "ACTIVE":
            return f"tax rate {tax_type} ({rate.name}) is not active in Xero"
        return ""
