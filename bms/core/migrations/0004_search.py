"""The list's search index: SQLite an FTS5 trigram table kept by triggers, PostgreSQL pg_trgm
indexes (bms/core/search.py)."""

from django.db import migrations

from bms.core.search import search_operation


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_list_indexes"),
    ]

    operations = [
        search_operation("core.AuditEvent"),
    ]
