import subprocess
import sys
from pathlib import Path

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
    assert result.stdout.startswith("True True") and "scheduler_tick_task" in result.stdout
