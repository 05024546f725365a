"""The pseudonym a member's answers carry: HMAC-SHA256 of the member id with a secret key.

Researchers join answers to member attributes through it; nobody can turn it back into a
member without the members table, and erasing a member removes the only place it is kept.
"""

import hashlib
import hmac
from uuid import UUID

from django.conf import settings


def member_pseudonym(member_id: UUID | str) -> str:
    key = settings.INNSIKT_PSEUDONYM_KEY.encode()
    return hmac.new(key, f"member:{member_id}".encode(), hashlib.sha256).hexdigest()
