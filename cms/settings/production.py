"""Production overlay: strict security defaults; everything else comes from the environment."""

import os

os.environ.setdefault("INNSIKT_ENV", "production")

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

if SECRET_KEY.startswith("REPLACE-ME") or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured(
        "SECRET_KEY is the placeholder from innsikt.env.example or too short: set a long "
        "random value (see docs/deploy.md)."
    )

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Every account that uses the admin signs in with a second factor.
INNSIKT_2FA_REQUIRED = env.bool("INNSIKT_2FA_REQUIRED", default=True)
