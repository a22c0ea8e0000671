"""The Credit Notes search index also holds Xero's number (a note made in Xero): SQLite's search
table is made again with it, PostgreSQL gains its trigram index (bms/core/search.py)."""

from django.db import migrations

from bms.core.search import search_operation


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0011_credit_note_list_indexes"),
    ]

    operations = [
        search_operation("billing.CreditNote"),
    ]
