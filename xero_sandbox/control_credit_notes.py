"""The control API's part for what a person does to credit notes in Xero itself (not through the
API client under test), through the same rules the API applies:

    POST /_sandbox/tenants/{id}/credit_notes                      a credit note made in Xero: a CreditNote
                                                                  element as the API takes it
    POST /_sandbox/tenants/{id}/credit_notes/{cn_id}/allocations  credit allocated in Xero: {"invoice_id",
                                                                  "amount", "date"?}
    POST /_sandbox/tenants/{id}/credit_notes/{cn_id}/allocations/{allocation_id}/delete
                                                                  an allocation removed in Xero
    POST /_sandbox/tenants/{id}/credit_notes/{cn_id}/refunds      a cash refund recorded in Xero: {"amount",
                                                                  "date"?, "account_code"?}
    POST /_sandbox/tenants/{id}/credit_notes/{cn_id}/edit         edited in Xero: the fields changed, as a
                                                                  CreditNote element (POST /CreditNotes/{id}'s
                                                                  rules: refused once credit is used)
    POST /_sandbox/tenants/{id}/credit_notes/{cn_id}/void         voided in Xero

Each answers the element as the API would show it; a refusal is a 400 with Xero's message."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from xero_sandbox.accounting.allocations import allocate, find_allocation, remove_allocation
from xero_sandbox.accounting.credit_notes import credit_notes, post_credit_note, put_credit_notes
from xero_sandbox.accounting.payments import record_payment
from xero_sandbox.accounting.request import Req
from xero_sandbox.control import ControlError, _json
from xero_sandbox.control_part import ControlPart
from xero_sandbox.errors import ValidationFailedError
from xero_sandbox.jsonout import XeroJSON

NOTE = "/_sandbox/tenants/{tenant_id}/credit_notes/{note_id}"


class CreditNoteControl(ControlPart):
    def table(self):
        return [
            ("/_sandbox/tenants/{tenant_id}/credit_notes", self.create),
            (NOTE + "/allocations", self.allocate),
            (NOTE + "/allocations/{allocation_id}/delete", self.remove_allocation),
            (NOTE + "/refunds", self.refund),
            (NOTE + "/edit", self.edit),
            (NOTE + "/void", self.void),
        ]

    @staticmethod
    def _note(org: dict, request: Request) -> dict:
        note = credit_notes(org).get(request.path_params["note_id"])
        if note is None:
            raise ControlError("unknown credit note", 404)
        return note

    def _as_xero_user(self, org: dict, action, body: object = None, path_params: dict | None = None) -> dict:
        """Run `action` as a person in Xero would (call under the lock); a refusal is a ControlError."""
        req = Req(method="PUT", org=org, tenant_id=org["tenant_id"], client_id="xero", now=self.sandbox.clock.now(),
                  query={"summarizeerrors": "false"}, body=body, path_params=path_params or {})
        try:
            result = action(req)
        except ValidationFailedError as exc:
            raise ControlError("; ".join(exc.messages)) from None
        if isinstance(result, tuple):  # an endpoint's (status, envelope): its one element
            result = result[1]["CreditNotes"][0]
        errors = result.get("ValidationErrors") if isinstance(result, dict) else None
        if errors:
            raise ControlError("; ".join(e["Message"] for e in errors))
        self.sandbox.store.changed()
        return result

    async def create(self, request: Request) -> Response:
        org = self._org(request)
        element = await _json(request)
        with self.sandbox.store.lock:
            return XeroJSON(self._as_xero_user(org, put_credit_notes, {"CreditNotes": [element]}))

    async def allocate(self, request: Request) -> Response:
        org = self._org(request)
        values = await _json(request)
        element = {"Invoice": {"InvoiceID": values.get("invoice_id")}, "Amount": values.get("amount"),
                   "Date": values.get("date")}
        with self.sandbox.store.lock:
            note = self._note(org, request)
            return XeroJSON(self._as_xero_user(org, lambda req: allocate(req, note, element)))

    async def remove_allocation(self, request: Request) -> Response:
        org = self._org(request)
        with self.sandbox.store.lock:
            note = self._note(org, request)
            allocation = find_allocation(note, request.path_params["allocation_id"])
            if allocation is None:
                raise ControlError("unknown allocation", 404)
            return XeroJSON(self._as_xero_user(org, lambda req: remove_allocation(req, note, allocation)))

    async def refund(self, request: Request) -> Response:
        org = self._org(request)
        values = await _json(request)
        with self.sandbox.store.lock:
            note = self._note(org, request)
            code = values.get("account_code")
            bank = next((a for a in org["accounts"].values() if (a["Code"] == code if code else a["Type"] == "BANK")
                         and a["Status"] == "ACTIVE"), None)
            if bank is None:
                raise ControlError("no such active account to refund from")
            element = {"CreditNote": {"CreditNoteID": note["CreditNoteID"]},
                       "Account": {"AccountID": bank["AccountID"]}, "Amount": values.get("amount"),
                       "Date": values.get("date"),
                       "Reference": values.get("reference", "Refunded in Xero")}
            return XeroJSON(self._as_xero_user(org, lambda req: record_payment(req, element)))

    async def edit(self, request: Request) -> Response:
        return self._update(request, await _json(request))

    async def void(self, request: Request) -> Response:
        return self._update(request, {"Status": "VOIDED"})

    def _update(self, request: Request, element: dict) -> Response:
        org = self._org(request)
        with self.sandbox.store.lock:
            note = self._note(org, request)
            return XeroJSON(self._as_xero_user(org, post_credit_note, {"CreditNotes": [element]},
                                               {"ref": note["CreditNoteID"]}))
