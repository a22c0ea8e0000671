"""Test overrides: an in-memory database, jobs run in-process, fast password hashing."""

import atexit
import os
import shutil
import tempfile

# A demo run in this checkout leaves var/xero.env (the sandbox's settings); tests set their own.
os.environ["BMS_XERO_ENV_FILE"] = ""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}  # noqa: F405  (tasks run in the calling thread)

# `make test` runs the suite on SQLite, then again on PostgreSQL when BMS_TEST_DATABASE_URL is set
# (it sets BMS_TEST_ON=postgres for that second pass).
if os.environ.get("BMS_TEST_ON") == "postgres":
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["BMS_TEST_DATABASE_URL"])}
else:
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}

# Each test process its own concurrent-call slots: the sandboxes of parallel test processes reuse the
# same tenant ids, and must not wait for each other's calls.
XERO_LIMIT_SLOTS_DIR = tempfile.mkdtemp(prefix="bms-xero-slots-")
atexit.register(shutil.rmtree, XERO_LIMIT_SLOTS_DIR, ignore_errors=True)

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
