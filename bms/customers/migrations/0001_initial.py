"""Customer and PaymentTerms move here from billing, keeping their tables (billing_customer,
billing_paymentterms): this creates them in the migration state only, and billing 0006 removes them
from billing's; the foreign keys pointing at them follow in billing 0006, stock 0003 and xero 0002.
Their history starts in billing, whose migrations created the tables, hence the dependency."""

import django.db.models.deletion
from django.db import migrations, models


OLD, NEW, MODELS = "billing", "customers", ("customer", "paymentterms")


def _content_types_follow(apps, old, new):
    """The content types (and so any permissions) of the moved models follow them to their new app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _content_types_follow(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _content_types_follow(apps, NEW, OLD)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('billing', '0005_invoice_approved_cancelled_by_and_invariants'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables are already there, with every row.
            state_operations=[
                migrations.CreateModel(
                    name='PaymentTerms',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('term_type', models.CharField(choices=[('DAYSAFTERBILLDATE', 'day(s) after the invoice date'), ('DAYSAFTERBILLMONTH', 'day(s) after the end of the invoice month'), ('OFCURRENTMONTH', 'of the current month'), ('OFFOLLOWINGMONTH', 'of the following month')], max_length=32)),
                        ('day', models.PositiveSmallIntegerField()),
                    ],
                    options={
                        'verbose_name_plural': 'payment terms',
                        'db_table': 'billing_paymentterms',
                        'ordering': ['name'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('term_type__in', ['DAYSAFTERBILLDATE', 'DAYSAFTERBILLMONTH', 'OFCURRENTMONTH', 'OFFOLLOWINGMONTH'])), name='payment_terms_type_known'), models.CheckConstraint(condition=models.Q(models.Q(('day__lte', 365), ('term_type__in', ['DAYSAFTERBILLDATE', 'DAYSAFTERBILLMONTH'])), models.Q(('day__gte', 1), ('day__lte', 31), ('term_type__in', ['OFCURRENTMONTH', 'OFFOLLOWINGMONTH'])), _connector='OR'), name='payment_terms_day_range')],
                    },
                ),
                migrations.CreateModel(
                    name='Customer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(error_messages={'unique': 'This customer code is already used.'}, max_length=50, unique=True)),
                        ('name', models.CharField(max_length=255)),
                        ('email', models.EmailField(blank=True, default='', max_length=255)),
                        ('phone', models.CharField(blank=True, default='', max_length=50)),
                        ('postal_address_line1', models.CharField(blank=True, default='', max_length=500)),
                        ('postal_address_line2', models.CharField(blank=True, default='', max_length=500)),
                        ('postal_city', models.CharField(blank=True, default='', max_length=255)),
                        ('postal_region', models.CharField(blank=True, default='', max_length=255)),
                        ('postal_postcode', models.CharField(blank=True, default='', max_length=50)),
                        ('postal_country', models.CharField(blank=True, default='', max_length=50)),
                        ('street_address_line1', models.CharField(blank=True, default='', max_length=500)),
                        ('street_address_line2', models.CharField(blank=True, default='', max_length=500)),
                        ('street_city', models.CharField(blank=True, default='', max_length=255)),
                        ('street_region', models.CharField(blank=True, default='', max_length=255)),
                        ('street_postcode', models.CharField(blank=True, default='', max_length=50)),
                        ('street_country', models.CharField(blank=True, default='', max_length=50)),
                        ('tax_number', models.CharField(blank=True, default='', max_length=50)),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('payment_terms', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='customers.paymentterms')),
                    ],
                    options={
                        'db_table': 'billing_customer',
                        'ordering': ['name'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('code', ''), _negated=True), models.Q(('name', ''), _negated=True)), name='customer_code_and_name_present')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
