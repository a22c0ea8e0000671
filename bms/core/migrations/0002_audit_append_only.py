"""Audit events become append-only in the database itself: an UPDATE of what an event says (and on
PostgreSQL a DELETE) is refused whatever issues it. Only actor_id may change (SET NULL when a user is deleted;
actor_name keeps who it was)."""

from django.db import migrations, models

CONTENT = 'at, actor_name, action, target, "before", "after", message'

SQLITE = [
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE OF " + CONTENT + " ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    # No DELETE trigger on SQLite: it empties tables with DELETE (the test suite's flush), where
    # PostgreSQL uses TRUNCATE, which row triggers do not see. The model refuses deletes on both.
]
SQLITE_REVERSE = ["DROP TRIGGER core_auditevent_no_update;"]

POSTGRES = [
    "CREATE FUNCTION core_auditevent_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$;",
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE OF " + CONTENT + " ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse();",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER core_auditevent_no_update ON core_auditevent;",
    "DROP TRIGGER core_auditevent_no_delete ON core_auditevent;",
    "DROP FUNCTION core_auditevent_refuse();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='actor_name',
            field=models.CharField(blank=True, default='', max_length=150),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
