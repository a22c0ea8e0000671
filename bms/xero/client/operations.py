"""Every operation the Accounting client can send, with the optional query parameters and headers
it may send with it. Names, methods, paths and parameter spellings are Xero's OpenAPI description's
(`xero_accounting.yaml`, operationIds).

The client checks each call against this list before it leaves (`operation_check`): an operation
or a parameter that is not listed is a programming error, never something to send and see. The
contract tests read the list the other way round: every operation and every optional parameter
listed here must appear in the traffic the tests record, and validate against Xero's description
(bms/xero/tests/test_contract_coverage.py). A new client method therefore adds its entry here and a
test that sends it to the sandbox over HTTP.

Always sent, so not listed: `Xero-Tenant-Id`, `Authorization`, `Accept`, `User-Agent`, and
`Content-Type` with a body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

IDEMPOTENCY_KEY = "Idempotency-Key"
IF_MODIFIED_SINCE = "If-Modified-Since"


class UnlistedRequestError(RuntimeError):
    """The client was asked to send something this registry does not list: a bug in BMS."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # under the API root, with Xero's placeholders: "Invoices/{InvoiceID}"
    params: frozenset[str] = field(default_factory=frozenset)  # optional query parameters
    headers: frozenset[str] = field(default_factory=frozenset)  # optional headers

    def matches_path(self, path: str) -> bool:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.path))
        return re.fullmatch(pattern, path) is not None


def _op(operation_id: str, method: str, path: str, *, params: Iterable[str] = (),
        headers: Iterable[str] = ()) -> Operation:
    return Operation(operation_id, method, path, frozenset(params), frozenset(headers))


_WRITE = (IDEMPOTENCY_KEY,)
_PAGED = ("where", "page", "pageSize")

OPERATIONS: dict[str, Operation] = {op.operation_id: op for op in (
    _op("getOrganisations", "GET", "Organisation"),
    _op("getAccounts", "GET", "Accounts"),
    _op("getTaxRates", "GET", "TaxRates"),
    _op("getTrackingCategories", "GET", "TrackingCategories", params=("includeArchived",)),
    _op("createTrackingOptions", "PUT", "TrackingCategories/{TrackingCategoryID}/Options", headers=_WRITE),
    _op("getContacts", "GET", "Contacts", params=(*_PAGED, "IDs", "searchTerm", "includeArchived"),
        headers=(IF_MODIFIED_SINCE,)),
    _op("getContact", "GET", "Contacts/{ContactID}"),
    _op("updateContact", "POST", "Contacts/{ContactID}", headers=_WRITE),  # e.g. ContactStatus: unarchive
    _op("getCurrencies", "GET", "Currencies"),
    _op("createContacts", "PUT", "Contacts", params=("summarizeErrors",), headers=_WRITE),
    _op("updateOrCreateContacts", "POST", "Contacts", params=("summarizeErrors",), headers=_WRITE),
    _op("getInvoices", "GET", "Invoices", params=(*_PAGED, "order", "IDs", "InvoiceNumbers"),
        headers=(IF_MODIFIED_SINCE,)),
    _op("createInvoices", "PUT", "Invoices", params=("summarizeErrors", "unitdp"), headers=_WRITE),
    _op("updateOrCreateInvoices", "POST", "Invoices", params=("summarizeErrors", "unitdp"), headers=_WRITE),
    _op("getPayments", "GET", "Payments", params=(*_PAGED, "order"), headers=(IF_MODIFIED_SINCE,)),
    _op("createPayments", "PUT", "Payments", params=("summarizeErrors",), headers=_WRITE),
    _op("getCreditNotes", "GET", "CreditNotes", params=(*_PAGED, "order"), headers=(IF_MODIFIED_SINCE,)),
    _op("getCreditNote", "GET", "CreditNotes/{CreditNoteID}"),
    _op("createCreditNotes", "PUT", "CreditNotes", params=("summarizeErrors", "unitdp"), headers=_WRITE),
    _op("updateOrCreateCreditNotes", "POST", "CreditNotes", params=("summarizeErrors", "unitdp"), headers=_WRITE),
    _op("createCreditNoteAllocation", "PUT", "CreditNotes/{CreditNoteID}/Allocations", params=("summarizeErrors",),
        headers=_WRITE),
    # No Idempotency-Key: Xero reads none on DELETE (xero-notes §3.3), and the operation lists none.
    _op("deleteCreditNoteAllocations", "DELETE", "CreditNotes/{CreditNoteID}/Allocations/{AllocationID}"),
    _op("getManualJournals", "GET", "ManualJournals", params=_PAGED, headers=(IF_MODIFIED_SINCE,)),
    _op("createManualJournals", "PUT", "ManualJournals", params=("summarizeErrors",), headers=_WRITE),
)}


def operation_check(operation_id: str, *, method: str, path: str, params: Iterable[str],
                    headers: Iterable[str]) -> Operation:
    """The listed operation for this call; UnlistedRequestError for anything it does not list."""
    operation = OPERATIONS.get(operation_id)
    if operation is None:
        raise UnlistedRequestError(f"{operation_id} is not in bms/xero/client/operations.py")
    if operation.method != method or not operation.matches_path(path):
        raise UnlistedRequestError(f"{operation_id} is {operation.method} {operation.path}, not {method} {path}")
    for kind, sent, allowed in (("parameter", params, operation.params), ("header", headers, operation.headers)):
        unlisted = sorted(set(sent) - allowed)
        if unlisted:
            raise UnlistedRequestError(f"{operation_id} does not list the {kind} {', '.join(unlisted)} "
                                       "(bms/xero/client/operations.py)")
    return operation
