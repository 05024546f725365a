"""Mail delivery that can be recorded exactly once.

An SMTP server takes responsibility for a message only when it replies to the final "."
that ends the message data (RFC 5321 §4.1.1.4); if the connection drops before that dot,
the server discards what it got. `send_recorded` uses that: it lets the caller record the
message as sent (a database commit) after the server has the whole message and *before*
the dot. A process killed before the record leaves the message unsent and unrecorded, so it
is sent again later; one killed after the record has sent, or is about to send, the dot.
No crash can make a recorded message go out twice, or an unrecorded one go out at all —
the only gap left is between the commit and writing five bytes (the database's reply on its
way back, well under a millisecond): a process killed inside it loses the one message in
flight, recorded but never accepted.

`EmailBackend` is Django's SMTP backend with that hook; `cms.settings` uses it for
`smtp://` and `smtp+tls://` EMAIL_URLs. Other backends (console, file, locmem, and
django-anymail's HTTP providers in production) have no such moment: with them the record
is made right after the backend has accepted the message (at least once; the deterministic
Message-ID lets mailbox providers fold a rare duplicate).
"""

import functools
import re
import smtplib
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"


class _SMTP(smtplib.SMTP):
    """smtplib's DATA with an optional hook between the message and its final dot."""

    before_accept: Callable[[], None] | None = None

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> Any:
        reply = smtplib.SMTP.connect(self, host, port, source_address)
        # The final dot is a separate small write: without this, Nagle's algorithm holds it
        # until the server's delayed ACK of the message (~40 ms per message).
        assert self.sock is not None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def data(self, msg: Any) -> tuple[int, bytes]:
        if self.before_accept is None:
            return smtplib.SMTP.data(self, msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        content = smtplib._quote_periods(msg)  # type: ignore[attr-defined]
        if not content.endswith(CRLF):
            content += CRLF
        self.send(content)
        try:
            self.before_accept()
        except BaseException:
            self.close()  # the server discards a message that never got its dot
            raise
        self.send(b"." + CRLF)
        return self.getreply()


class _SMTP_SSL(smtplib.SMTP_SSL):
    before_accept: Callable[[], None] | None = None
    connect = _SMTP.connect  # type: ignore[assignment]
    data = _SMTP.data  # type: ignore[assignment]


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend whose connections can record a message before accepting it,
    and which sends a message's ``mime_bytes`` (see `Prototype`) when it carries them."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _SMTP_SSL if self.use_ssl else _SMTP

    def _send(self, email_message: EmailMessage) -> bool:
        data = getattr(email_message, "mime_bytes", None)
        if data is None:
            return bool(super()._send(email_message))  # type: ignore[misc]
        recipients = [_envelope_address(a) for a in email_message.recipients()]
        assert self.connection is not None
        try:
            self.connection.sendmail(_envelope_address(email_message.from_email), recipients, data)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


@functools.lru_cache(maxsize=4096)
def _envelope_address(address: str) -> str:
    return sanitize_address(address, settings.DEFAULT_CHARSET)


# What passes verbatim through headers, an 8-bit body and HTML: no spaces, quotes, & or <>.
_VERBATIM = re.compile(r"[\w.~:/?#@!$+,;=%-]+", re.ASCII)


class Prototype:
    """The serialised MIME form of one message, reused for messages that differ from it
    only in marked values: a campaign sends the same invitation to thousands of members
    with only the address, Message-ID and personal links changed, and building and
    serialising each with the email package costs more than sending it.

    ``markers`` are ASCII strings without spaces that stand in the prototype's headers and
    body where each message has its own value; the values must be plain ASCII too (no
    spaces, quotes, ``&`` or ``<>``: `fill` raises ValueError), so the serialised form
    (8-bit body, headers folded only at spaces) and HTML hold them verbatim; markers belong
    in ASCII headers and in bodies. When a body is not sent as it is (a line too long for
    8-bit makes Django use quoted-printable) or a marker is missing, `of` returns None and
    the caller builds each message in full."""

    def __init__(self, data: bytes, markers: tuple[str, ...]) -> None:
        self.data = data
        self.markers = markers

    @classmethod
    def of(cls, message: EmailMessage, markers: tuple[str, ...]) -> "Prototype | None":
        mime = message.message()
        encodings = {
            str(part.get("Content-Transfer-Encoding", "7bit")).lower()
            for part in mime.walk()
            if not part.is_multipart()
        }
        if not encodings <= {"7bit", "8bit"}:
            return None  # quoted-printable or base64: the markers are not held verbatim
        data = mime.as_bytes(linesep="\r\n")  # type: ignore[call-arg]
        text = data.decode("utf-8", "surrogateescape")
        if not all(marker in text for marker in markers):
            return None
        return cls(data, markers)

    def fill(self, values: dict[str, str]) -> bytes:
        data = self.data
        for marker in self.markers:
            value = values[marker]
            if not _VERBATIM.fullmatch(value):
                raise ValueError(f"not a plain ASCII value: {value!r}")
            data = data.replace(marker.encode(), value.encode())
        return data


def send_recorded(message: EmailMessage, record: Callable[[], None], connection: Any) -> None:
    """Send ``message`` through ``connection`` (a backend from ``get_connection()``, opened
    or not) and call ``record()`` at the moment described above. If ``record`` raises, the
    message is abandoned (the SMTP connection is closed before its dot, and reopened by the
    next send) and the exception propagates. SMTP errors propagate as ``OSError``; an
    error from the server's reply to the dot comes after ``record`` ran."""
    if isinstance(connection, EmailBackend):
        if connection.connection is None:
            connection.open()
        session: Any = connection.connection
        session.before_accept = record
        try:
            connection.send_messages([message])
        except BaseException:
            if session.sock is None:  # closed before the dot, or by the server
                connection.close()
            raise
        finally:
            session.before_accept = None
        return
    message.connection = connection
    message.send()
    record()
