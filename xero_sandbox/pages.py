"""The sandbox's two HTML pages: the consent page a person ticks organisations on, and the
read-only page at / showing what has arrived "in Xero". Plain HTML with inline CSS: this is the
fake Xero, not the product."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#13b5ea;color:#fff;padding:.8rem 2rem}header h1{margin:0;font-size:1.3rem}
main{padding:1.5rem 2rem;max-width:1200px}
section,.consent{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:1rem 1.5rem;margin-bottom:1.2rem}
.consent{max-width:560px;margin:3rem auto}
h2{margin:.2rem 0 .6rem;font-size:1.15rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e4e7eb;padding:.3rem .5rem;text-align:left;font-size:.88rem;vertical-align:top}
th{color:#52606d;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.muted,small{color:#616e7c}.empty{color:#9aa5b1;font-style:italic}.error{color:#b42318}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.78rem;background:#e4e7eb}
.badge.ok{background:#d1fadf}.badge.warn{background:#fef0c7}.badge.off{background:#fee4e2}
.org{display:flex;gap:.6rem;align-items:center;padding:.5rem 0;border-bottom:1px solid #f0f2f5;cursor:pointer}
button{font:inherit;padding:.5rem 1.1rem;border-radius:4px;border:1px solid #cbd2d9;background:#fff;cursor:pointer}
button.allow{background:#13b5ea;border-color:#13b5ea;color:#fff}.actions{margin-top:1.2rem;display:flex;gap:.6rem}
nav a{color:#13b5ea;margin-right:1rem}
"""


def page(title: str, body: str, *, header: str = "Xero sandbox") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><title>{escape(title)}</title><style>{STYLE}</style>'
            f'</head><body><header><h1>{escape(header)}</h1></header><main>{body}</main></body></html>')


def consent_page(*, client: dict, user: dict, orgs: list[dict], params: dict[str, str], error: str = "") -> str:
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in params.items() if k not in ("tenant", "decision"))
    choices = "".join(
        f'<label class="org"><input type="checkbox" name="tenant" value="{escape(o["tenant_id"])}" checked>'
        f'<span><strong>{escape(o["name"])}</strong><br><small>{escape(o["country_code"])} · '
        f'{escape(o["base_currency"])}</small></span></label>' for o in orgs)
    scopes = "".join(f"<li><code>{escape(s)}</code></li>" for s in params.get("scope", "").split())
    notice = f'<p class="error">{escape(error)}</p>' if error else ""
    return page("Allow access — Xero sandbox", f"""
<div class="consent">
  <p class="muted">Signed in as {escape(user['given_name'])} {escape(user['family_name'])}
     ({escape(user['email'])}) · local Xero sandbox</p>
  <h2>{escape(client['name'])} wants access to your Xero organisations</h2>
  {notice}
  <form method="post" action="/identity/connect/authorize">
    {hidden}
    <h3>Organisations to connect</h3>{choices}
    <h3>It will be able to use</h3><ul>{scopes or '<li class="empty">no scopes asked for</li>'}</ul>
    <div class="actions">
      <button type="submit" name="decision" value="allow" class="allow">Allow access</button>
      <button type="submit" name="decision" value="deny">Cancel</button>
    </div>
  </form>
</div>""", header="Xero sandbox · sign in")


def refused_page(message: str) -> str:
    return page("Request refused — Xero sandbox",
                f'<div class="consent"><h2>Sign-in request refused</h2><p class="error">{escape(message)}</p></div>')


