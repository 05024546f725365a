"""Numbers, percentages and the words around them, in the reader's language.

The one place where Innsikt turns a number into text for a reader (report tables, charts,
the explore view, the PDF), and the one way its pure modules evaluate their gettext words
in a reader's language (``per_language``). Nothing here knows a language by name:
separators come from Django's locale formats (``DECIMAL_SEPARATOR``,
``THOUSAND_SEPARATOR``, ``NUMBER_GROUPING`` of ``django/conf/locale/<language>/formats.py``),
the percent sign and its spacing from the message catalogues
(``pgettext("percent", "%(number)s%%")``), and the words from gettext. A language in
``settings.LANGUAGES`` with a catalogue in ``locale/`` therefore needs no code:

* nb and nn: "1 234,5" and "34 %" (both spaces U+00A0 NO-BREAK SPACE, so a number never
  breaks across lines; Django's own nb and nn formats use U+00A0 as the thousand separator);
* en: "1,234.5" and "34%".

Fast, because these run once per table cell: what a language needs is looked up once
(``translation.override`` and the format modules) and cached; each call is then Python's
own ``format`` and two ``str.replace``, as the copies this module replaced did. The caches
are emptied when a test changes ``LANGUAGES``, ``LANGUAGE_CODE``, ``LOCALE_PATHS`` or the
format settings.

Pure: imports no models, touches no database; it needs Django's settings (the languages,
the locale paths), as every translated text does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, numberformat, translation
from django.utils.translation import get_supported_language_variant, pgettext

P = ParamSpec("P")
T = TypeVar("T")

#: Caches that depend on the languages and catalogues; emptied when those settings change.
_CACHE_CLEARS: list[Callable[[], None]] = []
_LANGUAGE_SETTINGS = frozenset(
    {
        "LANGUAGES",
        "LANGUAGE_CODE",
        "LOCALE_PATHS",
        "FORMAT_MODULE_PATH",
        "DECIMAL_SEPARATOR",
        "THOUSAND_SEPARATOR",
        "NUMBER_GROUPING",
    }
)


def _cached(function: Callable[..., T]) -> Callable[..., T]:
    cached = functools.lru_cache(maxsize=1024)(function)
    _CACHE_CLEARS.append(cached.cache_clear)
    return cached


@_cached
def _languages() -> frozenset[str]:
    return frozenset(code for code, _name in settings.LANGUAGES)


def check_language(language: str) -> str:
    """Return ``language`` if it is one of ``settings.LANGUAGES``; else raise ``ValueError``
    (a typo must not quietly give another language's words)."""
    if language not in _languages():
        raise ValueError(f"unsupported language {language!r}; use one of {sorted(_languages())}")
    return language


def supported_language(code: str | None) -> str:
    """The language of ``settings.LANGUAGES`` to write in for a locale or request language
    ``code`` ("en-gb" → "en"); the default ``LANGUAGE_CODE`` when there is none."""
    try:
        return str(get_supported_language_variant(code or settings.LANGUAGE_CODE))
    except LookupError:
        return str(settings.LANGUAGE_CODE)


@contextmanager
def in_language(language: str) -> Iterator[str]:
    """Translate in ``language`` inside the block (``ValueError`` if not supported)."""
    with translation.override(check_language(language)):
        yield language


def per_language(
    build: Callable[Concatenate[str, P], T],
) -> Callable[Concatenate[str, P], T]:
    """Decorator: ``build(language, *args)`` is evaluated inside ``in_language(language)``
    once per distinct arguments and then served from a cache, so word tables cost nothing
    per cell. Arguments must be positional and hashable; the result must not be mutated."""

    untyped: Callable[..., T] = build  # the cache's key is (language, *args): any hashables

    @_cached
    def cached(language: str, *args: Hashable) -> T:
        with in_language(language):
            return untyped(language, *args)

    @functools.wraps(build)
    def call(language: str, /, *args: P.args, **kwargs: P.kwargs) -> T:
        if kwargs:
            raise TypeError(f"{build.__name__} takes positional arguments only")
        return cached(language, *args)

    return call


@dataclass(frozen=True, slots=True)
class _Style:
    """How ``language`` writes numbers: its separators, grouping and percent pattern."""

    decimal: str
    thousands: str
    grouping: Any  # int, or a sequence of group sizes (see NUMBER_GROUPING)
    before: str  # the translated "%(number)s%%" is before + number + after: "", "\u00a0%"
    after: str
    python: bool  # the separators are Python's own ("1,234.5"): nothing to replace
    dotted: bool  # the thousand separator holds a "." (de: "1.234,5"): replace in 3 steps


@_cached  # not per_language: a plain lru_cache hit, as this runs once per table cell
def _style(language: str) -> _Style:
    with in_language(language):
        decimal = str(formats.get_format("DECIMAL_SEPARATOR", lang=language))
        thousands = str(formats.get_format("THOUSAND_SEPARATOR", lang=language))
        grouping = formats.get_format("NUMBER_GROUPING", lang=language)
        # The sign's spacing is the language's: Norwegian "34 %" (U+00A0), English "34%".
        # Translators: "34%"; Norwegian puts a no-break space (U+00A0) before the %.
        percent = pgettext("percent", "%(number)s%%")
    before, _mark, after = (percent % {"number": "\x00"}).partition("\x00")
    python = (decimal, thousands) == (".", ",")
    return _Style(decimal, thousands, grouping, before, after, python, "." in thousands)


def number_text(value: float, language: str, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` decimals and grouped by thousands, as ``language``
    writes it: 1234.5 → "1 234,5" (nb, nn; U+00A0) or "1,234.5" (en); -1234 with
    ``digits=0`` → "-1 234". One decimal by default, the precision of means and medians in
    the findings; pass 0 for counts. ``ValueError`` for a language not in
    ``settings.LANGUAGES``."""
    return _number(value, _style(language), digits)


def percent_text(value: float | None, language: str, digits: int = 0) -> str:
    """A percentage as ``language`` writes it: 34.2 → "34 %" (nb, nn; U+00A0 before the
    sign) or "34%" (en), whole percent unless ``digits`` says otherwise; "" for None or
    NaN (a percentage that may not be published). ``ValueError`` as ``number_text``."""
    if value is None or math.isnan(value):
        return ""
    style = _style(language)
    return f"{style.before}{_number(value, style, digits)}{style.after}"


def _number(value: float, style: _Style, digits: int) -> str:
    if style.grouping != 3:  # not Python's grouping by three (e.g. by four): Django groups
        return numberformat.format(
            # Rounded here: Django cuts a float's decimals off instead of rounding them.
            Decimal(f"{value:.{digits}f}"),
            style.decimal,
            decimal_pos=digits,
            grouping=style.grouping,
            thousand_sep=style.thousands,
            force_grouping=True,
        )
    # Python's own formatting and two replaces: several times faster than Django's
    # number_format, and rounds the same way as before this module existed.
    text = f"{value:,.{digits}f}"
    if style.python:
        return text
    if style.dotted:
        text = text.replace(".", "\x00").replace(",", style.thousands)
        return text.replace("\x00", style.decimal)
    return text.replace(",", style.thousands).replace(".", style.decimal)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _LANGUAGE_SETTINGS:
        for clear in _CACHE_CLEARS:
            clear()
