"""Settings shared by every environment. Environment-specific modules import this."""

import os
from pathlib import Path

import dj_database_url
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from config.navigation import SIDEBAR_NAVIGATION

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    # Japanese for the third-party apps that ship none; first so it wins.
    "ui_ja",
    "config.apps.UnfoldConfig",  # unfold with Kokyaku's admin site (config/admin_site.py)
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "unfold.contrib.guardian",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "guardian",
    "config.apps.AxesConfig",  # django-axes, named in Japanese
    "django_tasks_db",
    "fieldconfig",
    "crm",
    "audit",
    "printouts",
    "jobs",
    "dataio",
    "events",
    "scheduling",
    "ops",
    "orders",
    "points",
    "api",
    "workflow",
    "mailing",
    "inquiry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database outage answers the Japanese 503 page (templates/503.html), not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
    # Static files without a separate web server (make run, and behind a plain proxy).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Request size and per-user rate limits on exports, prints and imports (ops/limits.py).
    "ops.limits.LimitsMiddleware",
    "config.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "fieldconfig.middleware.FieldConfigMiddleware",
    "audit.middleware.DeniedRequestAuditMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A kept connection is checked before a request uses it: one a database restart broke is
        # replaced, not handed to the request (issue 24 point 4).
        conn_health_checks=True,
    )
}
# psycopg's connection pool (issue 24 point 4), PostgreSQL only: DB_POOL_MAX_SIZE=N gives each process
# (a gunicorn worker and its threads, a jobs worker) a pool of at most N connections, opened lazily after
# the fork, each checked before it is handed out (CONN_HEALTH_CHECKS) so one a restart broke is replaced.
# Pooled connections are not also persistent: CONN_MAX_AGE is 0 then. When to turn it on:
# docs/operations.md. DB_POOL_MIN_SIZE (1) connections stay open; a request waits at most
# DB_POOL_TIMEOUT seconds (5) for one, then gets the 503 page (config/middleware.py).
DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", "0") or 0)
if DB_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(int(os.environ.get("DB_POOL_MIN_SIZE", "1")), DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "5")),
        "name": "kokyaku",
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # template0 keeps the test database UTF-8 with the cluster's LC_CTYPE (Japanese trigrams).
    DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
    # JIT compiles plans whose estimated cost is high (a search over a million customers) and
    # spent 0.7-1.7 s doing so on queries that run in milliseconds: off for this OLTP workload.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a long import writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # SQLite has one writer: while a background import commits, other writes wait (not fail).
    DATABASES["default"]["OPTIONS"]["timeout"] = int(os.environ.get("SQLITE_BUSY_SECONDS", "60"))

# Field labels are cached here, shared by every server process (see fieldconfig/lookup.py), with the
# rate limits (ops/ratelimit.py). "jobs" carries the live progress of background jobs between worker and
# web (jobs/progress.py). One machine: the database and a folder. Several app servers or workers
# (docs/operations.md): REDIS_URL=redis://host:6379/0 puts both in Redis.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": "kokyaku"},
        "jobs": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                 "KEY_PREFIX": "kokyaku-jobs"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kokyaku_cache",
        },
        "jobs": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("JOBS_PROGRESS_DIR", str(BASE_DIR / "var" / "job-progress")),
        },
    }

# Background work (imports, big exports and prints, merges): Django's Tasks framework on
# django-tasks-db's database queue; `python manage.py db_worker` runs the jobs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running job's lease (jobs/lease.py): renewed by its worker every third of it; a job whose worker
# stopped renewing is taken back (run again while it has attempts left, else failed) by another worker.
JOBS_LEASE_SECONDS = float(os.environ.get("JOBS_LEASE_SECONDS", "30"))
JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "2"))
# A task that is not a job (the periodic run) holds no lease: a row running longer than this is closed by
# the reaper as its worker's death (jobs/reaper.py).
TASK_STALE_SECONDS = float(os.environ.get("TASK_STALE_SECONDS", "600"))
# C11: the worker's periodic run of the due scheduled changes (scheduling/tasks.py).
SCHEDULED_CHANGES_INTERVAL_MINUTES = int(os.environ.get("SCHEDULED_CHANGES_INTERVAL_MINUTES", "10"))

# Mail (W1 handoffs: workflow/mail.py, through the outbox): Django's EMAIL_* settings, set only when
# the environment gives them (Django 6.1 deprecates them for MAILERS and warns when they are set);
# unset, `make run` and `make dev` print mail on the worker's console (office.py, dev.py); prod: SMTP.
# docs/operations.md.
for _name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "DEFAULT_FROM_EMAIL",
              "EMAIL_FILE_PATH"):
    if _name in os.environ:
        globals()[_name] = os.environ[_name]
for _name in ("EMAIL_PORT", "EMAIL_TIMEOUT"):
    if _name in os.environ:
        globals()[_name] = int(os.environ[_name])
if "EMAIL_USE_TLS" in os.environ:
    EMAIL_USE_TLS = os.environ["EMAIL_USE_TLS"] == "1"
KOKYAKU_BASE_URL = os.environ.get("KOKYAKU_BASE_URL", "")
KOKYAKU_MAIL_DOMAIN = os.environ.get("KOKYAKU_MAIL_DOMAIN", "kokyaku.local")

