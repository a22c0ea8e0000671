import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from bms.jobs.management.commands import worker
from bms.jobs.models import Schedule

ROOT = Path(__file__).resolve().parents[3]

CHECK = """
import django
django.setup()
from huey.contrib.djhuey import HUEY
registered = set(HUEY._registry._registry)
print("bms.jobs.tasks.run_job_task" in registered, "bms.jobs.tasks.scheduler_tick_task" in registered,
      [t.name for t in HUEY._registry.periodic_tasks])
"""


def test_it_registers_the_job_tasks_and_the_scheduler_in_any_process_that_starts_django(tmp_path):
    # A fresh process, as the worker is: nothing has imported bms.jobs.tasks before django.setup().
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"DJANGO_SETTINGS_MODULE": "config.settings", "BMS_DATA_DIR": str(tmp_path),
                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True True")
    assert "scheduler_tick_task" in result.stdout and "jobs_recover_task" in result.stdout


class FakeHuey:
    immediate = False

    def __init__(self):
        self.consumers = []

    def create_consumer(self, **options):
        consumer = FakeConsumer(options)
        self.consumers.append(consumer)
        return consumer


class FakeConsumer:
    def __init__(self, options):
        self.options = options
        self.ran = False

    def run(self):
        self.ran = True


@pytest.fixture
def huey(monkeypatch):
    fake = FakeHuey()
    monkeypatch.setattr(worker, "HUEY", fake)
    return fake


@pytest.mark.django_db
def test_it_runs_the_consumer_with_the_scheduler_and_ensures_the_schedules(huey):
    call_command("worker", stdout=StringIO())
    [consumer] = huey.consumers
    assert consumer.ran and consumer.options["periodic"] is True
    assert consumer.options["workers"] == settings.BMS_WORKER_THREADS
    assert Schedule.objects.filter(key="jobs.prune_logs").exists()


@pytest.mark.django_db
def test_it_runs_only_jobs_with_no_scheduler_and_the_workers_asked_for(huey):
    out = StringIO()
    call_command("worker", "--workers", "8", "--no-scheduler", stdout=out)
    [consumer] = huey.consumers
    assert (consumer.options["workers"], consumer.options["periodic"]) == (8, False)
    assert "8 thread workers, scheduler off" in out.getvalue()
    assert not Schedule.objects.exists()  # schedules are the scheduler's business


def test_it_refuses_to_start_in_immediate_mode_or_without_workers(huey):
    with pytest.raises(CommandError):
        call_command("worker", "--workers", "0", stdout=StringIO())
    huey.immediate = True
    with pytest.raises(CommandError):
        call_command("worker", stdout=StringIO())
    assert huey.consumers == []


@pytest.mark.django_db
def test_with_redis_a_worker_runs_only_jobs_unless_started_with_the_scheduler(huey, settings):
    settings.BMS_JOBS_URL = "redis://127.0.0.1:6379/0"
    call_command("worker", stdout=StringIO())
    call_command("worker", "--scheduler", stdout=StringIO())
    assert [consumer.options["periodic"] for consumer in huey.consumers] == [False, True]
