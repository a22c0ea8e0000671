"""Chart of accounts and tax rates against Xero (PRODUCT.md §3.3).

Compare reports differences per organisation; Sync from Xero adds and updates accounts and tax
rates in BMS (never deletes: an account archived in Xero is marked archived)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from bms.ledger.models import Account, AccountStatus, TaxRate
from bms.ledger.services import Upsert, account_upsert_by_code, tax_rate_upsert_by_type
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Account as XeroAccount
from bms.xero.sync.log import SyncOutcome


class Difference:
    ONLY_IN_BMS = "Only in BMS"
    ONLY_IN_XERO = "Only in Xero"
    NAME_DIFFERS = "Name differs"
    TAX_RATE_DIFFERS = "Tax rate differs"
    ARCHIVED_IN_XERO = "Archived in Xero"


@dataclass(frozen=True)
class AccountDifference:
    code: str
    kind: str
    bms: str = ""
    xero: str = ""


def chart_compare(*, client: XeroAccountingClient) -> list[AccountDifference]:
    xero_accounts = {a.code: a for a in client.get_accounts() if a.code}
    bms_accounts = {a.code: a for a in Account.objects.select_related("tax_rate")}
    differences: list[AccountDifference] = []
    for code in sorted(set(bms_accounts) | set(xero_accounts)):
        ours, theirs = bms_accounts.get(code), xero_accounts.get(code)
        if theirs is None:
            if ours is not None:  # (always: the code came from one side or the other)
                differences.append(AccountDifference(code, Difference.ONLY_IN_BMS, bms=ours.name))
            continue
        if ours is None:
            differences.append(AccountDifference(code, Difference.ONLY_IN_XERO, xero=theirs.name or ""))
            continue
        if (theirs.name or "") != ours.name:
            differences.append(AccountDifference(code, Difference.NAME_DIFFERS, bms=ours.name, xero=theirs.name or ""))
        our_tax = ours.tax_rate.xero_tax_type if ours.tax_rate is not None else ""
        if (theirs.tax_type or "") != our_tax:
            differences.append(
                AccountDifference(code, Difference.TAX_RATE_DIFFERS, bms=our_tax or "—", xero=theirs.tax_type or "—")
            )
        if theirs.status == "ARCHIVED" and ours.status != AccountStatus.ARCHIVED:
            differences.append(
                AccountDifference(code, Difference.ARCHIVED_IN_XERO, bms=ours.name, xero=theirs.name or "")
            )
    return differences


def _account_class(account: XeroAccount) -> str:
    return (account.account_class or "").upper()


def chart_sync_from_xero(*, client: XeroAccountingClient) -> SyncOutcome:
    outcome = SyncOutcome(nothing="nothing changed: BMS's accounts and tax rates already match Xero's")
    tax_rates = client.get_tax_rates()
    accounts = client.get_accounts()
    with transaction.atomic():
        for rate in tax_rates:
            if not rate.tax_type:
                continue
            done = tax_rate_upsert_by_type(
                xero_tax_type=rate.tax_type,
                name=rate.name or rate.tax_type,
                rate_percent=rate.effective_rate if rate.effective_rate is not None else Decimal("0"),
                is_active=(rate.status or "ACTIVE") == "ACTIVE",
            )
            if done != Upsert.UNCHANGED:
                outcome.add(f"tax rates {done}")
        by_type = {rate.xero_tax_type: rate for rate in TaxRate.objects.all()}
        for account in accounts:
            if not account.code:
                # Some bank accounts have no code; BMS keys accounts by code.
                outcome.add("accounts without a code skipped")
                continue
            done = account_upsert_by_code(
                code=account.code,
                name=account.name or account.code,
                account_class=_account_class(account),
                account_type=account.type or "",
                tax_rate=by_type.get(account.tax_type or ""),
                is_archived=account.status == "ARCHIVED",
                is_system=bool(account.system_account),
                is_bank=account.type == "BANK",
                description=account.description or "",
            )
            if done != Upsert.UNCHANGED:
                outcome.add(f"accounts {done}")
    return outcome