def _money(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else escape(str(value or ""))


def _day(value: object) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


def _status(value: str) -> str:
    kind = {"AUTHORISED": "ok", "PAID": "ok", "POSTED": "ok", "ACTIVE": "ok", "DRAFT": "warn", "SUBMITTED": "warn",
            "VOIDED": "off", "DELETED": "off", "ARCHIVED": "off"}.get(value, "")
    return f'<span class="badge {kind}">{escape(value)}</span>'


def _table(headings: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    if not rows:
        return '<p class="empty">None yet.</p>'
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{escape(h)}</th>' for i, h in enumerate(headings))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{cell}</td>'
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _paid_document(payment: dict) -> str:
    """The invoice a payment pays, or the credit note a refund draws on."""
    if "Invoice" in payment:
        return payment["Invoice"].get("InvoiceNumber") or ""
    return payment.get("CreditNote", {}).get("CreditNoteNumber") or ""


def _org_section(org: dict, limit: int) -> str:
    contacts = sorted(org["contacts"].values(), key=lambda c: c["Name"].casefold())
    invoices = sorted(org["invoices"].values(), key=lambda i: i["UpdatedDateUTC"], reverse=True)
    journals = sorted(org["journals"].values(), key=lambda j: j["UpdatedDateUTC"], reverse=True)
    payments = sorted(org["payments"].values(), key=lambda p: p["UpdatedDateUTC"], reverse=True)
    short = escape(org["short_code"])
    contact_rows = [[f'<a href="/app/{short}/contacts/contact/{escape(c["ContactID"])}">{escape(c["Name"])}</a>',
                     escape(c.get("ContactNumber") or ""), escape(c.get("EmailAddress") or ""),
                     _status(c.get("ContactStatus", "ACTIVE"))] for c in contacts[:limit]]
    invoice_rows = [[f'<a href="/app/{short}/invoicing/view/{escape(i["InvoiceID"])}">'
                     f'{escape(i.get("InvoiceNumber") or i["InvoiceID"])}</a>',
                     escape(i.get("Contact", {}).get("Name", "")),
                     _day(i.get("Date")), _day(i.get("DueDate")), _money(i["Total"]), _money(i["AmountDue"]),
                     _status(i["Status"])] for i in invoices[:limit]]
    journal_rows = [[_day(j["Date"]), f'<a href="/Journal/View.aspx?invoiceID={escape(j["ManualJournalID"])}">'
                     f'{escape(j.get("Narration") or j["ManualJournalID"])}</a>', str(len(j.get("JournalLines") or [])),
                     _money(sum((line["LineAmount"] for line in j.get("JournalLines") or []
                                 if line["LineAmount"] > 0), Decimal("0"))), _status(j["Status"])]
                    for j in journals[:limit]]
    payment_rows = [[_day(p["Date"]), escape(_paid_document(p)), escape(p.get("Reference") or ""),
                     _money(p["Amount"]), _status(p["Status"])] for p in payments[:limit]]
    notes = sorted(org.get("credit_notes", {}).values(), key=lambda n: n["UpdatedDateUTC"], reverse=True)
    note_rows = [[escape(n.get("CreditNoteNumber") or ""), escape(n.get("Contact", {}).get("Name", "")),
                  _day(n.get("Date")), _money(n["Total"]), _money(n["RemainingCredit"]),
                  str(sum(1 for a in n.get("Allocations", []) if not a.get("IsDeleted"))), _status(n["Status"])]
                 for n in notes[:limit]]
    lock = org.get("period_lock_date")
    faults = {k: v for k, v in (org.get("faults") or {}).items() if v}
    more = f'<p class="muted">Showing the latest {limit} of each.</p>' if max(
        len(contacts), len(invoices), len(journals), len(payments)) > limit else ""
    return f"""
<section id="{escape(org['tenant_id'])}">
  <h2>{escape(org['name'])}</h2>
  <p class="muted">Tenant {escape(org['tenant_id'])} · short code {escape(org['short_code'])} ·
   {escape(org['base_currency'])} · {escape(org['timezone'])}{f' · lock date {_day(lock)}' if lock else ''}
   {f' · <span class="badge off">faults: {escape(str(faults))}</span>' if faults else ''}</p>{more}
  <h3>Invoices ({len(invoices)})</h3>
  {_table(["Number", "Contact", "Date", "Due", "Total", "Amount due", "Status"], invoice_rows, {4, 5})}
  <h3>Credit notes ({len(notes)})</h3>
  {_table(["Number", "Contact", "Date", "Total", "Credit left", "Allocations", "Status"], note_rows, {3, 4, 5})}
  <h3>Payments ({len(payments)})</h3>
  {_table(["Date", "Invoice or credit note", "Reference", "Amount", "Status"], payment_rows, {3})}
  <h3>Manual journals ({len(journals)})</h3>
  {_table(["Date", "Narration", "Lines", "Debits", "Status"], journal_rows, {2, 3})}
  <h3>Contacts ({len(contacts)})</h3>
  {_table(["Name", "Contact code", "Email", "Status"], contact_rows)}
</section>"""


def index_page(orgs: list[dict], *, limit: int = 200) -> str:
    links = "".join(f'<a href="#{escape(o["tenant_id"])}">{escape(o["name"])}</a>' for o in orgs)
    return page("Xero sandbox", f"""
<p class="muted">What has arrived &ldquo;in Xero&rdquo;. This page is read-only; reload it to see new arrivals.</p>
<nav>{links}</nav>
{''.join(_org_section(org, limit) for org in orgs)}""", header="Local Xero sandbox")


# --- one record's page: where BMS's "View in Xero" links land (bms/xero/view_in_xero.py) ---------------
# Real Xero answers these paths with its own screens (xero-notes §6.3); the sandbox shows the record as
# it holds it, read-only, so a demo user following a link sees what arrived.

def _facts(pairs: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f'<tr><th style="width:12rem">{escape(k)}</th><td>{v}</td></tr>'
                               for k, v in pairs) + "</table>"


def _tracking(line: dict) -> str:
    return escape(", ".join(f'{t.get("Name", "")}: {t.get("Option", "")}' for t in line.get("Tracking") or []))


def _record_page(org: dict, title: str, body: str) -> str:
    return page(f"{title} — {org['name']} — Xero sandbox", f"""
<p class="muted"><a href="/#{escape(org['tenant_id'])}">&larr; {escape(org['name'])}</a> · read-only: what the
 sandbox holds, as Xero would show it</p>
<section><h2>{escape(title)}</h2>{body}</section>""", header=f"Local Xero sandbox · {org['name']}")


def invoice_page(org: dict, invoice: dict) -> str:
    lines = [[escape(line.get("Description") or ""), _money(line.get("Quantity")), _money(line.get("UnitAmount")),
              escape(line.get("AccountCode") or ""), escape(line.get("TaxType") or ""), _money(line.get("TaxAmount")),
              _money(line.get("LineAmount")), _tracking(line)] for line in invoice.get("LineItems") or []]
    payments = [[_day(p.get("Date")), escape(p.get("Reference") or ""), _money(p.get("Amount")),
                 _status(p.get("Status") or "")] for p in org["payments"].values()
                if p.get("Invoice", {}).get("InvoiceID") == invoice["InvoiceID"]]
    title = f"Invoice {invoice.get('InvoiceNumber') or invoice['InvoiceID']}"
    return _record_page(org, title, _facts([
        ("Status", _status(invoice["Status"])), ("Contact", escape(invoice.get("Contact", {}).get("Name", ""))),
        ("Date", _day(invoice.get("Date"))), ("Due date", _day(invoice.get("DueDate"))),
        ("Reference", escape(invoice.get("Reference") or "")), ("Currency", escape(invoice.get("CurrencyCode") or "")),
        ("Amounts are", escape(invoice.get("LineAmountTypes") or "")), ("Subtotal", _money(invoice.get("SubTotal"))),
        ("Tax", _money(invoice.get("TotalTax"))), ("Total", _money(invoice.get("Total"))),
        ("Amount due", _money(invoice.get("AmountDue"))), ("Invoice ID", escape(invoice["InvoiceID"])),
    ]) + "<h3>Lines</h3>" + _table(["Description", "Quantity", "Unit price", "Account", "Tax type", "Tax", "Amount",
                                    "Tracking"], lines, {1, 2, 5, 6})
      + f"<h3>Payments ({len(payments)})</h3>" + _table(["Date", "Reference", "Amount", "Status"], payments, {2}))


def contact_page(org: dict, contact: dict) -> str:
    invoices = [[escape(i.get("InvoiceNumber") or ""), _day(i.get("Date")), _money(i.get("Total")),
                 _money(i.get("AmountDue")), _status(i["Status"])] for i in org["invoices"].values()
                if i.get("Contact", {}).get("ContactID") == contact["ContactID"]]
    return _record_page(org, contact["Name"], _facts([
        ("Status", _status(contact.get("ContactStatus", "ACTIVE"))),
        ("Contact code", escape(contact.get("ContactNumber") or "")),
        ("Email", escape(contact.get("EmailAddress") or "")), ("Tax number", escape(contact.get("TaxNumber") or "")),
        ("Contact ID", escape(contact["ContactID"])),
    ]) + f"<h3>Invoices ({len(invoices)})</h3>" + _table(["Number", "Date", "Total", "Amount due", "Status"],
                                                        invoices, {2, 3}))


def journal_page(org: dict, journal: dict) -> str:
    lines = [[escape(line.get("AccountCode") or ""), escape(line.get("Description") or ""),
              _money(line["LineAmount"]) if line["LineAmount"] > 0 else "",
              _money(-line["LineAmount"]) if line["LineAmount"] < 0 else "", escape(line.get("TaxType") or ""),
              _tracking(line)] for line in journal.get("JournalLines") or []]
    return _record_page(org, f"Manual journal: {journal.get('Narration') or journal['ManualJournalID']}", _facts([
        ("Status", _status(journal["Status"])), ("Date", _day(journal.get("Date"))),
        ("Narration", escape(journal.get("Narration") or "")),
        ("Manual journal ID", escape(journal["ManualJournalID"])),
    ]) + "<h3>Lines</h3>" + _table(["Account", "Description", "Debit", "Credit", "Tax type", "Tracking"], lines,
                                    {2, 3}))


def credit_note_page(org: dict, note: dict) -> str:
    lines = [[escape(line.get("Description") or ""), _money(line.get("Quantity")), _money(line.get("UnitAmount")),
              escape(line.get("AccountCode") or ""), escape(line.get("TaxType") or ""), _money(line.get("TaxAmount")),
              _money(line.get("LineAmount"))] for line in note.get("LineItems") or []]
    allocations = [[_day(a.get("Date")), escape(a.get("Invoice", {}).get("InvoiceNumber") or ""),
                    _money(a.get("Amount"))] for a in note.get("Allocations") or [] if not a.get("IsDeleted")]
    return _record_page(org, f"Credit note {note.get('CreditNoteNumber') or note['CreditNoteID']}", _facts([
        ("Status", _status(note["Status"])), ("Contact", escape(note.get("Contact", {}).get("Name", ""))),
        ("Date", _day(note.get("Date"))), ("Reference", escape(note.get("Reference") or "")),
        ("Subtotal", _money(note.get("SubTotal"))), ("Tax", _money(note.get("TotalTax"))),
        ("Total", _money(note.get("Total"))), ("Remaining credit", _money(note.get("RemainingCredit"))),
        ("Credit note ID", escape(note["CreditNoteID"])),
    ]) + "<h3>Lines</h3>" + _table(["Description", "Quantity", "Unit price", "Account", "Tax type", "Tax", "Amount"],
                                    lines, {1, 2, 5, 6})
      + f"<h3>Allocations ({len(allocations)})</h3>" + _table(["Date", "Invoice", "Amount"], allocations, {2}))


def missing_page(what: str) -> str:
    return page("Not found — Xero sandbox", f'<div class="consent"><h2>Not in the sandbox</h2>'
                f'<p class="error">{escape(what)}</p><p><a href="/">What has arrived in Xero</a></p></div>')
