"""Opaque link tokens, as pure functions (no models): a keyed hash (HMAC of SECRET_KEY) of
a row's id, and the digest the database keeps of a token. The models set the digests
when a row is made; panel.services.tokens finds rows by them."""

import base64
import hashlib

from django.utils.crypto import salted_hmac

# Salts of the keyed hashes, one per kind of link.
INVITATION = "innsikt.link.invitation"
CONFIRMATION = "innsikt.link.confirmation"


def token_digest(token: str) -> str:
    """What the database keeps of a token (its SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def derived_token(salt: str, value: str) -> str:
    """A 128-bit opaque token for ``value``: only this installation can make it, and no
    one can read ``value`` in it."""
    mac = salted_hmac(salt, value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")
