"""Customer and PaymentTerms now live in the customers app (customers 0001 says why): Invoice.customer
points there, and billing's state lets the two models go. Tables and rows are untouched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0005_invoice_approved_cancelled_by_and_invariants'),
        ('customers', '0001_initial'),
        ('stock', '0003_dispatch_customer_moved_to_customers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables stay, with every row, under the customers app.
            state_operations=[
                migrations.AlterField(
                    model_name='invoice',
                    name='customer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='customers.customer'),
                ),
                migrations.DeleteModel(name='Customer'),
                migrations.DeleteModel(name='PaymentTerms'),
            ],
            database_operations=[],
        ),
    ]
