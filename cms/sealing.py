"""Sealed (encrypted and authenticated) streams for backup archives (cms.backup).

A passphrase becomes a key with scrypt and a random salt per archive, so no two archives
share a key and a passphrase is slow to guess; a check value of the key (an HMAC under a
second derived key) tells a wrong key from a changed archive. The stream is cut into
chunks, so an archive of any size never sits whole in memory; each chunk is a Fernet token
(AES-128-CBC with HMAC-SHA256, from the maintained ``cryptography`` package; no cipher is
written here) of the chunk's number, a last-chunk mark and the data. A reader therefore
refuses chunks that were changed, reordered, dropped, or cut off at the end.

Layout: SEALED_MAGIC, the salt, the key check, then per chunk a 4-byte big-endian length
and the token.
"""

import base64
import hashlib
import hmac
import io
import os
import struct
from typing import Any, BinaryIO

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SEALED_MAGIC = b"INNSIKT-BACKUP-SEALED-1\n"
SALT_BYTES = 16
CHECK_BYTES = 32
CHUNK = 1 << 20
# A Fernet token of one chunk: base64 of the chunk plus its header, IV and HMAC.
MAX_TOKEN = (CHUNK + 1024) * 4 // 3
# A passphrase shorter than this is refused: an archive holds every member's data.
MIN_KEY_LENGTH = 32


class SealError(Exception):
    """A key that is too short, or a sealed stream that this key did not write whole."""


def seal_key_check(key: str) -> None:
    """Raises SealError for a passphrase too short to protect an archive."""
    if len(key) < MIN_KEY_LENGTH:
        raise SealError(
            f"The backup key must be at least {MIN_KEY_LENGTH} characters long (make one "
            "with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )


def _derive(key: str, salt: bytes) -> tuple[Fernet, bytes]:
    """The archive's Fernet and the check value of the key (from separate derived bytes)."""
    seal_key_check(key)
    derived = Scrypt(salt=salt, length=64, n=2**15, r=8, p=1).derive(key.encode())
    check = hmac.new(derived[32:], b"innsikt-backup-key-check", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived[:32])), check


class SealedWriter:
    """Encrypts what is written to it into ``sink``; ``finish()`` writes the last chunk
    (without it the stream is refused as cut short)."""

    def __init__(self, sink: BinaryIO, key: str) -> None:
        salt = os.urandom(SALT_BYTES)
        self._fernet, check = _derive(key, salt)
        self._sink = sink
        self._buffer = bytearray()
        self._number = 0
        sink.write(SEALED_MAGIC + salt + check)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Strictly more than a chunk: the last chunk, however short, is written by finish().
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def finish(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, data: bytes, *, last: bool) -> None:
        token = self._fernet.encrypt(struct.pack(">QB", self._number, last) + data)
        self._sink.write(struct.pack(">I", len(token)) + token)
        self._number += 1


class SealedReader(io.RawIOBase):
    """Reads what SealedWriter wrote with the same key; raises SealError for anything else."""

    def __init__(self, source: BinaryIO, key: str) -> None:
        head = source.read(len(SEALED_MAGIC) + SALT_BYTES + CHECK_BYTES)
        if len(head) < len(SEALED_MAGIC) + SALT_BYTES + CHECK_BYTES or not head.startswith(
            SEALED_MAGIC
        ):
            raise SealError("The archive is not an encrypted Innsikt backup.")
        salt = head[len(SEALED_MAGIC) : len(SEALED_MAGIC) + SALT_BYTES]
        self._fernet, check = _derive(key, salt)
        if not hmac.compare_digest(check, head[-CHECK_BYTES:]):
            raise SealError("The key does not open this archive: it was made with another key.")
        self._source = source
        self._plain = b""
        self._offset = 0
        self._number = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._offset >= len(self._plain) and not self._done:
            self._next_chunk()
        size = min(len(buffer), len(self._plain) - self._offset)
        buffer[:size] = self._plain[self._offset : self._offset + size]
        self._offset += size
        return size

    def _next_chunk(self) -> None:
        length = self._source.read(4)
        if len(length) < 4:
            raise SealError("The encrypted archive is cut short: its end is missing.")
        (size,) = struct.unpack(">I", length)
        token = self._source.read(size) if size <= MAX_TOKEN else b""
        if len(token) != size:
            raise SealError("The encrypted archive is damaged or cut short.")
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken:
            raise SealError(
                f"The encrypted archive was changed or damaged (part {self._number + 1})."
            ) from None
        number, last = struct.unpack(">QB", plain[:9])
        if number != self._number:
            raise SealError("The encrypted archive was changed: its parts are out of order.")
        self._number += 1
        self._plain, self._offset = plain[9:], 0
        if last:
            self._done = True
            if self._source.read(1):
                raise SealError("The encrypted archive was changed: data follows its end.")
