"""Test overlay: fast hashing, mail kept in memory, everything else as in base."""

from .base import *  # noqa: F403
from .base import DATA_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = str(DATA_DIR / "test-media")
# Rate limiting is exercised by its own test with a low limit.
INNSIKT_RATE_LIMIT = "100000/m"
