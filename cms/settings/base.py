"""Innsikt settings: one module, every value from the environment with a safe local default.

Every variable is documented in docs/configuration.md. Production (DJANGO_DEBUG unset and
INNSIKT_ENV=production) refuses to start without SECRET_KEY.
"""

from pathlib import Path

import environ
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DATA_DIR = Path(env.str("INNSIKT_DATA_DIR", default=str(BASE_DIR / "var")))
INNSIKT_ENV = env.str("INNSIKT_ENV", default="development")
DEBUG = env.bool("DJANGO_DEBUG", default=False)

if INNSIKT_ENV == "production":
    SECRET_KEY = env.str("SECRET_KEY")  # raises ImproperlyConfigured when missing
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="insecure-local-development-key-change-me-0123456789"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", ".localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cms",
    "surveys",
    "panel",
    "research",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    "formtools",
    "anymail",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cms.middleware.CookiePolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cms.middleware.StaffSessionMiddleware",
    "cms.middleware.StaffTwoFactorMiddleware",
    "cms.middleware.AdminLoginThrottleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cms.middleware.AdminSecurityHeadersMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Last: it answers a locked account's sign-in (django-axes).
    "axes.middleware.AxesMiddleware",
]

# Staff sign-in (docs/security.md). django-axes locks an account (by user name, never by
# address alone: a library's staff share one) after repeated failures, for a pause; the
# answer is the same whether or not the name exists. Every failure and lock-out is logged.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("INNSIKT_LOGIN_FAILURES", default=5)
AXES_COOLOFF_TIME = env.int("INNSIKT_LOGIN_PAUSE_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "cms/locked_out.html"
AXES_VERBOSE = True
# django-axes warns that a lock by user name alone can be bypassed by changing browsers;
# locking by address instead would lock every researcher of a library at once (they share
# one), and behind nginx the address is the proxy's (it never forwards the client's).
# Per browser, sign-in posts are limited by INNSIKT_LOGIN_RATE_LIMIT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Sign-in posts per browser (a signed token, cms.abuse), on top of the per-account lock.
INNSIKT_LOGIN_RATE_LIMIT = env.str("INNSIKT_LOGIN_RATE_LIMIT", default="20/h")
# Two-factor sign-in (TOTP with recovery codes, django-otp; cms.two_factor): required for
# every account that uses the admin when true (production's default); the local demo
# offers it and says that it is not enforced.
INNSIKT_2FA_REQUIRED = env.bool("INNSIKT_2FA_REQUIRED", default=False)
OTP_TOTP_ISSUER = env.str("INNSIKT_2FA_ISSUER", default="Innsikt")

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite in var/ by default; DATABASE_URL (postgres://…) in production and CI.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'innsikt.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A kept connection is checked before a request reuses it, so after a database restart the
# first request opens a new one instead of failing on the dead one (cms.faults).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that needs no round trip (cms.postgresql).
    DATABASES["default"]["ENGINE"] = "cms.postgresql"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache_from_url(url: str) -> dict:
    """CACHE_URL: redis://host:port/db, or file:///path, or locmem://."""
    if url.startswith(("redis://", "rediss://")):
        return {
            "BACKEND": "cms.redis_cache.RedisCache",
            "LOCATION": url,
            # After a Redis restart a kept connection is dead: reconnect and retry at once
            # instead of failing the request. While Redis is down, fail within a second
            # ("try again in a moment", cms.faults) rather than hang.
            "OPTIONS": {
                "retry": Retry(ExponentialBackoff(cap=0.2, base=0.05), 2),
                "retry_on_error": [RedisConnectionError, RedisTimeoutError],
                "socket_connect_timeout": 1,
                "socket_timeout": 5,
            },
        }
    # The cache also holds the sessions: a memory or file cache must not cull them. Django
    # culls a third of the entries, chosen at random, once it holds 300 (MAX_ENTRIES), and
    # a busy hour of respondents (a session and a rate-limit counter each) reaches that.
    unculled = {"MAX_ENTRIES": 50_000}
    if url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": unculled}
    path = url.removeprefix("file://") if url.startswith("file://") else str(DATA_DIR / "cache")
    return {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": path,
        "OPTIONS": unculled,
    }


CACHES = {"default": _cache_from_url(env.str("CACHE_URL", default=f"file://{DATA_DIR / 'cache'}"))}
# Keeps the keys of installations (or test runs) that share one Redis database apart.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")

# Sessions live in the cache, never in the database: an anonymous respondent's in-progress
# wizard must leave no row that a database dump could line up with a stored response.
SESSION_ENGINE = "cms.session_store"  # the cache backend; a cache fault is not "no session"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Staff cookies are SameSite=Lax; a respondent's on public pages become SameSite=None;
# Secure; Partitioned over HTTPS, for the embedded survey's third-party frame on the wifi
# landing page (cms.middleware.CookiePolicyMiddleware decides per response).
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A signed-in session ends after this many minutes without a request (cms.sessions).
INNSIKT_STAFF_IDLE_MINUTES = env.int("INNSIKT_STAFF_IDLE_MINUTES", default=30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Norwegian Bokmål by default, Nynorsk at /nn/, English at /en/.
# A language is a line here and a catalogue in locale/ (docs/languages.md); names are
# autonyms, as the language switch shows them to readers of that language.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("nn", "Norsk nynorsk"), ("en", "English")]
# locale/ is the project's own (makemessages writes it); locale_wagtail/ fills in Wagtail's own
# admin strings that Wagtail's nb catalogue lacks (Wagtail has no nn one): after locale/,
# before the apps' catalogues (docs/languages.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_wagtail"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Oslo")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "static_collected"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(DATA_DIR / "media"))
# Exports and findings reports: never served directly, only through views that check
# access and log the download.
INNSIKT_PRIVATE_ROOT = env.str("INNSIKT_PRIVATE_ROOT", default=str(DATA_DIR / "private"))
# Append-only record of panel erasures (keyed hashes only, cms.erasure_journal). It lives
# outside the database so that it survives a restore, which replays it: a member erased
# after a backup was taken stays erased. Never inside MEDIA_ROOT or INNSIKT_PRIVATE_ROOT
# (a restore replaces those); copy it off the machine as often as the backups.
INNSIKT_ERASURE_JOURNAL = env.str(
    "INNSIKT_ERASURE_JOURNAL", default=str(DATA_DIR / "erasure-journal.jsonl")
)
# Passphrase that encrypts backups (manage.py backup); empty: backups are not encrypted.
# Keep a copy away from the backups: without it they cannot be restored.
INNSIKT_BACKUP_KEY = env.str("INNSIKT_BACKUP_KEY", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

WAGTAIL_SITE_NAME = "Innsikt"
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "txt", "csv", "xlsx"]

# E-mail: files in var/mail locally; EMAIL_URL (smtp://…) or an anymail backend in production.
_email = env.email_url("EMAIL_URL", default="filemail://")
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend") or env.str(
    "EMAIL_URL", default=""
).startswith("filemail"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
else:
    vars().update(_email)
    if _email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        # The same SMTP backend, able to record a message before the server accepts it.
        EMAIL_BACKEND = "cms.mail.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Innsikt <innsikt@localhost>")

# Celery: kombu's filesystem transport needs no server; CELERY_BROKER_URL for Redis/RabbitMQ.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")


def filesystem_broker_options(folder: Path) -> dict:
    """kombu's filesystem transport: queue, processed and control folders under folder."""
    for name in ("out", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "out"),
        "data_folder_out": str(folder / "out"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A publish to a broker that is down is retried once, briefly, then given up
# (cms.queueing.task_enqueue): a click waits a few seconds at most, and the job or
# invitation stays queued for a sweep to hand over when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # redis-py waits without end by default, to connect and on a connection gone silent.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "purge-expired-survey-drafts": {
        "task": "surveys.tasks.drafts_purge_expired",
        "schedule": 60 * 60,
    },
    "panel-reminders": {
        "task": "panel.tasks.reminders_dispatch",
        # Reminders that waited for a campaign's sending window go out soon after it opens.
        "schedule": 15 * 60,
    },
    "interview-reminders": {
        "task": "research.tasks.interview_reminders_dispatch",
        "schedule": 15 * 60,
    },
    "research-jobs-sweep": {
        # Exports and report PDFs whose task never reached the queue, or whose worker died.
        "task": "research.tasks.jobs_sweep",
        "schedule": 60,
        "options": {"expires": 60},
    },
    "panel-campaigns-sweep": {
        "task": "panel.tasks.campaigns_sweep",
        "schedule": 5 * 60,
    },
    "panel-retention": {
        "task": "panel.tasks.members_retention_run",
        "schedule": 24 * 60 * 60,
    },
    "purge-unconfirmed-panel-signups": {
        "task": "panel.tasks.members_purge_unconfirmed",
        "schedule": 60 * 60,
    },
    "health-heartbeat": {
        "task": "cms.tasks.heartbeat",
        # cms.health calls the worker stale after three missed beats; a heartbeat that
        # waited in the queue longer than that says nothing any more, so it expires.
        "schedule": 60,
        "options": {"expires": 3 * 60},
    },
}

# Security headers. The survey embed relaxes frame-ancestors per channel (surveys.views).
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "surveys.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    },
}
# The admin (excluded above: Wagtail's editor needs inline styles and scripts) gets what it
# tolerates, enforced, and the rest report-only (cms.middleware.AdminSecurityHeadersMiddleware).
INNSIKT_ADMIN_CSP = "frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
INNSIKT_ADMIN_CSP_REPORT_ONLY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'"
)
# Browser features no page of Innsikt uses are switched off (django-permissions-policy).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

