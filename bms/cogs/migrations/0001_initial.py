"""CostOfSalesJournal, JournalPosting and JournalCursor move here from ledger, keeping their tables
(ledger_costofsalesjournal, ledger_journalposting, ledger_journalcursor): this creates them in the
migration state only, and ledger 0008 removes them from ledger's; xero 0002 re-points JournalLink.
Their history starts in ledger, whose migrations created the tables, hence the dependency."""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


OLD, NEW, MODELS = "ledger", "cogs", ("costofsalesjournal", "journalposting", "journalcursor")


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
        ('contenttypes', '0002_remove_content_type_name'),
        ('entities', '0002_alter_entity_code_and_more'),
        ('ledger', '0007_journal_postings'),
        ('stock', '0002_dispatch_dispatch_entity_updated'),
    ]

    # Ledger is the lower layer and does not name cogs, so the order is said here.
    run_before = [
        ('ledger', '0008_journals_moved_to_cogs'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # State only: the tables are already there, with every row.
            state_operations=[
                migrations.CreateModel(
                    name='CostOfSalesJournal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('journaled_on', models.DateField(help_text="The trading day, in the entity's time zone.")),
                        ('description', models.CharField(max_length=255)),
                        ('status', models.CharField(choices=[('draft', 'Built'), ('posted', 'Pushed to Xero'), ('held', 'Held')], default='draft', max_length=16)),
                        ('debit_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16)),
                        ('credit_amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('entity', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='journals', to='entities.entity')),
                    ],
                    options={
                        'db_table': 'ledger_costofsalesjournal',
                        'ordering': ['-journaled_on', 'entity__name'],
                    },
                ),
                migrations.CreateModel(
                    name='JournalCursor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('built_through_on', models.DateField()),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('entity', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='entities.entity')),
                    ],
                    options={
                        'db_table': 'ledger_journalcursor',
                    },
                ),
                migrations.CreateModel(
                    name='JournalPosting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dispatch_reference', models.CharField(blank=True, default='', max_length=50)),
                        ('quantity', models.DecimalField(decimal_places=4, default=Decimal('0'), max_digits=14)),
                        ('unit_cost', models.DecimalField(decimal_places=4, default=Decimal('0'), max_digits=14)),
                        ('amount', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16)),
                        ('is_reversal', models.BooleanField(default=False)),
                        ('cost_account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cost_postings', to='ledger.account')),
                        ('dispatch_line', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='stock.dispatchline')),
                        ('journal', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='postings', to='cogs.costofsalesjournal')),
                        ('product', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='stock.product')),
                        ('stock_account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='stock_postings', to='ledger.account')),
                    ],
                    options={
                        'db_table': 'ledger_journalposting',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='costofsalesjournal',
                    constraint=models.UniqueConstraint(fields=('entity', 'journaled_on'), name='journal_one_per_entity_day'),
                ),
                migrations.AddConstraint(
                    model_name='costofsalesjournal',
                    constraint=models.CheckConstraint(condition=models.Q(('debit_amount__gte', 0), ('credit_amount__gte', 0)), name='journal_totals_non_negative'),
                ),
                migrations.AddConstraint(
                    model_name='journalposting',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='journal_posting_non_negative'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
