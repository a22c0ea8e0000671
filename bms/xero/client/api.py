"""The Accounting API choke point: every call to Xero's Accounting API goes through
`XeroAccountingClient._call`.

In order: wait for the limiter → bearer token from the token source, `Xero-Tenant-Id`,
`Idempotency-Key` on writes → send with explicit timeouts and no hidden transport retries
(xero-notes trap 2) → read the rate-limit headers → classify errors by what the caller does next.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx2

from bms.xero.client import jsonbody
from bms.xero.client.attempts import Attempt, Limiter
from bms.xero.client.credit_notes import CreditNoteOperations
from bms.xero.client.errors import (
    AuthError,
    ReadOnlyError,
    RetryableError,
    TokenExpiredError,
    UncertainError,
    ValidationError,
)
from bms.xero.client.operations import IDEMPOTENCY_KEY, IF_MODIFIED_SINCE, operation_check
from bms.xero.client.pages import Page as Page
from bms.xero.client.pages import page_of, query_params
from bms.xero.client.responses import (
    TRANSPORT_ERRORS,
    RateLimitHeaders,
    XeroResponse,
    classify,
    error_facts,
    parse_json,
    transport_failure,
)
from bms.xero.client.retry import RetryPolicy
from bms.xero.client.schemas import (
    Account,
    Contact,
    Currency,
    Invoice,
    ManualJournal,
    Organisation,
    Payment,
    TaxRate,
    TrackingCategory,
    TrackingOption,
    XeroModel,
    to_xero,
)
from bms.xero.client.xerodates import format_if_modified_since

WRITE_METHODS = frozenset({"PUT", "POST"})
# The one token-freshness constant: a token read longer ago than this is read again before it is
# sent. The pipeline's shared token is re-read at this pace too, so a token reaches Xero at most
# 2 × TOKEN_FRESH_S after it was read; the token source refreshes 3 × TOKEN_FRESH_S before expiry.
TOKEN_FRESH_S = 20.0


T = TypeVar("T", bound=XeroModel)
_params, _page = query_params, page_of


def _token_expired(error: Exception | None) -> bool:
    """Xero's 401 TokenExpired (xero-notes §1.6): the token, not the grant, is what it refuses."""
    return isinstance(error, AuthError) and error.status_code == 401 and error.refusal.detail == "TokenExpired"


def _optional_headers(idempotency_key: str | None, if_modified_since: datetime | None) -> dict[str, str]:
    headers = {}
    if idempotency_key:
        headers[IDEMPOTENCY_KEY] = idempotency_key
    if if_modified_since is not None:
        headers[IF_MODIFIED_SINCE] = format_if_modified_since(if_modified_since)
    return headers


