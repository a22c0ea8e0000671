"""SQLite: a covering index for a journal's account summary (bms/cogs/summary_index.py)."""

from django.db import migrations

from bms.cogs.summary_index import summary_index_operation


class Migration(migrations.Migration):

    dependencies = [
        ("cogs", "0002_list_indexes"),
    ]

    operations = [summary_index_operation()]
