"""What BMS knows about its Xero connections.

Tokens belong to the grant (one Xero user's consent, possibly covering several tenants), not to
the tenant (xero-notes §1.4, trap 7): storing them per tenant would let two copies of one
refresh token diverge and kill the connection. So: one XeroGrant per Xero user, one XeroTenant
per organisation it reaches, and each entity picks a tenant.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from bms.xero.models_links import LinkStatus as LinkStatus
from bms.xero.models_links import SyncLink as SyncLink

REFRESH_TOKEN_IDLE_LIFETIME = timedelta(days=60)  # Xero: unused for 60 days → expired


class GrantStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_REAUTH = "needs_reauth", "Needs re-authentication"


class XeroGrant(models.Model):
    xero_user_id = models.CharField(max_length=64, unique=True)
    authenticated_by_name = models.CharField(max_length=200, blank=True, default="")
    authenticated_by_email = models.CharField(max_length=254, blank=True, default="")
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The BMS user who ran the authentication.",
    )
    scopes = models.TextField(blank=True, default="")
    # Encrypted with bms/xero/auth/crypto.py; never shown, never logged.
    access_token_encrypted = models.TextField()
    refresh_token_encrypted = models.TextField()
    # A refresh is claimed before Xero is called and stored after, so no lock is held over the call.
    refresh_claimed_by = models.CharField(
        max_length=100, blank=True, default="", help_text="The process refreshing this grant's tokens right now."
    )
    refresh_claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="When that claim lapses if its holder died."
    )
    access_expires_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(help_text="When Xero last issued tokens for this grant.")
    status = models.CharField(max_length=16, choices=GrantStatus.choices, default=GrantStatus.ACTIVE)
    status_reason = models.CharField(max_length=255, blank=True, default="")
    authenticated_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=GrantStatus.values), name="xero_grant_status_known"),
        ]

    def __str__(self) -> str:
        return self.authenticated_by_email or self.authenticated_by_name or self.xero_user_id

    @property
    def refresh_expires_at(self) -> datetime:
        return self.refreshed_at + REFRESH_TOKEN_IDLE_LIFETIME

    @property
    def needs_reauthentication(self) -> bool:
        return self.status == GrantStatus.NEEDS_REAUTH


class XeroTenant(models.Model):
    """A Xero organisation reached by a grant."""

    xero_tenant_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    tenant_type = models.CharField(max_length=32, default="ORGANISATION")
    grant = models.ForeignKey(XeroGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="tenants")
    connection_id = models.CharField(max_length=64, blank=True, default="", help_text="For DELETE /connections/{id}.")
    auth_event_id = models.CharField(max_length=64, blank=True, default="")
    is_connected = models.BooleanField(default=True)
    auth_problem = models.CharField(
        max_length=255, blank=True, default="", help_text="Why Xero refused this organisation (a 403): re-authenticate."
    )
    # Read with the organisation (GET /Organisation).
    short_code = models.CharField(max_length=20, blank=True, default="")
    base_currency = models.CharField(max_length=3, blank=True, default="")
    country_code = models.CharField(max_length=2, blank=True, default="")
    period_lock_date = models.DateField(null=True, blank=True)
    end_of_year_lock_date = models.DateField(null=True, blank=True)
    organisation_read_at = models.DateTimeField(null=True, blank=True)
    # GET /Currencies: the codes the organisation has enabled, space-separated, and when read.
    currencies = models.CharField(max_length=400, blank=True, default="")
    currencies_read_at = models.DateTimeField(null=True, blank=True)
    # Confirmed on Connect from Xero's GET /TaxRates (PRODUCT.md §3.8): what a BMS line without a tax
    # rate is sent with, so Xero never fills it from the account's default tax (BMS 200.00, Xero 220.00).
    zero_rate_tax_type = models.CharField(
        max_length=50, blank=True, default="", help_text="Rate 0, CanApplyToRevenue: lines without a tax rate."
    )
    zero_rate_tax_name = models.CharField(max_length=100, blank=True, default="")
    zero_rate_report_tax_type = models.CharField(max_length=50, blank=True, default="")
    # Cost-of-sales journals move costs and stock, not sales: a rate-0 type that applies to expenses
    # and assets (AU BAS Excluded, NZ No GST) keeps them off the tax return's sales.
    journal_tax_type = models.CharField(max_length=50, blank=True, default="")
    journal_tax_name = models.CharField(max_length=100, blank=True, default="")
    # Where BMS payments made before connecting are sent (a BANK account or one with EnablePaymentsToAccount).
    payments_account_code = models.CharField(max_length=20, blank=True, default="")
    payments_account_name = models.CharField(max_length=150, blank=True, default="")
    # Xero's call budget, from the rate-limit headers of the latest response.
    minute_calls_remaining = models.IntegerField(null=True, blank=True)
    day_calls_remaining = models.IntegerField(null=True, blank=True)
    limits_seen_at = models.DateTimeField(null=True, blank=True)
    waiting_until = models.DateTimeField(null=True, blank=True, help_text="Set by a 429: work waits until then.")
    waiting_reason = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def lock_date(self) -> date | None:
        """The later of Xero's two lock dates: nothing dated on or before it can be posted."""
        dates = [d for d in (self.period_lock_date, self.end_of_year_lock_date) if d]
        return max(dates) if dates else None


