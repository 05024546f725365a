"""Innsikt settings: one module, every value from the environment with a safe local default.

Every variable is documented in docs/configuration.md. Production (DJANGO_DEBUG unset and
INNSIKT_ENV=production) refuses to start without SECRET_KEY.
"""

from pathlib import Path

import environ

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
    "cms.middleware.PartitionedCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

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
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache_from_url(url: str) -> dict:
    """CACHE_URL: redis://host:port/db, or file:///path, or locmem://."""
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    path = url.removeprefix("file://") if url.startswith("file://") else str(DATA_DIR / "cache")
    return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": path}


CACHES = {"default": _cache_from_url(env.str("CACHE_URL", default=f"file://{DATA_DIR / 'cache'}"))}

# Sessions live in the cache, never in the database: an anonymous respondent's in-progress
# wizard must leave no row that a database dump could line up with a stored response.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Embedded surveys run in a third-party iframe (a wifi landing page); their cookies must be
# sent cross-site, which browsers only allow for Secure cookies with SameSite=None.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Norwegian Bokmål by default, English at /en/.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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

# Innsikt's own settings.
INNSIKT_PUBLIC_BASE_URL = env.str("INNSIKT_PUBLIC_BASE_URL", default=WAGTAILADMIN_BASE_URL)
INNSIKT_MAX_TEXT_LENGTH = env.int("INNSIKT_MAX_TEXT_LENGTH", default=5000)
INNSIKT_RATE_LIMIT = env.str("INNSIKT_RATE_LIMIT", default="60/m")
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

DATA_DIR.mkdir(parents=True, exist_ok=True)
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
