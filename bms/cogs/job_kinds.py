"""The nightly cost-of-sales journals as background work: one schedule per entity, at the nightly
journal time (Admin → General Settings) in the entity's own time zone."""

from __future__ import annotations

from bms.cogs.services import journals_build_due
from bms.core.text import counted
from bms.entities.models import Entity
from bms.entities.selectors import entity_time_zone
from bms.jobs.context import JobContext
from bms.jobs.models import Schedule
from bms.jobs.registry import job_kind, schedule_provider
from bms.jobs.scheduling import schedule_upsert
from bms.preferences.selectors import general_settings

# The kind and schedule keys kept their "ledger." names when the build moved here: queued jobs and
# schedule rows carry them, and a renamed kind would strand them.
KIND = "ledger.journals.build"
KEY_PREFIX = "ledger.journals.build."


@job_kind(KIND)
def build_journals(ctx: JobContext, *, entity_id: int) -> None:
    """Every day of the entity not built yet, up to yesterday: a missed night is caught up here."""
    entity = Entity.objects.filter(pk=entity_id).first()
    if entity is None:
        ctx.result = "Skipped: that entity no longer exists"
        return
    # A DomainError (no Cost account, say) fails the job with its message; the days before it stay
    # built, and the next run starts again at the day that failed.
    outcome = journals_build_due(entity=entity)
    for journal in outcome.built:
        ctx.info(f"{journal.description}: debit {journal.debit_amount} = credit {journal.credit_amount}",
                 record=journal.reference)
    ctx.result = (f"Completed: {counted(len(outcome.built), 'journal')} built for {entity.name} over "
                  f"{counted(outcome.days, 'day')}")


@schedule_provider
def journal_schedules() -> None:
    settings_row = general_settings()
    keys = set()
    for entity in Entity.objects.order_by("pk"):
        key = f"{KEY_PREFIX}{entity.pk}"
        keys.add(key)
        schedule_upsert(key=key, kind=KIND, params={"entity_id": entity.pk},
                        description=f"Build the cost-of-sales journal for {entity.name}",
                        at_local_time=settings_row.journal_run_local_time, time_zone=entity_time_zone(entity))
    Schedule.objects.filter(key__startswith=KEY_PREFIX).exclude(key__in=keys).delete()