AUTH_USER_MODEL = "crm.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "/admin/"
# Sessions end after this many idle seconds (the expiry slides with each request) and when
# the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(2 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# One date display everywhere in Japanese: 2026/02/06 and 2026/02/06 14:05 (config/formats/ja).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checked view
# Attachments and job files: a folder every app server and worker sees (an NFS mount with several
# machines). Or S3-compatible storage, by setting S3_BUCKET (needs `pip install django-storages[s3]`;
# credentials from the usual AWS_* environment): same-named files are never overwritten.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# An attachment is refused at its field when it would leave less than this free on MEDIA_ROOT's disk.
MEDIA_RESERVE_BYTES = int(os.environ.get("MEDIA_RESERVE_BYTES", str(100 * 1024 * 1024)))
STORAGES = {
    # FileSystemStorage writing each file whole or not at all (a full disk leaves no partial file).
    "default": {"BACKEND": "ops.storage.SafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["S3_BUCKET"], "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
        "file_overwrite": False, "default_acl": "private", "querystring_auth": True,
    }}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Attachments on contact histories (H1).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_EXTENSIONS = [
    "pdf", "xlsx", "xls", "xlsm", "csv", "docx", "doc", "pptx", "ppt", "txt",
    "png", "jpg", "jpeg", "gif", "webp", "heic",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Any request body beyond this is refused at once (413): an import file of 100,000 rows is ~20 MB.
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(64 * 1024 * 1024)))

# Per-user rate limits (ops/limits.py): POSTs to these screens, at most `limit` per `per` seconds,
# counted in the default cache (shared by every app server).
RATE_LIMITS = {
    "export": {"limit": int(os.environ.get("RATE_LIMIT_EXPORTS", "30")), "per": 600,
               "urls": ["dataio_exportjob_add", "crm_product_export", "audit_auditevent_export_csv"]},
    "print": {"limit": int(os.environ.get("RATE_LIMIT_PRINTS", "30")), "per": 600,
              "urls": ["crm_customer_print", "crm_customer_print_list"]},
    "import": {"limit": int(os.environ.get("RATE_LIMIT_IMPORTS", "20")), "per": 600,
               "urls": ["dataio_importjob_add", "dataio_importjob_recheck", "dataio_importjob_write",
                        "crm_product_import", "crm_product_process_import"]},
}

# The public web forms (I1, inquiry/; docs/operations.md): posts per client address, counted in the shared
# cache as the rate limits above; the client's address is REMOTE_ADDR unless INQUIRY_TRUSTED_PROXY_COUNT
# says how many trusted proxies in front append to X-Forwarded-For. A post sooner than MIN_SECONDS after
# the page was made, or later than MAX_AGE_SECONDS, is refused; so is a body over MAX_BODY_BYTES.
# INQUIRY_FRAME_ANCESTORS: the origins (https://www.example.co.jp) allowed to show the forms in a frame.
RATE_LIMITS["inquiry"] = {"limit": int(os.environ.get("INQUIRY_RATE_LIMIT", "10")),
                          "per": int(os.environ.get("INQUIRY_RATE_PER", "600")), "urls": []}
INQUIRY_TRUSTED_PROXY_COUNT = int(os.environ.get("INQUIRY_TRUSTED_PROXY_COUNT", "0"))
INQUIRY_MIN_SECONDS = float(os.environ.get("INQUIRY_MIN_SECONDS", "3"))
INQUIRY_MAX_AGE_SECONDS = int(os.environ.get("INQUIRY_MAX_AGE_SECONDS", str(2 * 3600)))
INQUIRY_MAX_BODY_BYTES = int(os.environ.get("INQUIRY_MAX_BODY_BYTES", str(32 * 1024)))
INQUIRY_FRAME_ANCESTORS = [o.strip() for o in os.environ.get("INQUIRY_FRAME_ANCESTORS", "").split(",") if o.strip()]
# A refused CSRF check on a public form gets its neutral page; elsewhere Django's (config/views.py).
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# History: the user may type a purpose (更新目的) which simple-history stores as the change reason.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = False

# django-axes: lockout after repeated failures (issue 4 refines the policy).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = True
# Behind a reverse proxy (several app servers behind one balancer) every client would share the proxy's
# address: AXES_PROXY_COUNT=1 takes the client's from X-Forwarded-For, as the proxy sets it.
if os.environ.get("AXES_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["AXES_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Export is a permission of its own, not implied by view.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_USE_TRANSACTIONS = True  # an import with one bad row writes nothing
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = False

GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None

UNFOLD = {
    "SITE_TITLE": _("Kokyaku customer management"),
    "SITE_HEADER": _("Kokyaku"),
    "SITE_SYMBOL": "contacts",
    # No site besides these screens: "/" leads here, so the login page's 「サイトに戻る」 led back to the
    # login (issue 22, point 22). None: no such link on any page.
    "SITE_URL": None,
    "SHOW_LANGUAGES": True,
    "STYLES": [lambda request: static("kokyaku/kokyaku.css")],
    "SHOW_HISTORY": True,
    "DASHBOARD_CALLBACK": "crm.views.dashboard_callback",
    
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": SIDEBAR_NAVIGATION,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
