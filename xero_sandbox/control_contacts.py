"""The control API's part for what a person does to contacts and currencies in Xero itself (not
through the API client under test):

    POST /_sandbox/tenants/{id}/contacts/{contact_id}/status   {"status": "ARCHIVED" | "ACTIVE" | "GDPRREQUEST"}
    POST /_sandbox/tenants/{id}/contacts/{contact_id}/merge    {"into": "<surviving ContactID>"}
    POST /_sandbox/tenants/{id}/currencies                     {"code": "EUR"}  (enable a currency)

A merge is Xero's "Merge contacts": the merged-away contact is archived with MergedToContactID set
to the surviving one, and its transactions move to the survivor (xero-notes §5; SPEC, Contact
schema, MergedToContactID). A contact under a GDPR request can never be changed again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from xero_sandbox.accounting.contacts import STATUSES, contact_wire
from xero_sandbox.accounting.currencies import currency_entry, is_enabled, org_currencies
from xero_sandbox.control import ControlError, _json
from xero_sandbox.control_part import ControlPart
from xero_sandbox.jsonout import XeroJSON
from xero_sandbox.money import CURRENCIES


class ContactControl(ControlPart):
    def table(self):
        return [
            ("/_sandbox/tenants/{tenant_id}/contacts/{contact_id}/status", self.status),
            ("/_sandbox/tenants/{tenant_id}/contacts/{contact_id}/merge", self.merge),
            ("/_sandbox/tenants/{tenant_id}/currencies", self.currency),
        ]

    @staticmethod
    def _contact(org: dict, contact_id: object) -> dict:
        contact = org["contacts"].get(contact_id) if isinstance(contact_id, str) else None
        if contact is None:
            raise ControlError("unknown contact", 404)
        return contact

    async def status(self, request: Request) -> Response:
        org = self._org(request)
        status = (await _json(request)).get("status")
        if status not in STATUSES:
            raise ControlError(f"status must be one of {', '.join(sorted(STATUSES))}")
        with self.sandbox.store.lock:
            contact = self._contact(org, request.path_params["contact_id"])
            if contact.get("ContactStatus") == "GDPRREQUEST" and status != "GDPRREQUEST":
                raise ControlError("a contact under a GDPR request can never be used again")
            contact["ContactStatus"] = status
            contact["UpdatedDateUTC"] = self.sandbox.clock.now()
            self.sandbox.store.changed()
            return XeroJSON(contact_wire(contact, merged=True))

    async def merge(self, request: Request) -> Response:
        org = self._org(request)
        into = (await _json(request)).get("into")
        with self.sandbox.store.lock:
            merged = self._contact(org, request.path_params["contact_id"])
            survivor = self._contact(org, into)
            if survivor is merged:
                raise ControlError("a contact cannot be merged into itself")
            if survivor.get("ContactStatus") != "ACTIVE" or merged.get("MergedToContactID"):
                raise ControlError("only an active contact can be merged into, and a contact is merged once")
            now = self.sandbox.clock.now()
            merged.update(ContactStatus="ARCHIVED", MergedToContactID=survivor["ContactID"], UpdatedDateUTC=now)
            survivor["UpdatedDateUTC"] = now
            for invoice in org["invoices"].values():
                if (invoice.get("Contact") or {}).get("ContactID") == merged["ContactID"]:
                    invoice["Contact"] = {"ContactID": survivor["ContactID"], "Name": survivor["Name"]}
                    invoice["UpdatedDateUTC"] = now
            self.sandbox.store.changed()
            return XeroJSON({"merged": contact_wire(merged, merged=True), "into": contact_wire(survivor, merged=True)})

    async def currency(self, request: Request) -> Response:
        org = self._org(request)
        code = (await _json(request)).get("code")
        if code not in CURRENCIES:
            raise ControlError("code must be a currency Xero offers")
        with self.sandbox.store.lock:
            if not is_enabled(org, code):
                org["currencies"] = [*org_currencies(org), currency_entry(code)]
                self.sandbox.store.changed()
            return XeroJSON({"Currencies": org["currencies"] if "currencies" in org else org_currencies(org)})
