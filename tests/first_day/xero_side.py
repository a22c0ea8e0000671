"""What people do in Xero on the first day, over HTTP: a user of their own (a grant minted for
someone else, so BMS's tokens are never touched) voids invoices and archives contacts through the
Accounting API, and the control plane records and deletes customers' payments as Xero's bank
reconciliation would. Reads go through the control plane's state: Xero's copy as Xero holds it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from xero_sandbox.testing import SandboxHandle

SOMEONE_IN_XERO = "a7c2f1e0-5b6d-4c3e-9f80-00000000f1d0"  # a Xero user who is not BMS's connection


@dataclass
class InXero:
    sandbox: SandboxHandle
    _tokens: dict[str, Any] = field(default_factory=dict)

    def _headers(self, tenant_id: str) -> dict[str, str]:
        if not self._tokens:
            self._tokens = self.sandbox.mint_grant(user_id=SOMEONE_IN_XERO, given_name="Xero", family_name="User")
        return self.sandbox.api_headers(self._tokens, tenant_id)

    def _post(self, tenant_id: str, path: str, body: dict) -> dict:
        response = httpx.post(f"{self.sandbox.api_url}/{path}", json=body, headers=self._headers(tenant_id),
                              timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    # --- what people do -----------------------------------------------------------------------

    def void(self, tenant_id: str, invoice_number: str) -> None:
        invoice = self.invoice(tenant_id, invoice_number)
        self._post(tenant_id, f"Invoices/{invoice['InvoiceID']}", {"Invoices": [
            {"InvoiceID": invoice["InvoiceID"], "Status": "VOIDED"}]})

    def archive_contact(self, tenant_id: str, contact_number: str) -> None:
        contact = self.contact(tenant_id, contact_number)
        self._post(tenant_id, "Contacts", {"Contacts": [
            {"ContactID": contact["ContactID"], "ContactStatus": "ARCHIVED"}]})

    def pay(self, tenant_id: str, invoice_number: str, amount: Decimal, date: str) -> str:
        """A customer's payment reconciled in Xero; returns its PaymentID."""
        return self.sandbox.pay_invoice(tenant_id, invoice_number=invoice_number, amount=str(amount),
                                        date=date)["PaymentID"]

    def delete_payment(self, tenant_id: str, payment_id: str) -> None:
        self.sandbox.delete_payment(tenant_id, payment_id)

    # --- what Xero holds ----------------------------------------------------------------------

    def org(self, tenant_id: str) -> dict:
        """One organisation as the control plane shows it, amounts as Decimal (written digit for digit)."""
        response = httpx.get(f"{self.sandbox.base_url}/_sandbox/state", timeout=30)
        response.raise_for_status()
        return json.loads(response.content, parse_float=Decimal)["orgs"][tenant_id]

    def invoices(self, tenant_id: str) -> dict[str, dict]:
        """Xero's invoices by number (deleted ones included: Xero keeps them, with Status DELETED)."""
        return {i["InvoiceNumber"]: i for i in self.org(tenant_id)["invoices"]}

    def invoice(self, tenant_id: str, invoice_number: str) -> dict:
        return self.invoices(tenant_id)[invoice_number]

    def contacts(self, tenant_id: str) -> dict[str, dict]:
        return {c["ContactNumber"]: c for c in self.org(tenant_id)["contacts"] if c.get("ContactNumber")}

    def contact(self, tenant_id: str, contact_number: str) -> dict:
        return self.contacts(tenant_id)[contact_number]

    def payments(self, tenant_id: str) -> list[dict]:
        return self.org(tenant_id)["payments"]

    def journals(self, tenant_id: str) -> list[dict]:
        return self.org(tenant_id)["journals"]
