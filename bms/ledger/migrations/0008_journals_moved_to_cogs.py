"""The cost-of-sales journals now live in the cogs app (cogs 0001 says why): ledger's state lets the
three models go. Tables and rows are untouched; the chart (Account, TaxRate, AccountDefaults) stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0007_journal_postings'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables stay, with every row, under the cogs app.
            state_operations=[
                migrations.DeleteModel(name='JournalPosting'),
                migrations.DeleteModel(name='JournalCursor'),
                migrations.DeleteModel(name='CostOfSalesJournal'),
            ],
            database_operations=[],
        ),
    ]
