"""Test overlay: fast hashing, mail kept in memory, everything else as in base."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR, _cache_from_url, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail stays in memory unless a test process is given a real server (EMAIL_URL), as the
# Celery worker of the integration tests is (aiosmtpd).
if not env.str("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = str(DATA_DIR / "test-media")
# Rate limiting is exercised by its own test with a low limit.
INNSIKT_RATE_LIMIT = "100000/m"

# Without CACHE_URL, tests keep their cache in memory: the file cache in var/ is shared with
# any other process on the machine (a running bin/run, another test run).
if not env.str("CACHE_URL", default=""):
    CACHES = {"default": _cache_from_url("locmem://")}

# A real Celery worker (tests/integration) runs in another process: it must share the test
# database (so SQLite tests use a file, not memory) and the broker's queue.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # One file per test process, so two test runs on one machine never share it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(DATA_DIR / f"test-innsikt-{os.getpid()}.sqlite3")
    }
if CELERY_BROKER_URL == "filesystem://":  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "celery-test")  # noqa: F405
INNSIKT_PANEL_RATE_LIMIT = "100000/h"
# Erasures made by tests are journaled apart from a developer's own journal in var/.
if not env.str("INNSIKT_ERASURE_JOURNAL", default=""):
    INNSIKT_ERASURE_JOURNAL = str(DATA_DIR / "test-erasure-journal.jsonl")