class XeroAccountingClient(CreditNoteOperations):
    """One tenant's Accounting API (credit notes: credit_notes.py); never shared across tenants."""

    def __init__(
        self,
        *,
        base_url: str,
        xero_tenant_id: str,
        token_source: Callable[[], str],
        limiter: Limiter,
        timeout: httpx2.Timeout | None = None,
        transport: httpx2.BaseTransport | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
        retry: RetryPolicy | None = None,
        read_only: bool = False,
        token_expired: Callable[[str], None] | None = None,
    ):
        """`token_expired(token)`: on 401 TokenExpired, refreshes the grant (or sees it refreshed); the call
        is then sent once more with `token_source`'s token. Without it, TokenExpired is a dead grant."""
        if not xero_tenant_id:
            raise ValueError("a Xero call needs a tenant id")
        self.xero_tenant_id = xero_tenant_id
        self._token_source = token_source
        self._token_expired = token_expired
        self._limiter = limiter
        self._on_attempt = on_attempt
        self._retry = retry or RetryPolicy()
        # Check against Xero reads reference data but must never write: refused here, at the choke
        # point, whichever adapter method asks.
        self.read_only = read_only
        self._http = httpx2.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=timeout or httpx2.Timeout(30.0, connect=10.0),
            transport=transport or httpx2.HTTPTransport(retries=0),
            headers={"Accept": "application/json", "User-Agent": "BMS-Xero-Integration"},
        )

    def close(self) -> None:
        self._http.close()

    def token(self) -> str:
        """The bearer token the next call would carry, read on the caller's thread."""
        return self._token_source()

    def record_attempt(self, attempt: Attempt) -> None:
        """Hand an attempt made by a detached twin to this client's hook (on the caller's thread)."""
        if self._on_attempt is not None:
            self._on_attempt(attempt)

    def detached(self, *, token_source: Callable[[], str], on_attempt: Callable[[Attempt], None],
                 token_expired: Callable[[str], None] | None = None) -> XeroAccountingClient:
        """The same client for another thread (connection pool, limiter, retries), with its own token
        source and attempt hook: a worker must not reach the caller's database connection, so its
        `token_expired` asks the caller's thread to refresh (pipeline.py); without, TokenExpired parks."""
        twin = copy.copy(self)
        twin._token_source, twin._on_attempt = token_source, on_attempt
        twin._token_expired = token_expired if self._token_expired is not None else None
        return twin

    def refresh_after_expiry(self, token: str) -> None:
        """Xero refused `token` as expired: refresh the grant (or see it refreshed), on this client's thread."""
        assert self._token_expired is not None  # (TokenExpiredError is raised only when there is one)
        self._token_expired(token)

    def __enter__(self) -> XeroAccountingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- operations (named after Xero's OpenAPI operationIds) ------------------------------

    def get_organisations(self) -> list[Organisation]:
        response = self._call("getOrganisations", "GET", "Organisation")
        return [Organisation.model_validate(item) for item in response.data.get("Organisations", [])]

    def get_accounts(self) -> list[Account]:
        response = self._call("getAccounts", "GET", "Accounts")
        return [Account.model_validate(item) for item in response.data.get("Accounts", [])]

    def get_tax_rates(self) -> list[TaxRate]:
        response = self._call("getTaxRates", "GET", "TaxRates")
        return [TaxRate.model_validate(item) for item in response.data.get("TaxRates", [])]

    def get_tracking_categories(self, *, include_archived: bool = False) -> list[TrackingCategory]:
        """Categories with their options; archived ones too with `include_archived` (so an option
        archived after it was chosen is recognised as archived, not as missing)."""
        params = _params(includeArchived="true" if include_archived else None)
        response = self._call("getTrackingCategories", "GET", "TrackingCategories", params=params)
        return [TrackingCategory.model_validate(item) for item in response.data.get("TrackingCategories", [])]

    def create_tracking_options(
        self, tracking_category_id: str, option: TrackingOption, *, idempotency_key: str
    ) -> TrackingOption:
        """One option in a category. Needs accounting.settings."""
        response = self._call("createTrackingOptions", "PUT", f"TrackingCategories/{tracking_category_id}/Options",
                              body=to_xero(option), idempotency_key=idempotency_key)
        return TrackingOption.model_validate(response.data["Options"][0])

    def get_contacts(
        self,
        *,
        where: str | None = None,
        ids: list[str] | None = None,
        search_term: str | None = None,
        include_archived: bool = False,
        page: int | None = None,
        page_size: int | None = None,
        if_modified_since: datetime | None = None,
    ) -> Page[Contact]:
        params = _params(
            where=where, IDs=",".join(ids) if ids else None, searchTerm=search_term,
            includeArchived="true" if include_archived else None, page=page, pageSize=page_size,
        )
        response = self._call("getContacts", "GET", "Contacts", params=params, if_modified_since=if_modified_since)
        return _page(response, "Contacts", Contact)

    def get_contact(self, contact_id: str) -> Contact | None:
        """One contact by ContactID, archived or not, with MergedToContactID; None when Xero has none."""
        try:
            response = self._call("getContact", "GET", f"Contacts/{contact_id}")
        except ValidationError as exc:
            if exc.status_code == 404:
                return None
            raise
        contacts = (response.data or {}).get("Contacts") or []
        return Contact.model_validate(contacts[0]) if contacts else None

    def update_contact(self, contact_id: str, contact: Contact, *, idempotency_key: str) -> Contact:
        """POST /Contacts/{ContactID}: e.g. ContactStatus ACTIVE unarchives it (xero-notes §5)."""
        # One element and no summarizeErrors (the operation takes none): a refusal is a 400.
        response = self._call("updateContact", "POST", f"Contacts/{contact_id}",
                              body={"Contacts": [to_xero(contact)]}, idempotency_key=idempotency_key)
        contacts = response.data.get("Contacts") or []
        if len(contacts) != 1:
            raise UncertainError(f"updateContact: Xero answered {len(contacts)} contacts for 1 sent")
        return Contact.model_validate(contacts[0])

    def get_currencies(self) -> list[Currency]:
        response = self._call("getCurrencies", "GET", "Currencies")
        return [Currency.model_validate(item) for item in response.data.get("Currencies", [])]

    def create_contacts(self, contacts: list[Contact], *, idempotency_key: str) -> list[Contact]:
        return self._write("createContacts", "PUT", "Contacts", contacts, Contact, idempotency_key)

    def update_or_create_contacts(self, contacts: list[Contact], *, idempotency_key: str) -> list[Contact]:
        return self._write("updateOrCreateContacts", "POST", "Contacts", contacts, Contact, idempotency_key)

    def get_invoices(
        self,
        *,
        ids: list[str] | None = None,
        invoice_numbers: list[str] | None = None,
        where: str | None = None,
        order: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        if_modified_since: datetime | None = None,
    ) -> Page[Invoice]:
        """Xero returns LineItems only with `page` or for a single invoice (xero-notes §6.3): a
        look-up that needs them pages."""
        params = _params(
            IDs=",".join(ids) if ids else None,
            InvoiceNumbers=",".join(invoice_numbers) if invoice_numbers else None,
            where=where, order=order, page=page, pageSize=page_size,
        )
        response = self._call("getInvoices", "GET", "Invoices", params=params, if_modified_since=if_modified_since)
        return _page(response, "Invoices", Invoice)

    def create_invoices(self, invoices: list[Invoice], *, idempotency_key: str) -> list[Invoice]:
        return self._write("createInvoices", "PUT", "Invoices", invoices, Invoice, idempotency_key, unitdp=True)

    def update_or_create_invoices(self, invoices: list[Invoice], *, idempotency_key: str) -> list[Invoice]:
        return self._write(
            "updateOrCreateInvoices", "POST", "Invoices", invoices, Invoice, idempotency_key, unitdp=True
        )

    def get_payments(
        self,
        *,
        where: str | None = None,
        order: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
        if_modified_since: datetime | None = None,
    ) -> Page[Payment]:
        params = _params(where=where, order=order, page=page, pageSize=page_size)
        response = self._call("getPayments", "GET", "Payments", params=params, if_modified_since=if_modified_since)
        return _page(response, "Payments", Payment)

    def create_payments(self, payments: list[Payment], *, idempotency_key: str) -> list[Payment]:
        return self._write("createPayments", "PUT", "Payments", payments, Payment, idempotency_key)

    def get_manual_journals(
        self, *, where: str | None = None, page: int | None = None, page_size: int | None = None,
        if_modified_since: datetime | None = None,
    ) -> Page[ManualJournal]:
        params = _params(where=where, page=page, pageSize=page_size)
        response = self._call(
            "getManualJournals", "GET", "ManualJournals", params=params, if_modified_since=if_modified_since
        )
        return _page(response, "ManualJournals", ManualJournal)

    def create_manual_journals(self, journals: list[ManualJournal], *, idempotency_key: str) -> list[ManualJournal]:
        return self._write("createManualJournals", "PUT", "ManualJournals", journals, ManualJournal, idempotency_key)

    def _write(
        self, operation: str, method: str, path: str, elements: list[T], model: type[T], idempotency_key: str,
        *, unitdp: bool = False,
    ) -> list[T]:
        # summarizeErrors=false: one bad element fails alone, the call answers 200 with a status per
        # element (xero-notes §3.2, trap 3). Elements come back in request order.
        params = {"summarizeErrors": "false"}
        if unitdp:
            params["unitdp"] = "4"  # BMS prices carry 4 decimal places
        body = {path: [to_xero(element) for element in elements]}
        response = self._call(operation, method, path, params=params, body=body, idempotency_key=idempotency_key)
        results = [model.model_validate(item) for item in response.data.get(path, [])]
        if len(results) != len(elements):
            raise UncertainError(f"{operation}: Xero answered {len(results)} elements for {len(elements)} sent")
        return results

    # --- the choke point ------------------------------------------------------------------

    def _call(self, operation: str, method: str, path: str, **request: Any) -> XeroResponse:
        """Send under the retry policy (client/retry.py): `_send` raises RetryableError only for
        what is safe to send again, with the same Idempotency-Key."""
        try:
            return self._retry.run(lambda: self._send(operation, method, path, **request))
        except TokenExpiredError as exc:
            self.refresh_after_expiry(exc.expired_token)  # through the grant's refresh lock
            # Once: a second TokenExpired is what it says, a dead grant (parked by the attempt log).
            return self._retry.run(lambda: self._send(operation, method, path, expired_is_final=True, **request))

    def _prepare(self, operation: str, method: str, path: str, params: dict[str, str] | None,
                 body: dict[str, Any] | None, idempotency_key: str | None,
                 if_modified_since: datetime | None) -> tuple[dict[str, str], bytes | None]:
        """The request's headers and body, once it has passed the checks every call passes."""
        is_write = method in WRITE_METHODS
        if is_write and self.read_only:
            raise ReadOnlyError(f"{operation}: this client only reads from Xero (Check against Xero writes nothing)")
        if is_write and not idempotency_key:
            raise ValueError(f"{operation}: every write to Xero carries an Idempotency-Key")
        optional = _optional_headers(idempotency_key, if_modified_since)
        # Only what the registry lists leaves: an unlisted parameter is a bug, never sent to see.
        operation_check(operation, method=method, path=path, params=params or {}, headers=optional)
        headers = {"Xero-Tenant-Id": self.xero_tenant_id, **optional}
        if body is None:
            return headers, None
        headers["Content-Type"] = "application/json"
        return headers, jsonbody.dumps(body).encode()

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        if_modified_since: datetime | None = None,
        expired_is_final: bool = False,
    ) -> XeroResponse:
        is_write = method in WRITE_METHODS
        headers, content = self._prepare(operation, method, path, params, body, idempotency_key, if_modified_since)
        started = time.monotonic()
        status_code: int | None = None
        limits = RateLimitHeaders()
        outcome, error = "error", None
        try:
            # The token first: the moment a slot is granted should be the moment the call leaves, or
            # Xero may count it in a later window than the limiter did. A token fetched before a long
            # wait for the slot is fetched again (it may be close to expiry by then).
            token, token_at = self._token_source(), time.monotonic()
            with self._limiter.slot(self.xero_tenant_id):
                if time.monotonic() - token_at > TOKEN_FRESH_S:
                    token = self._token_source()
                headers["Authorization"] = f"Bearer {token}"
                try:
                    response = self._http.request(method, path, params=params, content=content, headers=headers)
                except TRANSPORT_ERRORS as exc:
                    outcome, error = transport_failure(exc, is_write=is_write)
                    raise error from None
            status_code = response.status_code
            limits = RateLimitHeaders.from_response(response)
            self._limiter.observe(self.xero_tenant_id, limits)
            outcome, error = classify(response, is_write=is_write, operation=operation)
            if self._token_expired is not None and not expired_is_final and _token_expired(error):
                error = TokenExpiredError(error.message, expired_token=token)  # type: ignore[union-attr]
            if isinstance(error, RetryableError) and status_code == 429:
                self._limiter.penalise(self.xero_tenant_id, retry_after_s=error.retry_after_s,
                                       problem=error.limit_problem)
            if error is not None:
                raise error
            return XeroResponse(status_code=status_code, data=parse_json(response), limits=limits)
        finally:
            self.record_attempt(Attempt(
                operation=operation, xero_tenant_id=self.xero_tenant_id, method=method, path=path,
                idempotency_key=idempotency_key, status_code=status_code,
                duration_ms=int((time.monotonic() - started) * 1000), limits=limits, outcome=outcome,
                **error_facts(error),
            ))
