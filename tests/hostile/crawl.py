"""The hostile crawl: every URL pattern the resolver knows, as each role, GET and POST, with hostile
query strings, path ids and form bodies — each list's own filter fields and each form's own fields
read from the page's HTML. Each request runs in a savepoint that is rolled back, so one seeded
database serves every request; a refused request must have written nothing (see `Writes`)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib.messages import ERROR
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from bms.core.params import ID_MAX

HOSTILE = ["9999-12-31", "0001-01-01", "2999-12-32", "-1", "0", str(10**20), "abc", "Zürich 🙂 ĳ", "x" * 3000,
           "\x00", "1e30", "NaN", "-0", "Infinity", "0.123456789012345", "<script>alert(1)</script>",
           "//evil.example/", "' OR 1=1 --", "", "9" * 40]
# Names no form on the page may show but views read from a query or a body (ids, return paths, filters).
LOOSE_PARAMS = ["page", "q", "status", "entity", "tenant", "next", "from", "to", "level", "action", "user", "customer",
                "invoice", "cause", "kind", "state", "code", "error", "settings_write", "payments", "filter_cause"]
VARIANTS = 2  # hostile assignments per page and method: a sample, not the cross product

# Every URL pattern, and the model each of its path ids names. A pattern missing here fails the crawl
# test: a new screen is crawled once its ids are named.
SCREENS: dict[str, dict[str, str]] = {
    "home": {}, "login": {}, "logout": {}, "preferences:general": {}, "audit_log": {},
    "entities:entity_list": {}, "entities:entity_create": {}, "entities:entity_detail": {"pk": "entities.Entity"},
    "entities:entity_edit": {"pk": "entities.Entity"},
    "ledger:account_list": {}, "ledger:account_create": {}, "ledger:account_edit": {"pk": "ledger.Account"},
    "ledger:account_defaults": {},
    "cogs:journal_list": {}, "cogs:journal_detail": {"pk": "cogs.CostOfSalesJournal"},
    "jobs:job_list": {}, "jobs:job_detail": {"pk": "jobs.Job"}, "jobs:job_retry": {"pk": "jobs.Job"},
    "jobs:job_resend": {"pk": "jobs.Job"},
    "reconcile:reconciliation": {}, "reconcile:run_now": {}, "reconcile:repair": {"run_id": "xero.ReconciliationRun"},
    "billing:customer_list": {}, "billing:customer_create": {}, "billing:customer_detail": {"pk": "customers.Customer"},
    "billing:customer_edit": {"pk": "customers.Customer"},
    "billing:invoice_list": {}, "billing:invoice_create": {},
    **{f"billing:{name}": {"pk": "billing.Invoice"} for name in (
        "invoice_detail", "invoice_edit", "invoice_approve", "invoice_cancel", "credit_note_from_invoice",
        "invoice_correct")},
    "billing:credit_note_list": {}, "billing:credit_note_create": {},
    **{f"billing:{name}": {"pk": "billing.CreditNote"} for name in (
        "credit_note_detail", "credit_note_edit", "credit_note_release", "credit_note_cancel", "credit_allocate",
        "refund_record")},
    "billing:credit_allocation_reverse": {"pk": "billing.CreditNote", "allocation_pk": "billing.CreditAllocation"},
    "billing:refund_reverse": {"pk": "billing.CreditNote", "refund_pk": "billing.Refund"},
    "stock:dispatch_list": {}, "stock:dispatch_detail": {"pk": "stock.Dispatch"},
    "xero:callback": {}, "xero:check_start": {}, "xero:customers_sync_all": {}, "xero:invoices_push_all": {},
    "xero:chart_compare": {}, "xero:tracking": {}, "xero:chart_sync": {},
    **{f"xero:{name}": {"pk": "entities.Entity"} for name in (
        "authenticate", "consent", "connect_tenant", "remove_authentication", "entity_check", "payments_pull_now")},
    "xero:customer_sync": {"pk": "customers.Customer"}, "xero:customer_unlink": {"pk": "customers.Customer"},
    "xero:contact_unarchive": {"pk": "customers.Customer", "link_id": "xero.ContactLink"},
    "xero:contact_relink": {"pk": "customers.Customer", "link_id": "xero.ContactLink"},
    "xero:invoice_sync": {"pk": "billing.Invoice"}, "xero:credit_note_sync": {"pk": "billing.CreditNote"},
    **{f"xero:{name}": {"pk": "billing.Invoice", "link_id": "xero.InvoiceLink"} for name in (
        "invoice_cancel_to_match", "invoice_differs_resend", "invoice_differs_cancel", "invoice_accept_difference")},
    "xero:journal_push": {"pk": "cogs.CostOfSalesJournal"}, "xero:incident_retry": {"pk": "xero.XeroIncident"},
    "xero:tracking_read": {"pk": "xero.XeroTenant"}, "xero:tracking_option_new": {"pk": "xero.XeroTrackingCategory"},
}

# Tables a refused request may legitimately change: the session (a login, a logout, the messages shown
# on the next page live there), the audit log (a refusal worth auditing is recorded) and django-axes'
# failed-login records (the login throttle counts refused logins). Everything else must be untouched.
MAY_CHANGE = {"sessions.Session", "core.AuditEvent", "axes.AccessFailureLog", "axes.AccessAttempt",
              "axes.AccessAttemptExpiration", "axes.AccessLog", "users.User"}


def patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry


def uncovered() -> list[str]:
    """Patterns the crawl would not know how to fill: not in SCREENS, or a path id SCREENS does not name."""
    missing = []
    for name, entry in patterns():
        kwargs = set(getattr(entry.pattern, "converters", {}))
        if name not in SCREENS or set(SCREENS[name]) != kwargs:
            missing.append(name)
    return missing


class _Forms(HTMLParser):
    """The forms of a page: method, action and the names of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, set[str]]] = []
        self._open: tuple[str, str, set[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self._open = ((values.get("method") or "get").lower(), values.get("action") or "", set())
            self.forms.append(self._open)
        elif tag in ("input", "select", "textarea") and self._open is not None and values.get("name") not in (
                None, "", "csrfmiddlewaretoken"):
            self._open[2].add(values["name"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _hostile(names: list[str], variant: int) -> dict[str, str]:
    """One hostile value per name; another variant (or role) gives each name another value."""
    return {name: HOSTILE[(variant * 7 + index * 3) % len(HOSTILE)] for index, name in enumerate(names)}


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?', re.IGNORECASE)


class Writes:
    """What a request wrote. Every statement is watched as it goes to the database: a request whose
    INSERT, UPDATE and DELETE touched only MAY_CHANGE tables wrote nothing that matters; one that
    touched another table is compared table by table with the seeded database (every request is
    rolled back, so the seeded state is the "before" of each) — an UPDATE that changed no value is
    no write."""

    def __init__(self) -> None:
        self.base = self.digest()
        self.exempt = {apps.get_model(label)._meta.db_table for label in MAY_CHANGE}
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match:
            self.tables.add(match.group(1))
        return execute(sql, params, many, context)

    def wrote(self) -> bool:
        return bool(self.tables - self.exempt)

    @staticmethod
    def digest() -> dict[str, str]:
        tables = {}
        for model in apps.get_models():
            if model._meta.label not in MAY_CHANGE:
                rows = repr(list(model._default_manager.order_by("pk").values_list()))
                tables[model._meta.label] = hashlib.sha256(rows.encode()).hexdigest()
        return tables

    def changed_tables(self) -> list[str]:
        now = self.digest()
        return sorted(label for label, value in now.items() if self.base.get(label) != value)


@dataclass
class Result:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    refused: int = 0
    accepted_writes: int = 0  # requests that did write (accepted ones): the watch sees writes
    refused_and_compared: int = 0  # refused, yet rows changed somewhere: compared table by table
    seconds: float = 0.0
    pages: int = 0
    roles: int = 0


@dataclass
class Crawler:
    clients: dict[str, Client]  # role → a logged-in (or anonymous) client
    ids: dict[str, int]  # model label → an id of a seeded row
    result: Result = field(default_factory=Result)
    posts: dict[str, set[str]] = field(default_factory=dict)  # url name → fields its forms post
    filters: dict[str, set[str]] = field(default_factory=dict)  # url name → its GET forms' fields
    writes: Writes | None = None

    def url(self, name: str, *, hostile_id: int | None = None) -> str:
        kwargs = {kwarg: hostile_id if hostile_id is not None else self.ids.get(label, 1)
                  for kwarg, label in SCREENS[name].items()}
        return reverse(name, kwargs=kwargs)

    def discover(self) -> None:
        """Every page as an admin sees it: which fields each form sends, and where."""
        for name, _ in patterns():
            if name not in SCREENS:
                continue
            response = self._send(self.clients["admin"], "get", self.url(name), {}, check=False)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for method, action, names in parser.forms:
                target = name
                if action:
                    try:
                        target = f"{resolve(urlsplit(action).path).namespace}:{resolve(urlsplit(action).path).url_name}"
                    except Resolver404:
                        continue
                    target = target.lstrip(":")
                (self.posts if method == "post" else self.filters).setdefault(target, set()).update(names)

    def crawl(self) -> Result:
        started = time.perf_counter()
        self.writes = Writes()  # the seeded database, before any request
        self.discover()
        for name, _ in patterns():
            if name in uncovered():
                continue  # the coverage test names it
            self.result.pages += 1
            get_names = sorted(self.filters.get(name, set()) | set(LOOSE_PARAMS))
            post_names = sorted(self.posts.get(name, set()) | set(LOOSE_PARAMS))
            for number, client in enumerate(self.clients.values()):
                url = self.url(name)
                self._send(client, "get", url, {})
                self._send(client, "post", url, {})
                for variant in range(number * VARIANTS, (number + 1) * VARIANTS):
                    self._send(client, "get", url, _hostile(get_names, variant))
                    self._send(client, "post", url, _hostile(post_names, variant))
                if SCREENS[name]:
                    self._send(client, "get", self.url(name, hostile_id=ID_MAX), {})
                    self._send(client, "post", self.url(name, hostile_id=0), _hostile(post_names, number))
        self.result.roles = len(self.clients)
        self.result.seconds = time.perf_counter() - started
        return self.result

    def _send(self, client: Client, method: str, url: str, data: dict[str, str], *, check: bool = True):
        cookies = client.cookies
        client.cookies = type(cookies)(cookies)  # a logout in this request must not log out the next one
        writes = self.writes or Writes()
        writes.tables.clear()
        with transaction.atomic(), connection.execute_wrapper(writes):
            response = getattr(client, method)(url, data)
            wrote = writes.wrote()
            if check:
                self._judge(method, url, data, response, wrote=wrote)
            transaction.set_rollback(True)
        client.cookies = cookies
        return response

    def _judge(self, method: str, url: str, data: dict[str, str], response, *, wrote: bool) -> None:
        label = f"{method.upper()} {url} {ascii({k: v[:40] for k, v in data.items()})[:400]}"
        self.result.requests += 1
        if response.status_code >= 500:
            self.result.server_errors.append(f"{response.status_code} {label}")
        elif not _refused(method, response):
            self.result.accepted_writes += wrote
        else:
            self.result.refused += 1
            if wrote and self.writes is not None:
                self.result.refused_and_compared += 1
                changed = self.writes.changed_tables()
                if changed:
                    self.result.half_written.append(f"{response.status_code} {label} changed {changed}")


def _refused(method: str, response) -> bool:
    """A 4xx; a form shown again; or a redirect that carries an error message."""
    if response.status_code >= 400 or (method == "post" and response.status_code == 200):
        return True
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return any(message.level >= ERROR for message in queued)
