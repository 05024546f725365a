"""What a log line may not say: no e-mail address, no token, no query string, no IP address.

Logs are stored data. Respondents of anonymous surveys are promised that nothing links an
answer to them, and panel members' links are secrets: a log that keeps an invitation link or
a resume code hands the member's identity or unfinished answers to whoever reads the journal.
``PrivacyFilter`` sits on the one handler every record goes through (``LOGGING`` in
cms/settings/base.py: Django's, gunicorn's and — through cms.celery — Celery's loggers), and
rewrites each record before it is formatted, in text or JSON alike.

Answers themselves never reach a record: the loggers that would write them at DEBUG (SQL
parameters, template contexts) are held at INFO in ``LOGGING``. tests/cms/test_logs.py runs
the respondent and panel flows with everything else at DEBUG and scans what was written.
"""

import ipaddress
import logging
import re
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

# The segment after these path parts is a secret token: a panel member's confirmation,
# invitation, unsubscribe and "my data" sign-in links, an interview booking, a saved survey's
# resume link (panel/urls.py, research/interviews/urls.py, surveys/urls.py and SurveyPage's
# own routes), and the admin's password-reset link. tests/cms/test_logs.py walks every URL
# with a token and fails for one missed.
_TOKEN_IN_PATH = re.compile(
    r"(?<![\w-])("
    r"panel/(?:inv|avmeld|bekreft)"
    r"|panel/mine-data(?=/(?!(?:side|last-ned|trekk|slett)/))"
    r"|intervju"
    r"|fortsett"
    r"|password_reset/confirm/[^/\s?#\"'<>]+"
    r")/[^/\s?#\"'<>]+"
)
# A query string may carry a typed resume code or an address; like nginx's access log
# (deploy/nginx.conf.example), logs keep the path only.
_QUERY = re.compile(r"(/[^\s?#\"'<>]*)\?[^\s#\"'<>]+")
# Django-signed values of a UUID (the panel's tokens in mails sent before its tokens were
# opaque, still accepted), wherever they appear.
_SIGNED_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"(?::[\w-]+){1,2}"
)
# django.core.signing's BadSignature names the signature it refused (in a traceback).
_SIGNATURE = re.compile(r'(Signature ")[^"]*(")')
# A dot in the domain: worker names such as ``celery@host`` are not addresses.
_EMAIL = re.compile(r"[\w.!#$%&*+=?^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
# Candidates only; ``ipaddress`` decides (so times such as 12:30:45 stay).
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w)")

TOKEN = "[token]"  # noqa: S105  (the marker that replaces one, not a secret)
EMAIL = "[email]"
IP = "[ip]"
QUERY = "[query]"

# A LogRecord's own attributes; anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}
_NESTING = 4


def _ip(match: re.Match[str]) -> str:
    text = match.group(0)
    core = text.rstrip(":.")
    try:
        ipaddress.ip_address(core.split("%", 1)[0])
    except ValueError:
        return text
    return IP + text[len(core) :]


def redact(text: str) -> str:
    """``text`` without token path segments, query strings, signed tokens, e-mail addresses
    and IP addresses (each replaced by a marker). Idempotent."""
    text = _TOKEN_IN_PATH.sub(rf"\1/{TOKEN}", text)
    text = _QUERY.sub(rf"\1?{QUERY}", text)
    text = _SIGNED_UUID.sub(TOKEN, text)
    text = _SIGNATURE.sub(rf"\1{TOKEN}\2", text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IPV6.sub(_ip, text)
    return _IPV4.sub(_ip, text)


def _scrub(value: Any, depth: int = 0) -> Any:
    """A value of a record's ``extra`` (or a structured message), redacted. Objects become
    their redacted text: a JSON formatter would print them whole (a runserver record carries
    its socket, with both addresses; a django.request record its request, with the path)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, HttpRequest):
        return redact(f"{value.method} {value.get_full_path()}")
    if depth < _NESTING and isinstance(value, Mapping):
        return {str(key): _scrub(item, depth + 1) for key, item in value.items()}
    if depth < _NESTING and isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item, depth + 1) for item in value]
    return redact(str(value))


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # arguments that do not fit the format: keep both, redacted
        return f"{record.msg} {record.args!r}"


def record_redact(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place: message merged with its arguments and redacted, the
    traceback and stack formatted and redacted, every ``extra`` value redacted."""
    if isinstance(record.msg, Mapping):
        record.msg = _scrub(record.msg)  # a structured message stays a mapping in JSON
    else:
        record.msg = redact(_message(record))
    record.args = ()
    if record.exc_info:
        # Formatted here so the formatter (which would format it again from exc_info, with
        # the exception's message — a Resolver404 names the path) gets the redacted text.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for name, value in list(vars(record).items()):
        if name not in _RECORD_ATTRIBUTES:
            setattr(record, name, _scrub(value))


class PrivacyFilter(logging.Filter):
    """A handler filter that redacts every record (``record_redact``) and drops none. It
    never raises: an exception here would surface in the code that logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record_redact(record)
        except Exception:
            record.msg = "[log record withheld: it could not be redacted]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            for name in [n for n in vars(record) if n not in _RECORD_ATTRIBUTES]:
                delattr(record, name)
        return True
