"""Cost-of-sales journals → Xero manual journals (PRODUCT.md §3.6), exactly once.

Each journal goes as one POSTED manual journal dated its trading day, its lines summed per account
by the database, with the entity's tracking on every line (two entities posting to one Xero
organisation are told apart by it). The narration carries the journal's unique BMS reference:
Xero gives an errored or unanswered journal no id, so the reference is how a journal whose create
may have landed is found again (`where=Narration=="…"`) before anything is sent twice.

A journal dated on or before the organisation's lock date, or using an account Xero refuses, is
held with a message saying what to do; the schedule does not resend it (Push now does).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bms.cogs.models import CostOfSalesJournal
from bms.cogs.selectors import journal_account_summary
from bms.cogs.services import journal_mark_held, journal_mark_pushed
from bms.core.money import ZERO
from bms.preferences.selectors import general_settings
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import ManualJournal, ManualJournalLine
from bms.xero.idempotency import batch_key, record_key
from bms.xero.models import EntityXeroConnection, JournalLink, LinkStatus, XeroTenant
from bms.xero.payloads import entity_tracking
from bms.xero.services.batches import send_batch
from bms.xero.services.chart_check import ChartCheck
from bms.xero.services.synclog import SyncLog, SyncOutcome

BATCH_SIZE = 50
LOOKUP_SIZE = 10  # narrations per look-up: the where filter travels in the URL


def _label(journal: CostOfSalesJournal) -> str:
    return f"Journal {journal.reference}"


def _links_for(tenant: XeroTenant, journals: list[CostOfSalesJournal]) -> dict[int, JournalLink]:
    links = {link.journal_id: link for link in JournalLink.objects.filter(tenant=tenant, journal__in=journals)}
    for journal in journals:
        if journal.pk not in links:
            try:
                with transaction.atomic():
                    links[journal.pk] = JournalLink.objects.create(tenant=tenant, journal=journal)
            except IntegrityError:
                links[journal.pk] = JournalLink.objects.get(tenant=tenant, journal=journal)
    return links


def _hold(link: JournalLink, journal: CostOfSalesJournal, message: str, cause: str, log: SyncLog,
          outcome: SyncOutcome) -> None:
    with transaction.atomic():
        JournalLink.objects.filter(pk=link.pk).update(
            status=LinkStatus.FAILED, last_error=message, error_cause=cause[:255], updated_at=timezone.now()
        )
        journal_mark_held(journal=journal)
    outcome.failed += 1
    log.error(message, record=_label(journal), cause=cause[:255])


def journal_lines_for_xero(journal: CostOfSalesJournal, tracking) -> list[ManualJournalLine]:
    """Net movement per account (debits positive, credits negative), summed by the database."""
    return [
        ManualJournalLine(LineAmount=net, AccountCode=code, Description=journal.description, Tracking=tracking or None)
        for code, net in ((row["account__code"], row["net"]) for row in journal_account_summary(journal))
        if net != ZERO
    ]


def journal_payload(journal: CostOfSalesJournal, *, lines: list[ManualJournalLine], url: str | None) -> ManualJournal:
    return ManualJournal(
        Narration=journal.narration,
        Date=journal.journaled_on,
        Status="POSTED",  # omitted, Xero makes a DRAFT that never reaches the ledger (xero-notes trap 11)
        LineAmountTypes="NoTax",
        JournalLines=lines,
        Url=url,
    )


def journals_push(
    *, tenant: XeroTenant, journals: Iterable[CostOfSalesJournal], client: XeroAccountingClient, log: SyncLog,
    chart: ChartCheck | None = None,
) -> SyncOutcome:
    journals = list(CostOfSalesJournal.objects.filter(pk__in=[j.pk for j in journals]).select_related("entity")
                    .order_by("journaled_on", "pk"))
    outcome = SyncOutcome()
    chart = chart or ChartCheck(client)
    settings_row = general_settings()
    links = _links_for(tenant, journals)
    lock_date = tenant.lock_date
    uncertain = [j for j in journals if links[j.pk].status in (LinkStatus.SENDING, LinkStatus.UNCERTAIN)
                 and not links[j.pk].xero_id]
    found = _lookup_by_narration(client, uncertain)
    sends = []
    for journal in journals:
        link = links[journal.pk]
        if link.status == LinkStatus.PARKED:
            outcome.parked += 1
            continue
        if link.status == LinkStatus.SYNCED:
            continue  # Xero has it; a pushed journal is never sent again, nor rewritten
        if journal.pk in found:
            # Our earlier create landed although its answer was lost.
            _succeed(tenant, link, journal, found[journal.pk], outcome)
            log.advance()
            continue
        if journal in uncertain:
            link.key_epoch += 1  # looked up and not found: send again with a fresh key
        elif link.status == LinkStatus.FAILED:
            link.key_epoch += 1  # Xero replays a refusal for its key's lifetime (xero-notes trap 18)
        if lock_date and journal.journaled_on <= lock_date:
            _hold(link, journal,
                  f"Blocked by lock date {lock_date:%d/%m/%Y}: Xero accepts nothing dated on or before it. Ask your "
                  f"adviser to move the lock date in Xero (or post this journal by hand), then press Push now.",
                  f"blocked by lock date {lock_date:%d/%m/%Y}", log, outcome)
            log.advance()
            continue
        lines = journal_lines_for_xero(journal, entity_tracking(journal.entity, settings_row))
        if len(lines) < 2:
            # The day's postings cancel out in every account: there is nothing for Xero to hold.
            _succeed(tenant, link, journal, None, outcome)
            log.info("Every account nets to zero; nothing to send to Xero.", record=_label(journal))
            log.advance()
            continue
        problems = list(dict.fromkeys(
            p for p in (chart.account_problem(line.account_code, for_journal=True) for line in lines) if p))
        if problems:
            _hold(link, journal,
                  f"Not sent: {'; '.join(problems)}. Choose another Cost or Stock account (Admin → Accounts → "
                  f"Settings, or on the product) or fix it in Xero, then press Push now.", problems[0], log, outcome)
            log.advance()
            continue
        sends.append((link, journal, lines))
    for start in range(0, len(sends), BATCH_SIZE):
        _push(tenant, sends[start:start + BATCH_SIZE], client, log, outcome)
    return outcome


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lookup_by_narration(client: XeroAccountingClient, journals: list[CostOfSalesJournal]
                         ) -> dict[int, ManualJournal]:
    """Journals Xero already has, found by their narration (Xero's one optimised journal filter),
    several per call so a run after an outage does not spend the minute's budget on look-ups."""
    found: dict[int, ManualJournal] = {}
    for start in range(0, len(journals), LOOKUP_SIZE):
        by_narration = {journal.narration: journal for journal in journals[start:start + LOOKUP_SIZE]}
        where = " OR ".join(f"Narration=={_quoted(narration)}" for narration in by_narration)
        for item in client.get_manual_journals(where=where).items:
            journal = by_narration.get(item.narration or "")
            if journal is not None and item.status not in ("DELETED", "VOIDED"):
                found[journal.pk] = item
    return found


def _journal_url(journal: CostOfSalesJournal) -> str:
    return settings.BMS_BASE_URL + reverse("cogs:journal_detail", args=[journal.pk])


def _push(tenant: XeroTenant, batch, client: XeroAccountingClient, log: SyncLog, outcome: SyncOutcome) -> None:
    keys = []
    with transaction.atomic():
        # Step 1: the intent, committed before the call.
        for link, journal, _ in batch:
            link.idempotency_key = record_key(tenant_id=tenant.tenant_id, kind="journal", record_id=journal.pk,
                                              revision=0, epoch=link.key_epoch)
            JournalLink.objects.filter(pk=link.pk).update(
                status=LinkStatus.SENDING, idempotency_key=link.idempotency_key, key_epoch=link.key_epoch,
                attempts=link.attempts + 1,
            )
            keys.append(link.idempotency_key)
    elements = [journal_payload(journal, lines=lines, url=_journal_url(journal)) for _, journal, lines in batch]
    call = partial(client.create_manual_journals, elements, idempotency_key=batch_key(keys, operation="create"))

    def refuse_all(message: str) -> None:
        for link, journal, _ in batch:
            _refused(link, journal, message, log, outcome)

    # Step 2: the call, outside any transaction.
    results = send_batch(tenant=tenant, link_model=JournalLink, link_ids=[link.pk for link, _, _ in batch],
                         what="journals", call=call, log=log, refuse_all=refuse_all)
    if results is None:
        return
    # Step 3: the outcome, per element.
    for (link, journal, _), result in zip(batch, results, strict=True):
        if result.is_error:
            _refused(link, journal, "; ".join(result.error_messages) or "Xero refused this journal", log, outcome)
        else:
            _succeed(tenant, link, journal, result, outcome)
            for warning in result.warnings:
                log.warning(f"Xero: {warning.message}", record=_label(journal))
        log.advance()


def _refused(link, journal, message: str, log: SyncLog, outcome: SyncOutcome) -> None:
    if "lock date" in message.lower():
        text = (f"Xero: {message} Ask your adviser to move the lock date in Xero (or post this journal by hand), "
                f"then press Push now.")
    else:
        text = f"Xero: {message}. Fix the cause, then press Push now."
    _hold(link, journal, text, message, log, outcome)


def _succeed(tenant: XeroTenant, link: JournalLink, journal: CostOfSalesJournal, result: ManualJournal | None,
             outcome: SyncOutcome) -> None:
    with transaction.atomic():
        JournalLink.objects.filter(pk=link.pk).update(
            xero_id=result.manual_journal_id if result is not None else None,
            status=LinkStatus.SYNCED, last_pushed_at=timezone.now(), last_error="", error_cause="",
        )
        journal_mark_pushed(journal=journal)
        EntityXeroConnection.objects.filter(entity_id=journal.entity_id, records_tenant_id="").update(
            records_tenant_id=tenant.tenant_id
        )
    outcome.created += 1
