"""Settings for the benchmark (bench/run.py): Innsikt's base settings on PostgreSQL and Redis,
plus a stock Wagtail form page app and a constant-200 view to compare against.

The database and cache come from BENCH_DATABASE_URL and BENCH_CACHE_URL, not DATABASE_URL and
CACHE_URL, so a shell that has the development or production database exported can never
point the benchmark (which creates pages and flushes its cache) at it.
"""

import os

import environ

from cms.settings.base import *  # noqa: F403
from cms.settings.base import BASE_DIR, INSTALLED_APPS, _cache_from_url
from cms.settings.base import DATABASES as _BASE_DATABASES

_env = environ.Env()
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/innsikt_bench"
)
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")

DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "wagtail.contrib.forms", "bench.formpage"]

DATABASES = {"default": _env.db_url_config(BENCH_DATABASE_URL)}
# Persistent connections, as in production (DB_CONN_MAX_AGE defaults to 60 there too), and
# production's health check of a reused connection (a SELECT 1 before a request's first query).
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = _BASE_DATABASES["default"].get(
    "CONN_HEALTH_CHECKS", False
)
DATABASES["default"]["ENGINE"] = "cms.postgresql"  # production's PostgreSQL backend
CACHES = {"default": _cache_from_url(BENCH_CACHE_URL)}

# Production's static storage (hashed names from a manifest), collected into bench/.static.
STATIC_ROOT = str(BASE_DIR / "bench" / ".static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

# The load tool answers from a handful of browsers at thousands of requests a minute.
INNSIKT_RATE_LIMIT = "100000000/m"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