# Innsikt's own settings.
INNSIKT_PUBLIC_BASE_URL = env.str("INNSIKT_PUBLIC_BASE_URL", default=WAGTAILADMIN_BASE_URL)
INNSIKT_MAX_TEXT_LENGTH = env.int("INNSIKT_MAX_TEXT_LENGTH", default=5000)
INNSIKT_RATE_LIMIT = env.str("INNSIKT_RATE_LIMIT", default="60/m")
# Questionnaire files (surveys.importing): the largest upload, and the time and memory the
# reading of one file may take (it runs in a child process held to both).
INNSIKT_IMPORT_MAX_BYTES = env.int("INNSIKT_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
INNSIKT_IMPORT_MAX_SECONDS = env.float("INNSIKT_IMPORT_MAX_SECONDS", default=20.0)
INNSIKT_IMPORT_MAX_MEMORY_MB = env.int("INNSIKT_IMPORT_MAX_MEMORY_MB", default=300)
# The panel's public forms that send mail (sign-up, the "my data" link), per browser token.
INNSIKT_PANEL_RATE_LIMIT = env.str("INNSIKT_PANEL_RATE_LIMIT", default="10/h")
# At most this many mails a day to one address from those forms (cms.abuse).
INNSIKT_MAILS_PER_ADDRESS = env.int("INNSIKT_MAILS_PER_ADDRESS", default=3)
# Key for the keyed hash (HMAC-SHA256) of library card numbers; cards are never stored in
# clear. Changing it makes earlier hashes unmatchable, so keep it with the backups.
INNSIKT_CARD_HMAC_KEY = env.str("INNSIKT_CARD_HMAC_KEY", default=SECRET_KEY)
# Key of the pseudonyms panel members' answers carry (panel.pseudonyms). Keep it stable.
INNSIKT_PSEUDONYM_KEY = env.str("INNSIKT_PSEUDONYM_KEY", default=SECRET_KEY)
# Panel contact governance defaults (panel.eligibility).
INNSIKT_CONTACT_COOLDOWN_DAYS = env.int("INNSIKT_CONTACT_COOLDOWN_DAYS", default=30)
INNSIKT_CONTACT_MAX_PER_PERIOD = env.int("INNSIKT_CONTACT_MAX_PER_PERIOD", default=3)
INNSIKT_CONTACT_PERIOD_DAYS = env.int("INNSIKT_CONTACT_PERIOD_DAYS", default=90)
# A member who missed this many booked interviews gets no more interview invitations.
INNSIKT_INTERVIEW_MAX_NO_SHOWS = env.int("INNSIKT_INTERVIEW_MAX_NO_SHOWS", default=2)
# How long a worker's claim on a chunk of invitations holds before another may take it
# over (it must outlast sending one chunk); the sweep re-sends after three leases.
INNSIKT_SEND_LEASE_SECONDS = env.int("INNSIKT_SEND_LEASE_SECONDS", default=300)
# An export or report PDF being made renews its lease (a heartbeat) every third of this;
# a job whose lease ran out lost its worker, and the sweep (research.tasks.jobs_sweep,
# every minute) runs it again — three attempts at most.
INNSIKT_JOB_LEASE_SECONDS = env.int("INNSIKT_JOB_LEASE_SECONDS", default=180)
# A queued job not started this long after it was handed to the task queue is handed
# over again by the sweep, and the admin says it is waiting.
INNSIKT_JOB_REQUEUE_SECONDS = env.int("INNSIKT_JOB_REQUEUE_SECONDS", default=60)

# Logs go to stderr (the journal) as text or as one JSON object a line (LOG_FORMAT). Every
# record — Django's, gunicorn's and Celery's (cms.celery) — passes one handler, whose filter
# (cms.logging_privacy) removes e-mail addresses, tokens, query strings and IP addresses.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise environ.ImproperlyConfigured("LOG_FORMAT must be text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"privacy": {"()": "cms.logging_privacy.PrivacyFilter"}},
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["privacy"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's and gunicorn's defaults give these handlers of their own that bypass the
        # filter (Django's mail_admins would even mail a failing request's details): their
        # records go to the root's handler instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "gunicorn.error": {"handlers": [], "propagate": True},
        "gunicorn.access": {"handlers": [], "propagate": True},
        # At DEBUG these write SQL parameters and template contexts, i.e. answers and
        # addresses, which no filter can tell from other text: never below INFO.
        "django.db.backends": {"level": "INFO"},
        "django.template": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# Health (cms.health, docs/deploy.md "Monitoring"): /health/ answers a request carrying
# this token (Authorization: Bearer …) with every check's details; empty: no token works.
INNSIKT_HEALTH_TOKEN = env.str("INNSIKT_HEALTH_TOKEN", default="")
# Below this many MB free where Innsikt writes (data, private files, media), health warns.
INNSIKT_HEALTH_MIN_FREE_MB = env.int("INNSIKT_HEALTH_MIN_FREE_MB", default=500)

DATA_DIR.mkdir(parents=True, exist_ok=True)
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
