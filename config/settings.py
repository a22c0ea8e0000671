"""Settings, read from the environment (BMS_* for the product, XERO_* for the Xero endpoints).

The embedded default needs nothing set: SQLite files under var/ and Huey on SQLite.
Scale-out sets BMS_DATABASE_URL=postgres://… and BMS_JOBS_URL=redis://….
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from bms.core.data_files import data_dir_make_private, file_create_private
from bms.core.settings_file import settings_file_read

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BMS_DATA_DIR", BASE_DIR / "var"))
# Owner-only: the databases, token keys and Xero settings live here (bms/core/data_files.py).
data_dir_make_private(DATA_DIR)

# This checkout's Xero settings: `bms demo` leaves the sandbox's there (bms/core/settings_file.py), so
# `bms xero_check` or `bms sync …` in another shell use the same sandbox. Not read when the environment
# sets any XERO_* variable; BMS_XERO_ENV_FILE= (empty) turns it off.
BMS_XERO_ENV_FILE = os.environ.get("BMS_XERO_ENV_FILE", str(DATA_DIR / "xero.env"))
_CHECKOUT = settings_file_read(BMS_XERO_ENV_FILE, os.environ)


def env_or_checkout(name: str, default: str) -> str:
    return os.environ.get(name, _CHECKOUT.get(name, default))


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("BMS_DEBUG", default=True)

# Production mode (BMS_DEBUG=0) refuses to start on development defaults: a guessable secret key
# forges sessions, a generated token-key file on one machine is lost with it, and a Host header
# nobody checked poisons the links BMS builds.
PRODUCTION_REQUIRED = {
    "BMS_SECRET_KEY": "a long random string, e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'",
    "BMS_TOKEN_KEYS": "one or more Fernet keys, comma-separated, e.g. python -c "
    "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
    "BMS_ALLOWED_HOSTS": "the host names BMS is reached by, comma-separated, e.g. bms.example.com",
}
if not DEBUG:
    _missing = [name for name in PRODUCTION_REQUIRED if not os.environ.get(name, "").strip()]
    if _missing:
        raise ImproperlyConfigured(
            "BMS runs in production mode (BMS_DEBUG=0) and needs these settings: "
            + "; ".join(f"{name} ({PRODUCTION_REQUIRED[name]})" for name in _missing)
            + ". Set them in the environment, or set BMS_DEBUG=1 for a development run."
        )

# In development a fixed key keeps sessions across restarts.
SECRET_KEY = os.environ.get("BMS_SECRET_KEY", "dev-only-insecure-key-change-me")
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
    "bms.customers",
    "bms.ledger",
    "bms.stock",
    "bms.billing",
    "bms.cogs",
    "bms.jobs",
    "bms.xero",
    "bms.demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "bms.core.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times on every screen in the instance's default time zone unless an entity's own applies.
    "bms.preferences.middleware.DefaultTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Login everywhere, and a permission rule on every view (bms/core/access.py).
    "bms.core.access.AccessMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Login throttling (django-axes) -----------------------------------------------------
# Five wrong passwords for one username from one address lock that pair out for 15 minutes.
# The pair, not the address alone: one office behind one address must not lock out everyone
# because one person mistyped.
AXES_FAILURE_LIMIT = int(os.environ.get("BMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("BMS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bms.core.views.locked_out"
AXES_VERBOSE = False  # its log lines carry the username and the address; the attempt rows are enough
# Behind a reverse proxy set BMS_BEHIND_PROXY=1: the client address then comes from X-Forwarded-For.
BEHIND_PROXY = env_bool("BMS_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Response headers ---------------------------------------------------------------------
# No inline script or style anywhere: every template loads its code from static files, so the
# policy can refuse whatever an attacker manages to inject. form-action is left open on purpose:
# Authenticate with Xero is a form whose answer redirects to Xero's consent page, and browsers
# apply form-action to that redirect.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("BMS_SESSION_HOURS", "12")) * 3600
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("BMS_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("BMS_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BMS_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("BMS_HSTS_PRELOAD", default=True)

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
                "bms.xero.context_processors.connection_banners",
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
    if not str(DATABASES["default"]["NAME"]).startswith((":memory:", "file:")):
        # Created 0600 before SQLite first opens it; its -wal, -shm and -journal files take its mode.
        file_create_private(Path(DATABASES["default"]["NAME"]))

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

# An invoice takes up to 500 lines of 7 fields each; anything far bigger is refused before parsing.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The address people use to reach BMS; Xero shows it as "Go to BMS" on each invoice.
BMS_BASE_URL = env_or_checkout("BMS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- E-mail -----------------------------------------------------------------------------
# A connection incident (Xero refused the connection) is e-mailed once to BMS_XERO_ALERT_RECIPIENTS
# (comma-separated), else to the admin who authenticated the grant. The demo prints e-mails on the
# console; production sets EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST….
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bms@localhost")
BMS_XERO_ALERT_RECIPIENTS = [a.strip() for a in os.environ.get("BMS_XERO_ALERT_RECIPIENTS", "").split(",") if a.strip()]

# --- Background jobs (Huey) -------------------------------------------------------------
# Embedded default: Huey on a SQLite file beside the database. BMS_JOBS_URL=redis://… switches
# to Redis for any number of workers on any number of machines.
BMS_JOBS_URL = os.environ.get("BMS_JOBS_URL", "")
BMS_WORKER_THREADS = int(os.environ.get("BMS_WORKER_THREADS", "4"))
# The queue's name in Redis (and the prefix of the shared limits): installations sharing one Redis
# database need different names.
BMS_JOBS_QUEUE = os.environ.get("BMS_JOBS_QUEUE", "bms")
if BMS_JOBS_URL.startswith(("redis://", "rediss://")):
    HUEY = {
        "name": BMS_JOBS_QUEUE,
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
    file_create_private(Path(HUEY["filename"]))

# A running job proves it is alive every BMS_JOB_HEARTBEAT_S; one silent for BMS_JOB_LEASE_S belongs
# to a worker that died (SIGKILL, machine lost) and is queued again for another worker, which resumes
# it (the exactly-once protocol makes a resumed push send nothing twice). After
# BMS_JOB_MAX_ATTEMPTS such restarts it is marked Failed instead. Tenant leases use the same lease.
BMS_JOB_LEASE_S = float(os.environ.get("BMS_JOB_LEASE_S", "60"))
BMS_JOB_HEARTBEAT_S = float(os.environ.get("BMS_JOB_HEARTBEAT_S", str(max(0.2, BMS_JOB_LEASE_S / 6))))
BMS_JOB_MAX_ATTEMPTS = int(os.environ.get("BMS_JOB_MAX_ATTEMPTS", "5"))

# --- Tokens at rest ---------------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation: prepend a new key,
# run `bms rotate_token_keys`, then drop the old one). When unset, the embedded default keeps
# a generated key set in a 0600 file in the data folder.
BMS_TOKEN_KEYS = env_list("BMS_TOKEN_KEYS")
BMS_TOKEN_KEY_FILE = Path(os.environ.get("BMS_TOKEN_KEY_FILE", DATA_DIR / "token-keys"))

# --- Xero endpoints ---------------------------------------------------------------------
# Defaults are Xero's real endpoints; `make demo` points them at the local sandbox (var/xero.env, above).
# Nothing else in the code knows a Xero URL.
XERO_CLIENT_ID = env_or_checkout("XERO_CLIENT_ID", "")
XERO_CLIENT_SECRET = env_or_checkout("XERO_CLIENT_SECRET", "")
XERO_REDIRECT_URI = env_or_checkout("XERO_REDIRECT_URI", "http://127.0.0.1:8000/xero/callback/")
XERO_AUTHORIZE_URL = env_or_checkout("XERO_AUTHORIZE_URL", "https://login.xero.com/identity/connect/authorize")
XERO_TOKEN_URL = env_or_checkout("XERO_TOKEN_URL", "https://identity.xero.com/connect/token")
XERO_REVOKE_URL = env_or_checkout("XERO_REVOKE_URL", "https://identity.xero.com/connect/revocation")
XERO_CONNECTIONS_URL = env_or_checkout("XERO_CONNECTIONS_URL", "https://api.xero.com/connections")
XERO_API_URL = env_or_checkout("XERO_API_URL", "https://api.xero.com/api.xro/2.0")
# Where "View in Xero" links point (deep links need the organisation's short code).
XERO_WEB_URL = env_or_checkout("XERO_WEB_URL", "https://go.xero.com").rstrip("/")
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
# Invoices one push run sends before the rest of that organisation's backlog queues behind the others.
# Each run reads the chart again (two calls), so a chunk of 20 batches keeps that under a tenth of the calls.
XERO_PUSH_CHUNK = int(os.environ.get("XERO_PUSH_CHUNK", "1000"))
XERO_RETRY_BASE_S = float(os.environ.get("XERO_RETRY_BASE_S", "2"))  # backoff: base, 2×base, 4×base… (max 60 s)
# Batches of one push in flight at once per tenant: all of Xero's 5 concurrent calls. A pull or a user's Sync
# button meanwhile waits for a slot (the slots are shared, below), rather than the push leaving one idle.
XERO_PUSH_IN_FLIGHT = int(os.environ.get("XERO_PUSH_IN_FLIGHT", "5"))
# Without Redis, where every process of this machine (web, worker, `bms sync`) takes Xero's concurrent-call
# slots, one lock file per slot, so together they never have more than 5 calls in flight per organisation.
XERO_LIMIT_SLOTS_DIR = os.environ.get("XERO_LIMIT_SLOTS_DIR", str(DATA_DIR / "xero-slots"))

# Where Xero's per-tenant and app limits are counted. Empty: in this process (embedded default), or
# in Redis when BMS_JOBS_URL is redis://. Set a redis:// URL to share them across every worker.
BMS_LIMITS_URL = os.environ.get("BMS_LIMITS_URL", "")

# One log format for every process: "plain" (people) or "json" (one object per line, for a log
# shipper); both carry the structured fields (job, tenant, operation, outcome, remaining limits).
BMS_LOG_FORMAT = os.environ.get("BMS_LOG_FORMAT", "plain").strip().lower()
# Every handler carries two filters (bms/core/logfilters.py): secrets (OAuth code and state, tokens,
# client secret, Authorization) are redacted whichever logger wrote them, and a routine 403/404/400 is
# one line without a traceback. Django's own loggers are routed here too: its runserver access line
# keeps Django's format but passes the same redaction.
_LOG_FILTERS = ["client_errors_one_line", "redact_secrets"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "bms.core.logfilters.RedactSecrets"},
        "client_errors_one_line": {"()": "bms.core.logfilters.ClientErrorsOneLine"},
    },
    "formatters": {
        "plain": {"()": "bms.core.logformat.KeyValueFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "bms.core.logformat.JsonFormatter"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": _LOG_FILTERS,
                    "formatter": "json" if BMS_LOG_FORMAT == "json" else "plain"},
        "django.server": {"class": "logging.StreamHandler", "filters": _LOG_FILTERS,
                          "formatter": "json" if BMS_LOG_FORMAT == "json" else "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("BMS_LOG_LEVEL", "INFO")},
    # httpx2 logs every request URL at INFO: noise in job logs, and a URL is not for the log.
    # axes logs every login at INFO (masked, but noise); lockouts still come through as warnings.
    # "django": Django's default gives it a second console of its own (printing each line twice in
    # development) and an e-mail handler that needs ADMINS, which BMS does not set; the root's is enough.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True},
                "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
                "django.db.backends": {"level": "WARNING"}, "httpx2": {"level": "WARNING"},
                "httpx": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