class InvoiceStatusInXero(models.TextChoices):
    AUTHORISED = "AUTHORISED", "Approved (AUTHORISED)"
    SUBMITTED = "SUBMITTED", "Awaiting approval (SUBMITTED)"
    DRAFT = "DRAFT", "Draft (DRAFT)"


class EntityXeroConnection(models.Model):
    """Which Xero organisation an entity posts to. A branch may inherit its organisation's."""

    entity = models.OneToOneField("entities.Entity", on_delete=models.CASCADE, related_name="xero_connection")
    tenant = models.ForeignKey(XeroTenant, null=True, blank=True, on_delete=models.PROTECT, related_name="entities")
    inherits_from_organisation = models.BooleanField(default=False)
    invoice_status = models.CharField(
        max_length=16, choices=InvoiceStatusInXero.choices, default=InvoiceStatusInXero.AUTHORISED
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    # "Send documents dated on or after" (PRODUCT.md §3.8): nothing dated before it is ever sent.
    go_live_on = models.DateField(null=True, blank=True)
    # The tenant this entity's records were synced to; choosing another one needs an explicit relink.
    records_xero_tenant_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(inherits_from_organisation=True) & Q(tenant__isnull=True))
                | Q(inherits_from_organisation=False),
                name="xero_connection_inherit_or_tenant",
            ),
            models.CheckConstraint(
                condition=Q(invoice_status__in=InvoiceStatusInXero.values), name="xero_connection_invoice_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} → {self.tenant or 'inherited'}"


class XeroAttempt(models.Model):
    """Append-only log of every call to Xero's Accounting API: what, when, how it went and the
    budget Xero reported. Never a token, never a request or response body."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    xero_tenant_id = models.CharField(max_length=64, db_index=True)
    operation = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    idempotency_key = models.CharField(max_length=128, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16)
    minute_remaining = models.IntegerField(null=True, blank=True)
    day_remaining = models.IntegerField(null=True, blank=True)
    app_minute_remaining = models.IntegerField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True, help_text="The background job that made the call.")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.status_code} {self.outcome}"


class ContactLink(SyncLink):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="xero_links")
    # The contact as Xero holds it, read with includeArchived=true (services/contact_status.py).
    xero_contact_status = models.CharField(max_length=16, blank=True, default="", help_text="ACTIVE, ARCHIVED "
                                           "or GDPRREQUEST, as last read from Xero.")
    # Merged in Xero into a contact another customer is linked to: reported, never re-pointed silently.
    xero_merged_to_id = models.CharField(max_length=64, blank=True, default="")
    xero_contact_read_at = models.DateTimeField(null=True, blank=True)
    # The durable intent of an Unarchive on its way (its Idempotency-Key); "" when none is.
    unarchive_key = models.CharField(max_length=128, blank=True, default="")
    unarchive_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = SyncLink.unique_constraints("customer", "contact_link")

    @property
    def contact_problem(self) -> str:
        """What stops this customer's invoices going to Xero, in the panel's words; "" when nothing."""
        if self.xero_merged_to_id:
            return "Merged into another customer's contact in Xero"
        return {"ARCHIVED": "Archived in Xero", "GDPRREQUEST": "GDPR request in Xero"}.get(
            self.xero_contact_status, "")


class InvoiceLink(SyncLink):
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="xero_links")
    xero_number = models.CharField(max_length=255, blank=True, default="")
    # BMS invoice line id → Xero LineItemID, so an update keeps Xero's lines (xero-notes trap 5).
    line_item_ids = models.JSONField(default=dict, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    # What Xero holds, as the latest pull (or push) read it: the panel and the reconciliation compare these.
    xero_status = models.CharField(max_length=16, blank=True, default="")
    xero_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    xero_amount_due = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    xero_amount_credited = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    xero_updated_at = models.DateTimeField(null=True, blank=True, help_text="Xero's UpdatedDateUTC.")
    xero_seen_at = models.DateTimeField(null=True, blank=True)
    # A pulled change BMS could not apply: retried by every later pull until it applies (never blocks the rest).
    pull_error = models.TextField(blank=True, default="")
    pull_error_cause = models.CharField(max_length=255, blank=True, default="")
    # A void/delete made in Xero that a user accepted as it is (Accept on the panel), audited.
    xero_status_accepted = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        constraints = SyncLink.unique_constraints("invoice", "invoice_link")


class JournalLink(SyncLink):
    journal = models.ForeignKey("cogs.CostOfSalesJournal", on_delete=models.CASCADE, related_name="xero_links")

    class Meta:
        constraints = SyncLink.unique_constraints("journal", "journal_link")


class PaymentSendLink(SyncLink):
    """A BMS payment entered before the entity was connected, on its way to Xero as a Xero payment
    (PRODUCT.md §3.8): the same intent → call → outcome as every other write. Once Xero holds it,
    a PaymentLink ties the two, so the payments pull counts it once."""

    payment = models.ForeignKey("billing.Payment", on_delete=models.CASCADE, related_name="xero_send_links")

    class Meta:
        constraints = SyncLink.unique_constraints("payment", "payment_send_link")


class PaymentLink(models.Model):
    """One Xero payment pulled into BMS: unique by Xero's PaymentID per tenant, so a payment seen
    twice (overlapping pulls) is recorded once."""

    tenant = models.ForeignKey(XeroTenant, on_delete=models.PROTECT, related_name="+")
    xero_payment_id = models.CharField(max_length=64)
    payment = models.OneToOneField("billing.Payment", on_delete=models.PROTECT, related_name="xero_link")
    is_deleted_in_xero = models.BooleanField(default=False)
    pulled_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "xero_payment_id"], name="payment_link_xero_id_unique"),
        ]


class PullCursor(models.Model):
    """How far a pull has read, per tenant and resource. Advanced only after a page's rows commit."""

    tenant = models.ForeignKey(XeroTenant, on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=32)
    modified_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "resource"], name="pull_cursor_one_per_resource")]


