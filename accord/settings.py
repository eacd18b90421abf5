"""Accord settings, read from the environment.

Every value comes from an ``ACCORD_*`` (or conventional) environment variable through the
typed helpers below; secrets may also come from a file named by ``<NAME>_FILE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from accord.core.datadir import data_dir

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME``, or from the file whose path is in ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


PRODUCTION = env_str("ACCORD_ENV", "development") == "production"
TESTING = env_bool("ACCORD_TESTING", "PYTEST_VERSION" in os.environ)
# Never on by default: a DEBUG page shows settings and tracebacks. `make run` asks for it.
DEBUG = env_bool("ACCORD_DEBUG", False)

# Settings write nothing: `accord init` (accord/core/datadir.py) makes the data folder and the
# development secret key; `make run`, `make test` and `accord serve` run it.
DATA_DIR = data_dir()


def _secret_key() -> str:
    key = env_secret("ACCORD_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("ACCORD_SECRET_KEY (or ACCORD_SECRET_KEY_FILE) must be set in production")
    # Development: the key `accord init` keeps in the data folder so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    # Tests run without one; anything else is stopped by the check core.E001 (run `accord init`).
    return "accord-tests-only-not-a-secret" if TESTING else ""


SECRET_KEY = _secret_key()
# Key material for secrets stored in the database (channel tokens, SMTP passwords).
FIELD_ENCRYPTION_KEY = env_secret("ACCORD_FIELD_ENCRYPTION_KEY", "")

ALLOWED_HOSTS = env_list("ACCORD_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ACCORD_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("ACCORD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "accord.core",
    "accord.tenancy",
    "accord.audit",
    "accord.web",
    "accord.crm",
    "accord.projects",
    "accord.comms",
    "accord.reports",
    "accord.meetings",
    "accord.needs",
    "accord.playbooks",
    "accord.risks",
    "accord.changes",
    "accord.portal",
    "accord.service",
    "accord.feedback",
    "accord.evaluation",
    "accord.dataio",
    "accord.api",
    "accord.ops",
    "accord.privacy",
]

MIDDLEWARE = [
    # First: the request id covers every log line; probes are answered before the host check
    # and the HTTPS redirect.
    "accord.ops.middleware.RequestIdMiddleware",
    "accord.ops.middleware.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "accord.web.csp.NonceCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.tenancy.middleware.MembershipMiddleware",
    "accord.portal.middleware.PortalLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.web.context.accord",
                "csp.context_processors.nonce",
            ],
            "builtins": ["accord.web.templatetags.accord"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("ACCORD_DB_CONN_MAX_AGE", 60))
    }
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["TEST"] = {"NAME": env_str("ACCORD_TEST_DB_NAME", "") or None}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("ACCORD_SQLITE_PATH", str(DATA_DIR / "accord.sqlite3")),
            # Opening SQLite reads the whole schema (and runs the pragmas below): about 7 ms of
            # CPU per request on a 2-core server when each request opens its own connection.
            "CONN_MAX_AGE": env_int("ACCORD_DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "tenancy:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "tenancy:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing cost is not under test outside the tests that say so.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# --- Accounts: sign-in throttling, client address, password reset, API limits -----------------
AXES_FAILURE_LIMIT = env_int("ACCORD_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
# Either parameter alone locks: one account from any address, or one address against any account
# (a password sprayed over many accounts).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accord.tenancy.lockout.AccountAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "accord.tenancy.clientip.client_ip"
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form field that carries the e-mail
AXES_LOCKOUT_TEMPLATE = "tenancy/locked_out.html"
AXES_ENABLED = env_bool("ACCORD_AXES_ENABLED", True)
# Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed; none by default.
ACCORD_TRUSTED_PROXIES = env_list("ACCORD_TRUSTED_PROXIES", [])
PASSWORD_RESET_TIMEOUT = env_int("ACCORD_PASSWORD_RESET_SECONDS", 3600)
# Password-reset requests per hour, per account and per client address.
ACCORD_PASSWORD_RESET_PER_ACCOUNT = env_int("ACCORD_PASSWORD_RESET_PER_ACCOUNT", 3)
ACCORD_PASSWORD_RESET_PER_IP = env_int("ACCORD_PASSWORD_RESET_PER_IP", 20)
# Wrong two-factor codes allowed per account within 15 minutes.
ACCORD_TWO_FACTOR_ATTEMPTS = env_int("ACCORD_TWO_FACTOR_ATTEMPTS", 5)
# API requests per minute, per token and per client address (0: no limit). Counted in Django's
# cache; the tests turn them on where they are under test.
ACCORD_API_RATE_PER_TOKEN = env_int("ACCORD_API_RATE_PER_TOKEN", 0 if TESTING else 600)
ACCORD_API_RATE_PER_IP = env_int("ACCORD_API_RATE_PER_IP", 0 if TESTING else 1200)
# --- end of accounts ------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
# "en" (what older preferences hold) reads as English (United States); en-gb differs in formats only.
LANGUAGES = [
    ("en-us", _("English (United States)")),
    ("en-gb", _("English (United Kingdom)")),
    ("zh-hans", _("Simplified Chinese")),
]
FORMAT_MODULE_PATH = ["accord.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    # Uploads are written to a temporary file and moved into place: no partial file on a full disk.
    "default": {"BACKEND": "accord.ops.storage.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Request limits: a body over this is refused with 400/413, never read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ACCORD_MAX_BODY_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
ACCORD_MAX_UPLOAD_BYTES = env_int("ACCORD_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Mail
EMAIL_BACKEND = env_str("ACCORD_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("ACCORD_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("ACCORD_SMTP_PORT", 1025)
EMAIL_HOST_USER = env_str("ACCORD_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_secret("ACCORD_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ACCORD_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("ACCORD_SMTP_SSL", False)
EMAIL_TIMEOUT = env_int("ACCORD_SMTP_TIMEOUT", 15)
DEFAULT_FROM_EMAIL = env_str("ACCORD_FROM_EMAIL", "Accord <accord@localhost>")
# The List-Id namespace of bulk mail (RFC 2919): <surveys.ORGSLUG.THIS>; the BASE_URL's host if empty.
ACCORD_LIST_ID_DOMAIN = env_str("ACCORD_LIST_ID_DOMAIN", "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: the django-tasks API, on the database by default, on RQ with REDIS_URL.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    # `accord worker` and `manage.py rqworker` both record a heartbeat that /readyz reads.
    RQ = {"WORKER_CLASS": "accord.ops.rqworker.HeartbeatWorker"}
elif env_str("ACCORD_TASKS_BACKEND", "immediate" if TESTING else "") == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Outgoing HTTP (webhooks, IM channels)
ACCORD_WEBHOOK_TIMEOUT = env_int("ACCORD_WEBHOOK_TIMEOUT", 10)
# Where organisations' webhooks, IM channels and SMTP servers may point is the operator's choice,
# never an organisation's: private and loopback addresses are refused unless allowed here (all of
# them, or the listed networks). Link-local and cloud metadata addresses are refused always.
ACCORD_OUTBOUND_ALLOW_PRIVATE = env_bool("ACCORD_OUTBOUND_ALLOW_PRIVATE", False)
ACCORD_OUTBOUND_ALLOWED_NETWORKS = env_list("ACCORD_OUTBOUND_ALLOWED_NETWORKS", []) + env_list(
    "ACCORD_WEBHOOK_ALLOWLIST",
    [],  # the older name of the same setting
)
# The ports an organisation's own SMTP server may listen on.
ACCORD_OUTBOUND_SMTP_PORTS = [
    int(port) for port in env_list("ACCORD_OUTBOUND_SMTP_PORTS", ["25", "465", "587", "2525"])
]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Scripts only from Accord's own static files or carrying the page's nonce; no inline event
# handlers, no eval (htmx runs with allowEval off). Styles allow 'unsafe-inline' (and only
# styles): templates size progress bars and the like with style="" attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ACCORD_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("ACCORD_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = ["security.W008"] if not SECURE_SSL_REDIRECT else []

# --- Operations: health, metrics, logging, retention ---------------------------------------
# Addresses that may read /readyz and /metrics (and reach them over plain HTTP).
ACCORD_HEALTH_ALLOWLIST = env_list("ACCORD_HEALTH_ALLOWLIST", ["127.0.0.0/8", "::1/128"])
# Proxies whose X-Request-ID (and forwarded headers) are believed.
ACCORD_TRUSTED_PROXIES = env_list("ACCORD_TRUSTED_PROXIES", [])
ACCORD_METRICS_TOKEN = env_secret("ACCORD_METRICS_TOKEN", "")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
ACCORD_WORKER_HEARTBEAT_MAX_AGE = env_int("ACCORD_WORKER_HEARTBEAT_MAX_AGE", 120)
ACCORD_WORKER_MAX_BACKOFF = env_int("ACCORD_WORKER_MAX_BACKOFF", 30)
ACCORD_READY_MAX_QUEUE = env_int("ACCORD_READY_MAX_QUEUE", 1000)
ACCORD_READY_MAX_OUTBOX_AGE = env_int("ACCORD_READY_MAX_OUTBOX_AGE", 1800)
ACCORD_READY_MIN_FREE_MB = env_int("ACCORD_READY_MIN_FREE_MB", 200)
ACCORD_REQUIRE_STATIC_MANIFEST = env_bool("ACCORD_REQUIRE_STATIC_MANIFEST", PRODUCTION)
ACCORD_TASK_RESULT_RETENTION_DAYS = env_int("ACCORD_TASK_RESULT_RETENTION_DAYS", 14)
ACCORD_OUTBOX_BODY_RETENTION_DAYS = env_int("ACCORD_OUTBOX_BODY_RETENTION_DAYS", 90)
# Days between an owner asking to delete an organisation and its deletion (cancellable meanwhile).
ACCORD_ORG_DELETE_GRACE_DAYS = env_int("ACCORD_ORG_DELETE_GRACE_DAYS", 14)
ACCORD_IMPORT_TIMEOUT_SECONDS = env_int("ACCORD_IMPORT_TIMEOUT_SECONDS", 3600)
ACCORD_LOG_FORMAT = env_str("ACCORD_LOG_FORMAT", "text")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "accord.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "accord.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if ACCORD_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("ACCORD_LOG_LEVEL", "WARNING")},
    "loggers": {"accord": {"level": env_str("ACCORD_LOG_LEVEL", "INFO")}},
}
