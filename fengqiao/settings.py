"""Settings from environment variables, with safe defaults for the embedded SQLite start.

FENGQIAO_DATA_DIR     where the embedded database, uploads and the generated secret live
DATABASE_URL          PostgreSQL (postgres://...) instead of the embedded SQLite
FENGQIAO_SECRET_KEY   the signing key; generated once into the data directory if unset
FENGQIAO_DEBUG        "1" for development tracebacks (never in production)
FENGQIAO_ALLOWED_HOSTS comma-separated host names (default: localhost only)
FENGQIAO_HTTPS        "1" when served over HTTPS: secure cookies, redirect to HTTPS, HSTS
FENGQIAO_CACHE_DIR    where triage keeps its trained model (default: the user cache directory)
FENGQIAO_MAX_REQUEST_BYTES the largest request body taken (default 50 MB; larger: 413)
FENGQIAO_DB_POOL      PostgreSQL: a pool of this many connections per process (`fengqiao serve`)
FENGQIAO_PG_PREPARE   PostgreSQL: prepare a statement after this many runs on a connection
                      (default 5; 0 behind a transaction-mode pooler such as PgBouncer)
FENGQIAO_COLUMNAR_MAX_AGE seconds a columnar copy of the figures is used (default 1 day)
FENGQIAO_CONN_MAX_AGE seconds a PostgreSQL connection is kept between requests (default 60)
FENGQIAO_FACTS_DELAY  seconds the figures may lag a commit (default 1; 0: in the request)
FENGQIAO_FACTS_BY     who refreshes them then: "process" (a thread of the committing process,
                      the default) or "tasks" (the task worker; `fengqiao serve` sets it for
                      its web workers when it runs one)
FENGQIAO_IMPORT_UPLOAD_MAX_AGE seconds an uploaded import file not yet imported is kept
                      (default 1 day; then the retention sweep deletes it)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import platformdirs
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(
    os.environ.get("FENGQIAO_DATA_DIR") or platformdirs.user_data_dir("fengqiao", appauthor=False)
)


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    configured = os.environ.get("FENGQIAO_SECRET_KEY")
    if configured:
        return configured
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("FENGQIAO_DEBUG")
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("FENGQIAO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "fengqiao.audit",
    "fengqiao.places",
    "fengqiao.org",
    "fengqiao.registry",
    "fengqiao.disputes",
    "fengqiao.intake",
    "fengqiao.community",
    "fengqiao.dispatch",
    "fengqiao.services",
    "fengqiao.outreach",
    "fengqiao.analytics",
    "fengqiao.home",
    "fengqiao.demo",
    "fengqiao.upgrades",
    "fengqiao.backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fengqiao.org.middleware.EndRefusedSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "fengqiao.audit.middleware.AuditOriginMiddleware",
    "axes.middleware.AxesMiddleware",
    "fengqiao.request_size.RequestSizeMiddleware",
    "fengqiao.errors.ConflictMiddleware",
]

ROOT_URLCONF = "fengqiao.urls"
WSGI_APPLICATION = "fengqiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------
# SQLite settings follow DESIGN.md §4: WAL, synchronous=NORMAL, a busy timeout, IMMEDIATE
# transactions so a write never upgrades a read lock, and no mmap_size.
SQLITE_PATH = DATA_DIR / "fengqiao.sqlite3"
if os.environ.get("DATABASE_URL"):
    # `fengqiao serve` sets FENGQIAO_CONN_MAX_AGE=0 for its ASGI workers: each request runs
    # in a thread of its own there, so a kept connection is never reused, only left open.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("FENGQIAO_CONN_MAX_AGE", 60)),
        )
    }
    # Parameters bound by the server, and a statement a connection has run five times
    # prepared, so PostgreSQL stops planning it again: planning was 1.2 ms of the routing
    # query's 1.4 in a report (bench/intake.py). Django leaves preparing off unless asked,
    # for poolers that hand each transaction another server connection; behind one, set
    # FENGQIAO_PG_PREPARE=0.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = True
    options["prepare_threshold"] = int(os.environ.get("FENGQIAO_PG_PREPARE", 5)) or None
    # FENGQIAO_DB_POOL=N (set by `fengqiao serve` for its ASGI workers): a pool of at most N
    # connections per process instead, so a request borrows one rather than opening its own
    # (about 11 ms each here). Django requires CONN_MAX_AGE 0 with a pool.
    if int(os.environ.get("FENGQIAO_DB_POOL") or 0) > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ["FENGQIAO_DB_POOL"]),
            "timeout": 30,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": 5,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fengqiao.org.permissions.RolePermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = _env_flag("FENGQIAO_AXES", default=True)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS (directly or via a proxy that sets X-Forwarded-Proto), everything is HTTPS-only;
# `fengqiao manage check --deploy` is then clean. The demo on 127.0.0.1 is plain HTTP.
HTTPS = _env_flag("FENGQIAO_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("FENGQIAO_HSTS_SECONDS", 60 * 60 * 24 * 365))
    # Not for every subdomain and not preloaded: on a police intranet the parent domain
    # hosts other agencies' systems, and browser preload lists serve the public internet.
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Everything is self-hosted: police networks are isolated intranets with no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        # The service worker (/sw.js) and the web app manifest: our own files only.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("FENGQIAO_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# fengqiao itself is not an app, so its own static folder (site.css, vendored htmx) is named.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise serves from the package (finders) and only warns when this folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the package's static folders, so a fresh install needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# The largest request body taken (the report form: six photos of 8 MB and its fields);
# a larger one is refused (413) before it is read.
MAX_REQUEST_BYTES = int(os.environ.get("FENGQIAO_MAX_REQUEST_BYTES", 50 * 1024 * 1024))

# Province-wide figures are read from a columnar copy of the daily facts (made nightly by
# `fengqiao manage export_columnar`) while it is younger than this; older, from the facts.
COLUMNAR_MAX_AGE = int(os.environ.get("FENGQIAO_COLUMNAR_MAX_AGE", 24 * 60 * 60))

# The daily facts behind the figures follow each commit this many seconds later, refreshed
# together by one thread per process (analytics.facts), so a busy intake pays for one
# refresh per second, not one per report. 0 refreshes them in the request that committed.
FACTS_DELAY = float(os.environ.get("FENGQIAO_FACTS_DELAY", 1.0))
# With "tasks" that thread only hands the keys to the task worker (one queued task a
# second), so web workers spend their CPU on requests; the figures then lag by the
# worker's poll as well.
FACTS_BY = os.environ.get("FENGQIAO_FACTS_BY", "process")
if FACTS_BY not in ("process", "tasks"):
    raise ImproperlyConfigured(f'FENGQIAO_FACTS_BY must be "process" or "tasks", not {FACTS_BY!r}')

# An uploaded import file holds full ID numbers and phones in clear: it is kept only until
# its import commits, and one never committed is deleted by the retention sweep
# (`sweep_import_uploads`, run by the periodic jobs) once it is this many seconds old.
IMPORT_UPLOAD_MAX_AGE = int(os.environ.get("FENGQIAO_IMPORT_UPLOAD_MAX_AGE", 24 * 60 * 60))

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "fengqiao.org.authentication.OnDutyTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fengqiao.org.api_permissions.StaffWithRolePermissions"],
    "DEFAULT_PARSER_CLASSES": [
        "fengqiao.api_parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "fengqiao.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fengqiao API",
    "DESCRIPTION": _("枫桥：社区警务与矛盾纠纷化解平台 API"),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fengqiao.api_schema.add_error_responses",
    ],
    # Several fields are called "kind" (a report's, a party's, a hand-off's): each set of
    # choices gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "PartyKindEnum": "fengqiao.disputes.models.cases.Party.Kind",
        "HandoffKindEnum": "fengqiao.disputes.models.ladder.Handoff.Kind",
        "OutreachEventKindEnum": "fengqiao.outreach.models.OutreachEvent.Kind",
        "FraudLevelEnum": "fengqiao.outreach.models.FraudWarning.Level",
        "FraudOutcomeEnum": "fengqiao.outreach.models.FraudWarning.Outcome",
        "FraudMethodEnum": "fengqiao.outreach.models.FraudWarning.Method",
        # Services have channels of their own (online, kiosk, window, door); intake's stay
        # ChannelEnum.
        "ServiceChannelEnum": "fengqiao.services.models.Channel",
        "ServiceActionEnum": "fengqiao.services.api.ACTIONS",
        "ChannelEnum": "fengqiao.api_schema.channel_choices",
        "StateEnum": "fengqiao.api_schema.case_state_choices",
        "LevelEnum": "fengqiao.api_schema.region_level_choices",
        "ActionEnum": "fengqiao.disputes.api.ACTIONS",
        "OutcomeEnum": "fengqiao.disputes.models.ladder.Handoff.Outcome",
        # The registry's choices, read and written (registry.edit_api).
        "EstablishmentKindEnum": "fengqiao.registry.models.Establishment.Kind",
        "HouseUseEnum": "fengqiao.registry.models.House.Use",
        "EndReasonEnum": "fengqiao.registry.models.END_REASON_CHOICES",
        "RegistryChangeStatusEnum": "fengqiao.registry.models.RegistryChange.Status",
    },
}

# Background work: a database queue, so one machine needs no extra server; run
# `fengqiao manage db_worker` beside the web process (or cron `check_deadlines`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FENGQIAO_LOG_LEVEL", "WARNING")},
}