class TenantLease(models.Model):
    """At most one active push per tenant and kind, across every worker: a lease row claimed by a
    conditional update and released (or expired) afterwards."""

    tenant = models.ForeignKey(XeroTenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    holder = models.CharField(max_length=100, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="tenant_lease_one_per_kind")]


class XeroCheck(models.Model):
    """One run of Check against Xero for an entity: what a push would do with every record it would
    send, kept (as services/check_report.py's JSON) so the entity's screen shows the last one."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey(XeroTenant, null=True, on_delete=models.SET_NULL, related_name="+")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField()
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["entity", "checked_at"], name="xero_check_entity_checked")]


# The reconciliation's models live beside its code; Django finds them through this import.
# Tracking from Xero has its own module; imported here so that Django registers its models.
from bms.xero.models_credit import CreditAllocationLink as CreditAllocationLink  # noqa: E402
from bms.xero.models_credit import CreditNoteLink as CreditNoteLink  # noqa: E402
from bms.xero.models_credit import RefundLink as RefundLink  # noqa: E402
from bms.xero.models_credit import RefundSendLink as RefundSendLink  # noqa: E402
from bms.xero.models_health import IncidentKind as IncidentKind  # noqa: E402
from bms.xero.models_health import XeroIncident as XeroIncident  # noqa: E402
from bms.xero.models_tracking import (  # noqa: E402, F401
    EntityTracking,
    TrackingStatus,
    XeroTrackingCategory,
    XeroTrackingOption,
)
from bms.xero.reconcile.models import ReconciliationRow, ReconciliationRun  # noqa: E402, F401
