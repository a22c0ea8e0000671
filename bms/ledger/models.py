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
        # The lists' keyset pages: each filter's column, then the list's order ending with the id.
        indexes = [
            models.Index(fields=["account_class", "code", "id"], name="account_list_class"),
            models.Index(fields=["status", "code", "id"], name="account_list_status"),
        ]
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
