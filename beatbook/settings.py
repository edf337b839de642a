"""One settings module, read from environment variables.

DATABASE_URL      sqlite:///var/beatbook.sqlite3 (default; relative paths are
                  relative to BEATBOOK_HOME) or postgres://user@host:5432/name
BEATBOOK_HOME     where var/ lives (default: the current directory)
SECRET_KEY        required in production; otherwise kept in var/secret_key
AUDIT_KEY         key of the audit log's HMAC chain (default: SECRET_KEY)
DEBUG             "1" to enable debug pages (never in production)
WHITENOISE_USE_FINDERS  "1" to serve static files from the source folders
                  without collectstatic (default: DEBUG)
ALLOWED_HOSTS     comma-separated (default: localhost,127.0.0.1)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("BEATBOOK_HOME", os.getcwd())).resolve()
VAR_DIR = HOME / "var"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
# The audit chain is hashed with HMAC-SHA256 under AUDIT_KEY (default: the
# SECRET_KEY); keep old keys in AUDIT_KEY_FALLBACKS when rotating.
AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
AUDIT_KEY_FALLBACKS = [k for k in os.environ.get("AUDIT_KEY_FALLBACKS", "").split(",") if k]
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "beatbook.core",
    "beatbook.accounts",
    "beatbook.registry",
    "beatbook.exchange",
    "beatbook.search",
    "beatbook.visits",
    "beatbook.sensing",
    "beatbook.alerts",
    "beatbook.notify",
    "beatbook.sweeps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "beatbook.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "beatbook.urls"
WSGI_APPLICATION = "beatbook.wsgi.application"
ASGI_APPLICATION = "beatbook.asgi.application"

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
                "beatbook.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///var/beatbook.sqlite3")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    name = str(_db.get("NAME") or "var/beatbook.sqlite3")
    if name != ":memory:" and not os.path.isabs(name):
        name = str(HOME / name)
    if name != ":memory:":
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    _db["NAME"] = name
    _db["OPTIONS"] = {
        # WAL lets readers work while a writer commits; IMMEDIATE takes the
        # write lock up front so two writers queue instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The project catalogue (core, accounts, registry, shared templates); the other
# apps keep their own in <app>/locale. scripts/messages.sh turns this off while
# it extracts one app's strings so they land in that app's catalogue.
LOCALE_PATHS = [] if os.environ.get("BEATBOOK_APP_MESSAGES") else [PACKAGE_DIR / "locale"]
# apps with their own catalogue and pages, in menu order
FEATURE_APPS = ("visits", "sweeps", "sensing", "alerts", "notify", "search", "exchange")
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", HOME / "var" / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise needs the directory to exist, even before collectstatic has run.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the source folders (development) instead
# of STATIC_ROOT, whose pre-compressed copies ``beatbook serve`` collects.
WHITENOISE_USE_FINDERS = _env_bool("WHITENOISE_USE_FINDERS", DEBUG)

# --- API ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "beatbook.core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "beatbook.core.api.exception_handler",
    # clients send JSON (lists such as phones do not fit form encoding)
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Beatbook API",
    "DESCRIPTION": "Community policing platform: registry of the beat (一标三实).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # tag operations by resource (residents, flats…), not by the version prefix
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # two "status" choice sets: name each after its model's choices
    "ENUM_NAME_OVERRIDES": {
        "FlatStatusEnum": "beatbook.registry.models.FlatStatus",
        "TransferStatusEnum": "beatbook.registry.models.TransferStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# `beatbook worker` calls each of these in turn (run_once(now=, limit=) -> items done)
WORKER_JOBS = ["beatbook.alerts.worker.run_once", "beatbook.notify.worker.run_once"]
