"""What Connect Xero Organisation records besides the organisation (PRODUCT.md §3.8): the entity's
go-live date, and the organisation's zero-rate tax types and payments account. Each change is
audited beside the connection, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bms.core.audit import audit_record
from bms.core.dates import refuse_out_of_range
from bms.core.errors import DomainError
from bms.entities.models import Entity
from bms.users.models import User
from bms.xero.models import EntityXeroConnection, InvoiceLink, JournalLink, LinkStatus, XeroTenant
from bms.xero.services.connect_options import AccountOption, TaxOption
from bms.xero.services.go_live import default_go_live_on
from bms.xero.services.payments_push import entity_settled_invoice_count
from bms.xero.services.refunds_push import entity_refunded_credit_note_count


@dataclass(frozen=True)
class ConnectChoices:
    go_live_on: date | None = None
    zero_rate: TaxOption | None = None
    journal_tax: TaxOption | None = None
    payments_account: AccountOption | None = None


def entity_needs_payments_scope(*, entity: Entity, now: datetime) -> bool:
    """Are there payments entered in BMS on invoices, or refunds on credit notes, dated on or after the
    entity's go-live date (the suggested one before it is chosen) that Xero does not hold? Only then is
    accounting.payments asked."""
    connection = EntityXeroConnection.objects.filter(entity=entity).first()
    since = (connection.go_live_on if connection is not None and connection.go_live_on else None
             ) or default_go_live_on(entity=entity, now=now)
    return (entity_settled_invoice_count(entity=entity, since=since) > 0
            or entity_refunded_credit_note_count(entity=entity, since=since) > 0)


def entity_has_sent(entity: Entity) -> bool:
    """Does Xero hold anything this entity sent (an invoice or a journal)?"""
    return (InvoiceLink.objects.filter(invoice__entity=entity, xero_id__isnull=False).exists()
            or JournalLink.objects.filter(journal__entity=entity, xero_id__isnull=False).exists())


def connection_set_go_live(*, connection: EntityXeroConnection, entity: Entity, go_live_on: date, user: User) -> None:
    """Before anything was sent the date moves freely; after, only later: an earlier date would
    send history Xero's books may already hold by other means (PRODUCT.md §3.8)."""
    refuse_out_of_range(go_live_on, field="go_live_on")
    old = connection.go_live_on
    if old == go_live_on:
        return
    if old is not None and go_live_on < old and entity_has_sent(entity):
        raise DomainError(
            f"{entity.name} has already sent documents to Xero from {old:%d/%m/%Y}: the go-live date can only move "
            f"later now, never earlier. Documents dated before {old:%d/%m/%Y} stay in BMS as history.",
            field="go_live_on")
    connection.go_live_on = go_live_on
    # Records held as "before go-live" are looked at again against the new date by the next push.
    for model, field in ((InvoiceLink, "invoice__entity"), (JournalLink, "journal__entity")):
        model.objects.filter(**{field: entity}, status=LinkStatus.BEFORE_GO_LIVE).update(
            status=LinkStatus.PENDING, last_error="", error_cause="")
    audit_record(actor=user, action="xero.go_live_set", target=f"entity {entity.code}",
                 before={"go_live_on": old.isoformat() if old else None},
                 after={"go_live_on": go_live_on.isoformat()})


def tenant_set_choices(*, tenant: XeroTenant, choices: ConnectChoices, user: User, entity: Entity) -> None:
    """The organisation's zero-rate tax types and payments account, as confirmed on Connect."""
    before = _choices_of(tenant)
    if choices.zero_rate is not None:
        tenant.zero_rate_tax_type = choices.zero_rate.tax_type
        tenant.zero_rate_tax_name = choices.zero_rate.name
        tenant.zero_rate_report_tax_type = choices.zero_rate.report_tax_type
    if choices.journal_tax is not None:
        tenant.journal_tax_type = choices.journal_tax.tax_type
        tenant.journal_tax_name = choices.journal_tax.name
    if choices.payments_account is not None:
        tenant.payments_account_code = choices.payments_account.code
        tenant.payments_account_name = choices.payments_account.name
    after = _choices_of(tenant)
    if after == before:
        return
    tenant.save(update_fields=["zero_rate_tax_type", "zero_rate_tax_name", "zero_rate_report_tax_type",
                               "journal_tax_type", "journal_tax_name", "payments_account_code",
                               "payments_account_name", "updated_at"])
    audit_record(actor=user, action="xero.organisation_choices_set", target=f"entity {entity.code}",
                 before=before, after=after, message=f"For {tenant.name}.")


def _choices_of(tenant: XeroTenant) -> dict[str, Any]:
    return {"zero_rate_tax_type": tenant.zero_rate_tax_type, "journal_tax_type": tenant.journal_tax_type,
            "payments_account": tenant.payments_account_code}
