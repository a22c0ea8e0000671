"""The `bms` console command: manage.py under the product's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing production setting is an operator's fix, not a traceback to read.
        sys.exit(f"BMS cannot start: {exc}")
    except (OperationalError, ProgrammingError) as exc:
        message = _database_not_ready(exc)
        if message is None:
            raise
        sys.exit(message)


def _database_not_ready(exc: Exception) -> str | None:
    """The operator's fix when a command met a database that is unreachable or not migrated yet;
    None for any other database error (that one is a bug to see in full)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    where = connection.settings_dict.get("HOST") or connection.settings_dict.get("NAME")
    try:
        connection.close()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:  # noqa: BLE001 (the database cannot even be read, for whatever reason: that is the message)
        return (f"BMS cannot reach its database ({where}): {str(exc).strip()}\n"
                f"Check BMS_DATABASE_URL and that the database server is running.")
    if pending:
        return (f"BMS's database ({where}) is not up to date: {len(pending)} migration(s) not applied. "
                f"Run `bms migrate` first.")
    return None
