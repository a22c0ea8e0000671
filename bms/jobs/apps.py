from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "bms.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self):
        from bms.core.access import access_rules_register
        from bms.core.audit import audit_actions_register
        from bms.core.roles import Role

        access_rules_register({
            # Finance users open the screen too, and see there the jobs they started.
            "jobs.view": {Role.ADMIN, Role.FINANCE},
            "jobs.view_all": {Role.ADMIN},  # every job, and the technical detail behind a cause
            "jobs.retry": {Role.ADMIN},
            "jobs.resend": {Role.ADMIN, Role.FINANCE},
        })
        audit_actions_register({"jobs.retried": "Job re-triggered", "jobs.resent": "Failed records re-sent"})
        # Each app registers its job kinds and schedules in a `job_kinds` module.
        autodiscover_modules("job_kinds")
        # The engine's tasks must be registered in every process, the worker's above all: a worker
        # that has not imported them cannot run a single job (and its scheduler never ticks).
        from bms.jobs import tasks  # noqa: F401
