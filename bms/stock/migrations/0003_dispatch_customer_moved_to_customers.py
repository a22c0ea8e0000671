"""Dispatch.customer points at customers.Customer: the same table (billing_customer), so only the
migration state changes (customers 0001 says why)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('stock', '0002_dispatch_dispatch_entity_updated'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables are already there, with every row.
            state_operations=[
                migrations.AlterField(
                    model_name='dispatch',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dispatches', to='customers.customer'),
                ),
            ],
            database_operations=[],
        ),
    ]
