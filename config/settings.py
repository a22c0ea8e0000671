"""Settings, read from the environment (BMS_* for the product, XERO_* for the Xero endpoints).

The embedded default needs nothing set: SQLite files under var/ and Huey on SQLite.
Scale-out sets BMS_DATABASE_URL=postgres://… and BMS_JOBS_URL=redis://….
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BMS_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("BMS_DEBUG", True)

# In development a fixed key keeps sessions across restarts; production must set its own
# (the hardening issue makes a missing key a start-up error when BMS_DEBUG=0).
SECRET_KEY = os.environ.get("BMS_SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
ALLOWED_HOSTS = env_list("BMS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("BMS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "bms.core",
    "bms.users",
    "bms.preferences",
    "bms.entities",
    "bms.ledger",
    "bms.billing",
    "bms.stock",
    "bms.jobs",
    "bms.xero",
    "bms.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Login everywhere, and a permission rule on every view (bms/core/access.py).
    "bms.core.access.AccessMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bms.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("BMS_DATABASE_URL", f"sqlite:///{DATA_DIR / 'bms.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web app, the worker and the scheduler share one SQLite file: WAL lets readers
    # run beside a writer, IMMEDIATE makes a writing transaction take the lock up front
    # (no mid-transaction "database is locked"), and the timeout waits out short writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-au"
TIME_ZONE = "UTC"  # storage; trading days use each entity's zone (bms/core/tz.py)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The address people use to reach BMS; Xero shows it as "Go to BMS" on each invoice.
BMS_BASE_URL = os.environ.get("BMS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Background jobs (Huey) -------------------------------------------------------------
# Embedded default: Huey on a SQLite file beside the database. BMS_JOBS_URL=redis://… switches
# to Redis for any number of workers on any number of machines.
BMS_JOBS_URL = os.environ.get("BMS_JOBS_URL", "")
BMS_WORKER_THREADS = int(os.environ.get("BMS_WORKER_THREADS", "4"))
if BMS_JOBS_URL.startswith(("redis://", "rediss://")):
    HUEY = {
        "name": "bms",
        "huey_class": "huey.RedisHuey",
        "url": BMS_JOBS_URL,
        "immediate": False,
        "consumer": {"workers": BMS_WORKER_THREADS, "worker_type": "thread"},
    }
else:
    HUEY = {
        "name": "bms",
        "huey_class": "huey.SqliteHuey",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": False,
        "consumer": {"workers": BMS_WORKER_THREADS, "worker_type": "thread"},
    }

# --- Tokens at rest ---------------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation: prepend a new key,
# run `bms rotate_token_keys`, then drop the old one). When unset, the embedded default keeps
# a generated key set in a 0600 file in the data folder.
BMS_TOKEN_KEYS = env_list("BMS_TOKEN_KEYS")
BMS_TOKEN_KEY_FILE = Path(os.environ.get("BMS_TOKEN_KEY_FILE", DATA_DIR / "token-keys"))

# --- Xero endpoints ---------------------------------------------------------------------
# Defaults are Xero's real endpoints; `make demo` points them at the local sandbox.
# Nothing else in the code knows a Xero URL.
XERO_CLIENT_ID = os.environ.get("XERO_CLIENT_ID", "")
XERO_CLIENT_SECRET = os.environ.get("XERO_CLIENT_SECRET", "")
XERO_REDIRECT_URI = os.environ.get("XERO_REDIRECT_URI", "http://127.0.0.1:8000/xero/callback/")
XERO_AUTHORIZE_URL = os.environ.get("XERO_AUTHORIZE_URL", "https://login.xero.com/identity/connect/authorize")
XERO_TOKEN_URL = os.environ.get("XERO_TOKEN_URL", "https://identity.xero.com/connect/token")
XERO_REVOKE_URL = os.environ.get("XERO_REVOKE_URL", "https://identity.xero.com/connect/revocation")
XERO_CONNECTIONS_URL = os.environ.get("XERO_CONNECTIONS_URL", "https://api.xero.com/connections")
XERO_API_URL = os.environ.get("XERO_API_URL", "https://api.xero.com/api.xro/2.0")
# Where "View in Xero" links point (deep links need the organisation's short code).
XERO_WEB_URL = os.environ.get("XERO_WEB_URL", "https://go.xero.com").rstrip("/")
XERO_SCOPES = os.environ.get(
    "XERO_SCOPES",
    "offline_access accounting.contacts accounting.invoices accounting.payments.read "
    "accounting.manualjournals accounting.settings.read openid profile email",
)

# Xero's limits (xero-notes §2); configurable so benchmarks can run time-scaled.
XERO_LIMIT_CONCURRENT = int(os.environ.get("XERO_LIMIT_CONCURRENT", "5"))
XERO_LIMIT_PER_MINUTE = int(os.environ.get("XERO_LIMIT_PER_MINUTE", "60"))
XERO_LIMIT_PER_DAY = int(os.environ.get("XERO_LIMIT_PER_DAY", "5000"))
XERO_LIMIT_APP_PER_MINUTE = int(os.environ.get("XERO_LIMIT_APP_PER_MINUTE", "10000"))
XERO_LIMIT_MINUTE_S = float(os.environ.get("XERO_LIMIT_MINUTE_S", "60"))
XERO_LIMIT_DAY_S = float(os.environ.get("XERO_LIMIT_DAY_S", "86400"))
XERO_TIMEOUT_S = float(os.environ.get("XERO_TIMEOUT_S", "30"))
XERO_RETRY_BASE_S = float(os.environ.get("XERO_RETRY_BASE_S", "2"))  # backoff: base, 2×base, 4×base… (max 60 s)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BMS_LOG_LEVEL", "INFO")},
    # httpx2 logs every request URL at INFO: noise in job logs, and a URL is not for the log.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx2": {"level": "WARNING"},
                "httpx": {"level": "WARNING"}},
}
