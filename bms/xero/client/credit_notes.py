"""The credit note operations of the Accounting client (operationIds as xero_accounting.yaml's),
mixed into `XeroAccountingClient` (api.py), whose choke point `_call` and batch `_write` they use.

- createCreditNotes / updateOrCreateCreditNotes: PUT / POST /CreditNotes, summarizeErrors=false,
  unitdp=4, an Idempotency-Key per batch (≤ 50 elements, the push engine's batches).
- getCreditNotes: GET /CreditNotes has no number filter (unlike InvoiceNumbers on /Invoices), so a
  look-up by CreditNoteNumber goes through `where`, paged (paged reads carry the lines).
- getCreditNote: one credit note with its lines and its Allocations.
- createCreditNoteAllocation: PUT /CreditNotes/{id}/Allocations, one call per credit note (Xero takes
  the allocations of one credit note per call; there is no batching across credit notes).
- deleteCreditNoteAllocations: DELETE …/Allocations/{AllocationID}. Xero reads no Idempotency-Key on
  DELETE (xero-notes §3.3); a DELETE whose answer was lost is sent again, and a 404 then means it is
  already gone — the caller reads the credit note's Allocations to be sure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import count
from typing import TYPE_CHECKING, Any

from bms.xero.client.errors import ReadOnlyError, UncertainError, ValidationError
from bms.xero.client.pages import Page, page_of, query_params
from bms.xero.client.schemas import to_xero
from bms.xero.client.schemas_credit import Allocation, CreditNote

LOOKUP_PAGE = 100  # Xero's page size for credit notes


def where_numbers(numbers: list[str]) -> str:
    """`where` for credit notes with any of these numbers, as alternatives joined with OR (the type
    is filtered by the caller: an ACCPAYCREDIT may carry a supplier's number that equals ours).
    Xero's where is a .NET LINQ expression: a double quote inside a string is escaped with a backslash."""
    quoted = [n.replace("\\", "\\\\").replace('"', '\\"') for n in numbers]
    return " OR ".join(f'CreditNoteNumber=="{n}"' for n in quoted)


class CreditNoteOperations:
    """Credit notes and allocations; needs the host client's `_call`, `_write` and `read_only`."""

    read_only: bool

    if TYPE_CHECKING:
        def _call(self, operation: str, method: str, path: str, **request: Any) -> Any: ...
        def _write(self, operation: str, method: str, path: str, elements: list[Any], model: type[Any],
                   idempotency_key: str, *, unitdp: bool = False) -> list[Any]: ...

    def get_credit_notes(
        self, *, where: str | None = None, order: str | None = None, page: int | None = None,
        page_size: int | None = None, if_modified_since: datetime | None = None,
    ) -> Page[CreditNote]:
        """Paged reads carry the lines and allocations; without `page` Xero leaves the lines out."""
        params = query_params(where=where, order=order, page=page, pageSize=page_size)
        response = self._call("getCreditNotes", "GET", "CreditNotes", params=params,
                              if_modified_since=if_modified_since)
        return page_of(response, "CreditNotes", CreditNote)

    def credit_notes_by_number(self, numbers: list[str]) -> Iterator[CreditNote]:
        """ACCRECCREDIT credit notes with these numbers, every page (getCreditNotes with `where`)."""
        if not numbers:
            return
        for number in count(1):
            items = self.get_credit_notes(where=where_numbers(numbers), page=number, page_size=LOOKUP_PAGE).items
            yield from (item for item in items if item.type == "ACCRECCREDIT")
            if len(items) < LOOKUP_PAGE:
                return

    def get_credit_note(self, credit_note_id: str) -> CreditNote | None:
        """One credit note by CreditNoteID, with its lines and Allocations; None when Xero has none."""
        try:
            response = self._call("getCreditNote", "GET", f"CreditNotes/{credit_note_id}")
        except ValidationError as exc:
            if exc.status_code == 404:
                return None
            raise
        notes = (response.data or {}).get("CreditNotes") or []
        return CreditNote.model_validate(notes[0]) if notes else None

    def create_credit_notes(self, notes: list[CreditNote], *, idempotency_key: str) -> list[CreditNote]:
        return self._write("createCreditNotes", "PUT", "CreditNotes", notes, CreditNote, idempotency_key,
                           unitdp=True)

    def update_or_create_credit_notes(self, notes: list[CreditNote], *, idempotency_key: str) -> list[CreditNote]:
        return self._write("updateOrCreateCreditNotes", "POST", "CreditNotes", notes, CreditNote, idempotency_key,
                           unitdp=True)

    def create_credit_note_allocation(self, credit_note_id: str, allocation: Allocation, *,
                                      idempotency_key: str) -> Allocation:
        """One allocation of one credit note. A refusal comes back as the element's
        ValidationErrors (summarizeErrors=false), for the caller to read."""
        response = self._call(
            "createCreditNoteAllocation", "PUT", f"CreditNotes/{credit_note_id}/Allocations",
            params={"summarizeErrors": "false"}, body={"Allocations": [to_xero(allocation)]},
            idempotency_key=idempotency_key)
        answered = (response.data or {}).get("Allocations") or []
        if len(answered) != 1:
            raise UncertainError(f"createCreditNoteAllocation: Xero answered {len(answered)} allocations for 1 sent")
        return Allocation.model_validate(answered[0])

    def delete_credit_note_allocations(self, credit_note_id: str, allocation_id: str) -> Allocation | None:
        """Take an allocation off: Xero answers it with IsDeleted true. None when Xero has no such
        live allocation (already removed, e.g. by a DELETE whose answer was lost)."""
        if self.read_only:
            raise ReadOnlyError("deleteCreditNoteAllocations: this client only reads from Xero")
        try:
            response = self._call("deleteCreditNoteAllocations", "DELETE",
                                  f"CreditNotes/{credit_note_id}/Allocations/{allocation_id}")
        except ValidationError as exc:
            if exc.status_code == 404:
                return None
            raise
        data = response.data or {}
        body = (data.get("Allocations") or [data])[0]  # the Allocation itself (SPEC), or enveloped
        return Allocation.model_validate(body)
