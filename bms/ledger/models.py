from decimal import Decimal

from django.db import models
from django.db.models import Q


class AccountClass(models.TextChoices):
    ASSET = "ASSET", "Asset"
    EQUITY = "EQUITY", "Equity"
    EXPENSE = "EXPENSE", "Expense"
    LIABILITY = "LIABILITY", "Liability"
    REVENUE = "REVENUE", "Revenue"


class AccountType(models.TextChoices):
    # Xero's account types; Xero may return others (e.g. PAYGLIABILITY), which are stored as given.
    BANK = "BANK", "Bank"
    CURRENT = "CURRENT", "Current asset"
    CURRLIAB = "CURRLIAB", "Current liability"
    DEPRECIATN = "DEPRECIATN", "Depreciation"
    DIRECTCOSTS = "DIRECTCOSTS", "Direct costs"
    EQUITY = "EQUITY", "Equity"
    EXPENSE = "EXPENSE", "Expense"
    FIXED = "FIXED", "Fixed asset"
    INVENTORY = "INVENTORY", "Inventory"
    LIABILITY = "LIABILITY", "Liability"
    NONCURRENT = "NONCURRENT", "Non-current asset"
    OTHERINCOME = "OTHERINCOME", "Other income"
    OVERHEADS = "OVERHEADS", "Overheads"
    PREPAYMENT = "PREPAYMENT", "Prepayment"
    REVENUE = "REVENUE", "Revenue"
    SALES = "SALES", "Sales"
    TERMLIAB = "TERMLIAB", "Non-current liability"
    PAYG = "PAYG", "PAYG liability"


class AccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    ARCHIVED = "ARCHIVED", "Archived"


class TaxRate(models.Model):
    name = models.CharField(max_length=100)
    xero_tax_type = models.CharField(max_length=50, unique=True, help_text="The tax type code Xero uses, e.g. OUTPUT.")
    rate_percent = models.DecimalField(max_digits=7, decimal_places=4)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lte=100), name="tax_rate_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate_percent.normalize():f}%)"


class Account(models.Model):
    """One line of the chart of accounts; codes equal Xero's codes."""

    code = models.CharField(
        max_length=10, unique=True,
        error_messages={"unique": "This account code already exists: codes must equal Xero's and be unique."},
    )
    name = models.CharField(max_length=150)
    account_class = models.CharField(max_length=16, choices=AccountClass.choices)
    account_type = models.CharField(max_length=32, choices=AccountType.choices)
    tax_rate = models.ForeignKey(TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    description = models.TextField(blank=True, default="")
    is_system = models.BooleanField(
        default=False, help_text="A system account (receivables, payables, retained earnings…)."
    )
    is_bank = models.BooleanField(default=False)
    # Xero has no field for this, yet refuses manual journals on some accounts beyond system and
    # bank ones (an inventory account behind tracked items, for one). The admin says so here, and
    # the journal menus (Cost, Stock) then never offer the account.
    accepts_manual_journals = models.BooleanField(
        default=True,
        help_text="Clear this if Xero refuses manual journals on this account; it is then never offered for "
        "the nightly journal.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(account_class__in=AccountClass.values), name="account_class_known"),
            models.CheckConstraint(condition=~Q(code=""), name="account_code_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE


class AccountDefaults(models.Model):
    """Product account defaults (Admin → Accounts → Settings): one row, pk 1."""

    sales_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stock_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expense_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "account defaults"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="account_defaults_single_row")]


class JournalStatus(models.TextChoices):
    DRAFT = "draft", "Built"
    POSTED = "posted", "Pushed to Xero"
    HELD = "held", "Held"


class CostOfSalesJournal(models.Model):
    """One entity's cost-of-sales journal for one trading day (built nightly)."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, related_name="journals")
    journaled_on = models.DateField(help_text="The trading day, in the entity's time zone.")
    description = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=JournalStatus.choices, default=JournalStatus.DRAFT)
    debit_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    credit_amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-journaled_on", "entity__name"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "journaled_on"], name="journal_one_per_entity_day"),
            models.CheckConstraint(
                condition=Q(debit_amount__gte=0) & Q(credit_amount__gte=0), name="journal_totals_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_balanced(self) -> bool:
        return self.debit_amount == self.credit_amount

    @property
    def reference(self) -> str:
        """The unique BMS reference carried in the Xero narration: (entity, trading day) is unique,
        so it names this journal and nothing else, and the push can look it up by it."""
        return f"BMS-COS-{self.entity.code}-{self.journaled_on:%Y%m%d}"

    @property
    def narration(self) -> str:
        return f"{self.description} [{self.reference}]"


class JournalPosting(models.Model):
    """One dispatch line's posting in a journal: both sides in one row. A posting debits its Cost
    account and credits its Stock account by `amount`; a reversal (is_reversal) does the opposite.
    The screens and the push show each posting as its two journal lines (selectors.JournalLine); one row
    instead of a row per side halves what a million-line build writes and indexes."""

    # Neither the journal nor an account is a database foreign key, on purpose: PostgreSQL checks a
    # key once per row, at commit, through a plan it keeps for the session — made while the journal
    # table was still tiny, that plan scans the whole table for every row, and it was most of a
    # large build's time (docs/benchmarks.md, "Journals build"); even a good plan costs a lookup per
    # row, seconds for a million dispatch lines. The build keeps both instead: it writes postings only
    # into the journals it has just created in the same transaction, and checks and locks once each
    # account the postings name (journals._hold_accounts). Deleting a journal through Django deletes
    # its postings (CASCADE, applied by Django, in one statement); deleting an account is refused
    # while postings name it (PROTECT). A raw SQL DELETE bypasses both: nothing in BMS issues one.
    journal = models.ForeignKey(CostOfSalesJournal, on_delete=models.CASCADE, related_name="postings",
                                db_constraint=False)
    # No index on the accounts or the product: a million-line build would maintain more indexes for
    # the rare deletion of an account or product, and the screens reach postings through their
    # journal. The accounts are the ones the posting was made on: a reversal takes back what was
    # posted on them, whatever the product's accounts are by then.
    cost_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="cost_postings",
                                     db_index=False, db_constraint=False)
    stock_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="stock_postings",
                                      db_index=False, db_constraint=False)
    product = models.ForeignKey("stock.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                db_index=False, db_constraint=False)
    # Which dispatch line this posting comes from: what has been journaled for a line is the sum of
    # its postings, so a later cancellation or change is corrected by the difference.
    dispatch_line = models.ForeignKey(
        "stock.DispatchLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    dispatch_reference = models.CharField(max_length=50, blank=True, default="")
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))
    is_reversal = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Hordak's rule, as before: amounts are non-negative; is_reversal says which way.
            models.CheckConstraint(condition=Q(amount__gte=0), name="journal_posting_non_negative"),
        ]


class JournalCursor(models.Model):
    """The last trading day whose build ran for an entity, journal or not (a day without
    dispatches has none): the next run starts the day after, so missed nights are caught up."""

    entity = models.OneToOneField("entities.Entity", on_delete=models.CASCADE, related_name="+")
    built_through_on = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)
