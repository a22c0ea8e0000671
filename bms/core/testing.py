"""Named personas for tests: admin, finance, staff, the implementation partner, and
someone with no access (anonymous)."""

from django.contrib.auth import get_user_model

from bms.core.roles import Role

PASSWORD = "correct horse battery staple"


def make_user(username: str, *, role: str = Role.STAFF, is_superuser: bool = False, **extra):
    user_model = get_user_model()
    return user_model.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        first_name=extra.pop("first_name", username.capitalize()),
        **extra,
    )


def persona(name: str):
    return {
        "admin": lambda: make_user("alice_admin", role=Role.ADMIN),
        "finance": lambda: make_user("fred_finance", role=Role.FINANCE),
        "staff": lambda: make_user("sam_staff", role=Role.STAFF),
        "partner": lambda: make_user("pat_partner", role=Role.ADMIN, is_superuser=True),
    }[name]()


def bms_process(data_dir, *args: str, code: str | None = None, wait: bool = True):
    """A separate BMS process on the SQLite files in `data_dir`: `manage.py *args`, or `code` run after
    django.setup(). With wait=False the Popen is returned (tests that race processes); otherwise its
    stdout, after asserting it succeeded; its stdin is then a pipe, for a start signal from the test.
    `BARRIER_DIR` points at `data_dir` for a start line."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "BMS_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings",
           "BARRIER_DIR": str(data_dir)}
    env.pop("BMS_DATABASE_URL", None)
    command = [sys.executable, str(root / "manage.py"), *args] if code is None else [
        sys.executable, "-c", "import django; django.setup()\n" + code]
    # A fixed interpreter and script; `code` comes from the test itself.
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.PIPE, stdin=None if wait else subprocess.PIPE, text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out
