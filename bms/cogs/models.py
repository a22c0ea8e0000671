"""The nightly cost-of-sales journals: journals, their postings, and each entity's build cursor.

Above stock (the dispatches a journal posts) and ledger (the accounts it posts to). The models moved
here from ledger and kept their tables (`db_table`), so an existing database upgraded without copying
a row (migrations 0001 here and ledger 0008).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q


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
        # The tables ledger created: the models moved here, their rows stayed where they were.
        db_table = "ledger_costofsalesjournal"
        ordering = ["-journaled_on", "entity__name"]
        # The lists' keyset pages: each filter's column, then the list's order ending with the id.
        indexes = [
            models.Index(fields=["journaled_on", "id"], name="journal_list"),
            models.Index(fields=["status", "journaled_on", "id"], name="journal_list_status"),
        ]
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
    # account the postings name (services._hold_accounts). Deleting a journal through Django deletes
    # its postings (CASCADE, applied by Django, in one statement); deleting an account is refused
    # while postings name it (PROTECT). A raw SQL DELETE bypasses both: nothing in BMS issues one.
    journal = models.ForeignKey(CostOfSalesJournal, on_delete=models.CASCADE, related_name="postings",
                                db_constraint=False)
    # No index on the accounts or the product: a million-line build would maintain more indexes for
    # the rare deletion of an account or product, and the screens reach postings through their
    # journal. The accounts are the ones the posting was made on: a reversal takes back what was
    # posted on them, whatever the product's accounts are by then.
    cost_account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="cost_postings",
                                     db_index=False, db_constraint=False)
    stock_account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="stock_postings",
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
        db_table = "ledger_journalposting"
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

    class Meta:
        db_table = "ledger_journalcursor"
