"""Journals: every cost-of-sales journal BMS sent to the organisation, dated in the range, beside
Xero's manual journals of the same dates, read in pages of 1000 with their lines (paged reads
return lines, xero-notes §8). Compared: the net movement per account code, as BMS sends it
(services/journals.journal_lines_for_xero) against Xero's lines summed per account, and the status."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from bms.core.money import ZERO
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import ManualJournal, ManualJournalLine
from bms.xero.models import JournalLink
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.models import Verdict
from bms.xero.reconcile.registry import (
    GONE,
    PAGE_SIZE,
    Finding,
    KindResult,
    ReconcileKind,
    Scope,
    money_text,
    read_pages,
    register_kind,
)
from bms.xero.services.journals import journal_lines_for_xero

REFERENCE = re.compile(r"\[(BMS-COS-[^\]]+)\]")  # the reference a BMS journal's narration ends with


def per_account(lines: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for code, amount in lines:
        sums[code] = sums.get(code, ZERO) + amount
    return {code: amount for code, amount in sums.items() if amount != ZERO}


class JournalKind(ReconcileKind):
    name = "journal"
    title = "Journals"

    def run(self, *, client: XeroAccountingClient, scope: Scope, since: datetime | None) -> KindResult:
        where = scope.where_dated()
        read = read_pages(lambda page: client.get_manual_journals(where=where, page=page, page_size=PAGE_SIZE,
                                                                  if_modified_since=since))
        xero = {item.manual_journal_id: item for item in read if item.manual_journal_id}
        result = KindResult(xero_read=len(read), reread_xero_ids=set(xero))
        links = (JournalLink.objects.filter(tenant=scope.tenant, xero_id__isnull=False,
                                            journal__entity__in=scope.entities,
                                            journal__journaled_on__range=(scope.date_from, scope.date_to))
                 .select_related("journal__entity"))
        linked = set()
        for link in links:
            linked.add(link.xero_id)
            result.compared += 1
            journal, theirs = link.journal, xero.get(link.xero_id or "")
            if theirs is None:
                if since is None:
                    result.findings.append(Finding(
                        verdict=Verdict.ONLY_BMS, cause=Cause.MISSING_IN_XERO, label=journal.reference,
                        bms_id=journal.pk, xero_id=link.xero_id or "", dated_on=journal.journaled_on,
                        bms_value=money_text(journal.debit_amount),
                        xero_value="—", message=f"Journal {journal.reference} was sent, but Xero has no manual "
                                                "journal with its id."))
                continue
            result.reread_bms_ids.add(journal.pk)
            finding = _compare(journal.reference, journal.pk, journal_lines_for_xero(journal, None), theirs)
            finding = replace(finding, dated_on=journal.journaled_on) if finding is not None else None
            if finding is not None:
                result.findings.append(finding)
        codes = tuple(f"BMS-COS-{entity.code}-" for entity in scope.entities)
        for item in read:
            match = REFERENCE.search(item.narration or "")
            if (item.manual_journal_id not in linked and match and match.group(1).startswith(codes)
                    and (item.status or "") not in GONE):
                result.findings.append(Finding(
                    verdict=Verdict.ONLY_XERO, cause=Cause.MISSING_IN_BMS, label=match.group(1),
                    xero_id=item.manual_journal_id or "", dated_on=item.date, bms_value="—",
                    xero_value=item.status or "",
                    message=f"Xero holds a manual journal with BMS's reference {match.group(1)} that no BMS "
                            "journal is linked to."))
        return result


def _compare(reference: str, journal_id: int, sent: list[ManualJournalLine], xero: ManualJournal) -> Finding | None:
    status = xero.status or ""
    if status in GONE:
        return Finding(verdict=Verdict.DIFFER, cause=Cause.STATUS, label=reference, bms_id=journal_id,
                       xero_id=xero.manual_journal_id or "", bms_value="Posted", xero_value=status,
                       message=f"Journal {reference} is {status} in Xero; BMS holds it as posted.")
    ours = per_account([(line.account_code, line.line_amount) for line in sent])
    theirs = per_account([(line.account_code, line.line_amount) for line in xero.journal_lines or []])
    if ours == theirs:
        return None
    codes = sorted(code for code in set(ours) | set(theirs) if ours.get(code, ZERO) != theirs.get(code, ZERO))
    return Finding(
        verdict=Verdict.DIFFER, cause=Cause.JOURNAL_ACCOUNTS, label=reference, bms_id=journal_id,
        xero_id=xero.manual_journal_id or "",
        bms_value="; ".join(f"{code}: {money_text(ours.get(code, ZERO))}" for code in codes)[:500],
        xero_value="; ".join(f"{code}: {money_text(theirs.get(code, ZERO))}" for code in codes)[:500],
        message=f"Net movement differs on account(s) {', '.join(codes)}.")


register_kind(JournalKind())
