"""jobs 0004: a job that finished with failed records before "Completed with errors" existed reads
amber after the upgrade; one whose records all went through stays green."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("jobs", "0003_job_not_before_at")]
AFTER = [("jobs", "0004_completed_with_errors_and_resend")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_it_turns_completed_jobs_with_failed_records_amber():
    old = _migrate(BEFORE)
    try:
        Job = old.get_model("jobs", "Job")
        failed_records = Job.objects.create(kind="xero.invoices.push", description="Push", status="completed",
                                            error_count=2)
        clean = Job.objects.create(kind="xero.invoices.push", description="Push", status="completed")
        crashed = Job.objects.create(kind="xero.invoices.push", description="Push", status="failed", error_count=1)
        new = _migrate(AFTER)
        Job = new.get_model("jobs", "Job")
        statuses = dict(Job.objects.values_list("pk", "status"))
        assert statuses == {failed_records.pk: "completed_with_errors", clean.pk: "completed", crashed.pk: "failed"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
