"""What the invoices' and the credit notes' reconciliations share (reconcile/invoices.py,
reconcile/credit_notes.py): the BMS documents sent to the organisation and dated in the range,
each linked to one Xero document, beside Xero's of the same dates read in pages. A linked one Xero
lacks is missing in Xero (on a full read only: an incremental read sees only what changed); one
Xero holds is compared by the kind; one Xero holds, numbered like a BMS document (an entity's
prefix) but linked to none, is missing in BMS."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar, cast

from bms.billing.models import CreditNote, Invoice
from bms.xero.client.api import Page, XeroAccountingClient
from bms.xero.client.schemas import XeroModel
from bms.xero.models import SyncLink
from bms.xero.reconcile.causes import Cause
from bms.xero.reconcile.models import Verdict
from bms.xero.reconcile.registry import GONE, Finding, KindResult, ReconcileKind, Scope, money_text, read_pages

T = TypeVar("T", bound=XeroModel)  # Xero's document
L = TypeVar("L", bound=SyncLink)  # the link to it


def differ(cause: Cause, document: Invoice | CreditNote, xero_id: str | None, message: str, bms: str,
           theirs: str) -> Finding:
    """A document Xero holds otherwise than BMS: `bms` and `theirs` are the values shown side by side."""
    return Finding(verdict=Verdict.DIFFER, cause=cause, label=document.display_number, message=message,
                   bms_id=document.pk, dated_on=document.issued_on, xero_id=xero_id or "", bms_value=bms,
                   xero_value=theirs)


def amounts_differing(document: Invoice | CreditNote, xero_id: str | None,
                      amounts: Iterable[tuple[Cause, Any, Decimal, str]]) -> Finding | None:
    """The first amount Xero holds otherwise than BMS, in the order a person fixes them: each is
    (cause, Xero's value or None when Xero gave none, BMS's, the message with {number}, {theirs} and
    {ours})."""
    for cause, theirs, ours, message in amounts:
        if theirs is not None and Decimal(theirs) != ours:
            return differ(cause, document, xero_id, message.format(
                number=document.display_number, theirs=money_text(theirs), ours=money_text(ours)),
                money_text(ours), money_text(theirs))
    return None


class DocumentKind(ReconcileKind, Generic[T, L]):
    xero_type: ClassVar[str]  # Xero's Type of the documents read: "ACCREC"
    link_model: ClassVar[type[SyncLink]]
    document_field: ClassVar[str]  # the link's foreign key to the document: "invoice"

    @abstractmethod
    def page(self, client: XeroAccountingClient, *, where: str, page: int, since: datetime | None) -> Page[T]:
        """One page of Xero's documents matching `where` (changed since `since`, when given)."""

    def links(self, scope: Scope) -> Iterable[L]:
        """The links with a Xero id of the scope's documents dated in its range."""
        field = self.document_field
        links = (self.link_model._default_manager.filter(tenant=scope.tenant, xero_id__isnull=False,
                                                **{f"{field}__entity__in": scope.entities,
                                                   f"{field}__issued_on__range": (scope.date_from, scope.date_to)})
                 .select_related(f"{field}__entity"))
        return cast(Iterable[L], links)

    @abstractmethod
    def identity(self, item: T) -> tuple[str, str, str]:
        """Xero's id, number and status of one of its documents."""

    @abstractmethod
    def compare(self, link: L, theirs: T) -> Finding | None:
        """The one thing to fix about this document, or None when BMS and Xero agree."""

    @abstractmethod
    def prefixes(self, scope: Scope) -> tuple[str, ...]:
        """How the scope's entities number their documents of this kind."""

    @abstractmethod
    def missing_text(self, document: Invoice | CreditNote) -> str: ...

    @abstractmethod
    def unlinked_text(self, number: str, status: str) -> str: ...

    def run(self, *, client: XeroAccountingClient, scope: Scope, since: datetime | None) -> KindResult:
        where = scope.where_dated(f'Type=="{self.xero_type}"')
        read = read_pages(lambda page: self.page(client, where=where, page=page, since=since))
        xero = {xero_id: item for item in read if (xero_id := self.identity(item)[0])}
        result = KindResult(xero_read=len(read), reread_xero_ids=set(xero))
        linked: set[str] = set()
        for link in self.links(scope):
            document: Invoice | CreditNote = getattr(link, self.document_field)
            linked.add(link.xero_id or "")
            result.compared += 1
            theirs = xero.get(link.xero_id or "")
            if theirs is None:
                if since is None:  # an incremental read only sees what changed: absence proves nothing
                    result.findings.append(Finding(
                        verdict=Verdict.ONLY_BMS, cause=Cause.MISSING_IN_XERO, label=document.display_number,
                        bms_id=document.pk, xero_id=link.xero_id or "", dated_on=document.issued_on,
                        bms_value=money_text(document.total_amount), xero_value="—",
                        message=self.missing_text(document)))
                continue
            result.reread_bms_ids.add(document.pk)
            finding = self.compare(link, theirs)
            if finding is not None:
                result.findings.append(finding)
        prefixes = self.prefixes(scope)
        for item in read:
            xero_id, number, status = self.identity(item)
            if xero_id not in linked and status not in GONE and prefixes and number.startswith(prefixes):
                result.findings.append(Finding(
                    verdict=Verdict.ONLY_XERO, cause=Cause.MISSING_IN_BMS, label=number, xero_id=xero_id,
                    dated_on=getattr(item, "date", None), bms_value="—",
                    xero_value=money_text(getattr(item, "total", None)), message=self.unlinked_text(number, status)))
        return result
