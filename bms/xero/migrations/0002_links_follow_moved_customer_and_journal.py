"""ContactLink.customer and JournalLink.journal point at the models' new apps (customers, cogs): the
same tables, so only the migration state changes (customers 0001 and cogs 0001 say why)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cogs', '0001_initial'),
        ('customers', '0001_initial'),
        ('xero', '0001_initial'),
    ]

    # Before billing and ledger drop the old models from their state: the domain apps do not name xero.
    run_before = [
        ('billing', '0006_customer_and_terms_moved_to_customers'),
        ('ledger', '0008_journals_moved_to_cogs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables are already there, with every row.
            state_operations=[
                migrations.AlterField(
                    model_name='contactlink',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='xero_links', to='customers.customer'),
                ),
                migrations.AlterField(
                    model_name='journallink',
                    name='journal',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='xero_links', to='cogs.costofsalesjournal'),
                ),
            ],
            database_operations=[],
        ),
    ]
