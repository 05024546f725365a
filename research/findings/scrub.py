"""Replace personal data in free-text answers with a neutral marker.

Privacy by design: every free-text answer that leaves the database — on screen, in a CSV export
or in a PDF report — passes through :func:`scrub` first. Respondents regularly type contact
details or identity numbers into open questions even when asked not to, and the people reading
the findings have no need for them. Scrubbing at output time (rather than trusting the input)
means a forgotten code path cannot leak them.

What is replaced with :data:`MARKER`:

* Norwegian national identity numbers (fødselsnummer), D-numbers (day + 40) and H-numbers
  (month + 40): 11 digits, optionally split ``DDMMYY XXXXX`` or ``DDMMYY-XXXXX``, valid under
  the classic mod-11 rule *or* the rule used for numbers issued from 2032. Eleven-digit numbers
  failing both (bank accounts, order numbers) are kept, so the findings keep their meaning.
* Phone numbers: ``+47``/``0047`` followed by eight digits, and plain eight-digit Norwegian
  numbers starting with 2–9 written as ``91234567``, ``912 34 567`` or ``91 23 45 67``.
* E-mail addresses (including sub-domains, plus-addressing and æøå in the local part).
* Library card numbers, by a configurable pattern (default ``N`` + nine digits).
* IPv4 and IPv6 addresses (candidates are validated with :mod:`ipaddress`).
* URLs with a query string, which often carry session ids, e-mail addresses or search terms.
  URLs without a query string are kept: they usually point at public pages.

Everything else is returned exactly as it was. :func:`scrub` is idempotent and never raises on
any ``str`` input.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Callable
from functools import lru_cache

from stdnum.no import fodselsnummer

MARKER = "[fjernet]"
DEFAULT_CARD_PATTERN = r"N\d{9}"

# Weights for the first check digit over the first ten digits (the tenth weight, 1, is the check
# digit itself). Classic numbers have a weighted sum ≡ 0 (mod 11); from 2032 Skatteetaten also
# accepts 1, 2 and 3, which gives more valid numbers per birth date.
_K1_WEIGHTS_WITH_CHECK_DIGIT = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_K1_REMAINDERS_2032 = frozenset({0, 1, 2, 3})

# Regular space or no-break space between digit groups; word processors often insert the latter.
_SPACE = "[ \u00a0]"
# ASCII digits only: \d would also match e.g. Arabic-Indic digits, which cannot be national ids
# and would make int()/checksum code deal with surprising input.
_NOT_AFTER_DIGIT = r"(?<![0-9])"
_NOT_BEFORE_DIGIT = r"(?![0-9])"
# Phone numbers must not be a piece of a longer run of digit groups either ("1234 56 78903" is a
# bank account, "22 33 44 55 66" is not a phone number we can pin down).
_NOT_AFTER_DIGIT_GROUP = rf"(?<![0-9])(?<![0-9]{_SPACE})"
_NOT_BEFORE_DIGIT_GROUP = rf"(?![0-9])(?!{_SPACE}[0-9])"

_NATIONAL_ID_RE = re.compile(
    rf"{_NOT_AFTER_DIGIT}(?P<date>[0-9]{{6}})(?:{_SPACE}|-)?(?P<personal>[0-9]{{5}}){_NOT_BEFORE_DIGIT}"
)

# Eight digits, first digit 2–9, in the three customary groupings. With a country code the
# prefix is signal enough, so only a directly following digit blocks the match.
_EIGHT_DIGIT_PHONE = (
    rf"(?:[2-9][0-9]{{7}}"
    rf"|[2-9][0-9]{{2}}{_SPACE}[0-9]{{2}}{_SPACE}[0-9]{{3}}"
    rf"|[2-9][0-9]{_SPACE}[0-9]{{2}}{_SPACE}[0-9]{{2}}{_SPACE}[0-9]{{2}})"
)
_PHONE_WITH_COUNTRY_CODE_RE = re.compile(
    rf"(?<![0-9+])(?:\+|00)47{_SPACE}?{_EIGHT_DIGIT_PHONE}{_NOT_BEFORE_DIGIT}"
)
_PHONE_RE = re.compile(rf"{_NOT_AFTER_DIGIT_GROUP}{_EIGHT_DIGIT_PHONE}{_NOT_BEFORE_DIGIT_GROUP}")

# Pragmatic, not RFC 5322: \w is Unicode-aware, so æøå (and other letters) are allowed. The
# lookbehind makes matching start only at the beginning of a local part, which also keeps the
# scan linear on long runs of word characters.
_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[^\W_][\w-]*(?:\.[^\W_][\w-]*)*\.[^\W\d_]{2,}",
)

_IPV4_CANDIDATE_RE = re.compile(
    r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9])(?!\.[0-9])",
)
# At least two colons, so clock times such as "12:30" are never candidates. The dotted tail
# covers IPv4-mapped forms ("::ffff:192.0.2.1") and is tried before a plain hex group. A label
# such as "IP:" may precede the address, but not a word that would merge into the first group.
_IPV6_CANDIDATE_RE = re.compile(
    r"(?:(?<![\w:.])|(?<=[^\W\d_]:))(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{1,4})?"
    r"(?![\w:])(?!\.[0-9])",
)

_URL_CANDIDATE_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Sentence punctuation directly after a URL belongs to the sentence, not the URL.
_URL_TRAILING_PUNCTUATION = ".,;:!?)]}'\"»"
_QUERY_RE = re.compile(r"\?[^?]")

_HEX_DIGITS = frozenset(string.hexdigits)


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(weight * int(digit) for weight, digit in zip(weights, digits, strict=False))


def _is_eleven_ascii_digits(digits: str) -> bool:
    return len(digits) == 11 and digits.isascii() and digits.isdigit()


def _has_plausible_date(digits: str) -> bool:
    """Day 1–31 (D-number 41–71) and month 1–12 (H-number 41–52).

    Deliberately looser than stdnum's real-date and not-in-the-future checks: a scrubber must
    not let a real number through because its birth date looks odd to the validator today.
    """
    day = int(digits[0:2])
    month = int(digits[2:4])
    return (1 <= day <= 31 or 41 <= day <= 71) and (1 <= month <= 12 or 41 <= month <= 52)


def _second_check_digit_ok(digits: str) -> bool:
    # Unchanged by the 2032 reform; stdnum returns "10" for the impossible case, which never
    # equals a single digit.
    return digits[10] == fodselsnummer.calc_check_digit2(digits[:10])


def national_id_valid_classic(digits: str) -> bool:
    """Return True if ``digits`` is 11 ASCII digits valid under the classic (pre-2032) rule.

    Both mod-11 check digits must match (computed by python-stdnum) and day/month must be
    plausible, D- and H-numbers included. Never raises.
    """
    if not _is_eleven_ascii_digits(digits) or not _has_plausible_date(digits):
        return False
    return digits[9] == fodselsnummer.calc_check_digit1(digits[:9]) and _second_check_digit_ok(
        digits
    )


def national_id_valid_2032(digits: str) -> bool:
    """Return True if ``digits`` is 11 ASCII digits valid under the rule used from 2032.

    The weighted sum of the first ten digits (weights 3,7,6,1,8,9,4,5,2,1) must be ≡ 0, 1, 2 or 3
    (mod 11); the second check digit is computed as before, and day/month must be plausible.
    Remainder 0 is the classic first check digit, so every classic-valid number is also valid
    here. Never raises.
    """
    if not _is_eleven_ascii_digits(digits) or not _has_plausible_date(digits):
        return False
    remainder = _weighted_sum(digits[:10], _K1_WEIGHTS_WITH_CHECK_DIGIT) % 11
    return remainder in _K1_REMAINDERS_2032 and _second_check_digit_ok(digits)


def national_id_valid(digits: str) -> bool:
    """Return True if ``digits`` (exactly 11 ASCII digits, no separators) is a plausible
    fødselsnummer, D-number or H-number under the classic rule or the 2032 rule. Never raises.
    """
    return national_id_valid_classic(digits) or national_id_valid_2032(digits)


@lru_cache(maxsize=32)
def _compiled_card_pattern(card_pattern: str) -> re.Pattern[str]:
    # Compiling on every call would cost more than the scrubbing itself on short answers; the
    # pattern comes from settings, so there are only ever a handful of distinct values.
    return re.compile(rf"(?<!\w)(?:{card_pattern})(?!\w)", re.IGNORECASE)


def _replace_national_id(match: re.Match[str], marker: str) -> str:
    digits = match["date"] + match["personal"]
    return marker if national_id_valid(digits) else match[0]


def _replace_ipv4(match: re.Match[str], marker: str) -> str:
    candidate = match[0]
    try:
        # Normalise leading zeros ("010.000.000.001"), which ipaddress rejects but people write.
        normalised = ".".join(str(int(octet)) for octet in candidate.split("."))
        ipaddress.IPv4Address(normalised)
    except ValueError:
        return candidate
    return marker


def _replace_ipv6(match: re.Match[str], marker: str) -> str:
    candidate = match[0]
    # A bare "::" (or ":::") is punctuation far more often than the unspecified address.
    if not any(char in _HEX_DIGITS for char in candidate):
        return candidate
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return candidate
    return marker


def _replace_url_with_query(match: re.Match[str], marker: str) -> str:
    candidate = match[0]
    url = candidate.rstrip(_URL_TRAILING_PUNCTUATION)
    trailing = candidate[len(url) :]
    if _QUERY_RE.search(url):
        return marker + trailing
    return candidate


def _replace_whole_match(match: re.Match[str], marker: str) -> str:
    # An empty match (possible with a custom card pattern) must not insert markers everywhere.
    return marker if match[0] else match[0]


_Replacer = Callable[[re.Match[str], str], str]


# Every built-in rule needs an ASCII digit, "@", ":" or "www." (any case) somewhere in the
# text; most free-text answers have none of them and only meet the card-number rule (which
# is configurable). Checked on the UTF-8 bytes (C loops, no regular expression).
_BUILT_IN_TRIGGERS = b"0123456789@:"


def _may_hold_built_in(text: str) -> bool:
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw.translate(None, _BUILT_IN_TRIGGERS)) != len(raw) or b"www." in raw.lower()


@lru_cache(maxsize=32)
def _card_candidate(card_pattern: str) -> re.Pattern[str]:
    # The card pattern without its word boundaries: cheaper to search, and a text it does
    # not match anywhere has no card number either.
    return re.compile(f"(?:{card_pattern})", re.IGNORECASE)


def _has_ascii_digit(text: str) -> bool:
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw.translate(None, b"0123456789")) != len(raw)


# What a rule needs somewhere in the text to match at all (a cheap test before the regular
# expression; None: always run).
_Need = Callable[[str], bool] | None
_Rule = tuple[re.Pattern[str], _Replacer, _Need]


@lru_cache(maxsize=32)
def _card_rules(card_pattern: str | None) -> list[_Rule]:
    if card_pattern is None:
        return []
    return [(_compiled_card_pattern(card_pattern), _replace_whole_match, None)]


@lru_cache(maxsize=32)
def _rules(card_pattern: str | None) -> list[_Rule]:
    # Order matters: URLs first so a query string disappears as a whole; card numbers, IP
    # addresses and national ids before phone numbers, because their digits would otherwise
    # block (or be half-eaten by) the phone patterns; national ids before phones so a failed
    # 11-digit number is judged as a whole and never partly scrubbed as a phone number.
    rules: list[_Rule] = [
        (
            _URL_CANDIDATE_RE,
            _replace_url_with_query,
            lambda t: "://" in t or "www." in t.lower(),
        ),
        (_EMAIL_RE, _replace_whole_match, lambda t: "@" in t),
    ]
    rules += _card_rules(card_pattern)
    rules += [
        # IPv6 first so an IPv4-mapped address ("::ffff:192.0.2.1") goes as a whole.
        (_IPV6_CANDIDATE_RE, _replace_ipv6, lambda t: t.count(":") >= 2),
        (_IPV4_CANDIDATE_RE, _replace_ipv4, lambda t: "." in t and _has_ascii_digit(t)),
        (_NATIONAL_ID_RE, _replace_national_id, _has_ascii_digit),
        (_PHONE_WITH_COUNTRY_CODE_RE, _replace_whole_match, _has_ascii_digit),
        (_PHONE_RE, _replace_whole_match, _has_ascii_digit),
    ]
    return rules


def _sub_outside_markers(
    pattern: re.Pattern[str], replacer: _Replacer, text: str, marker: str
) -> str:
    # Markers already in the text are never matched, not even partly, so scrubbing cannot eat
    # into or grow around earlier replacements (e.g. a custom card pattern matching "fjernet").
    def replace(match: re.Match[str]) -> str:
        return replacer(match, marker)

    if not marker or marker not in text:
        return pattern.sub(replace, text)
    return marker.join(pattern.sub(replace, part) for part in text.split(marker))


def _scrub_once(text: str, rules: list[_Rule], marker: str) -> str:
    for pattern, replacer, need in rules:
        if need is None or need(text):
            text = _sub_outside_markers(pattern, replacer, text, marker)
    return text


def scrub(
    text: str,
    *,
    card_pattern: str | None = DEFAULT_CARD_PATTERN,
    marker: str = MARKER,
) -> str:
    """Return ``text`` with personal data replaced by ``marker``.

    See the module docstring for what counts as personal data. ``card_pattern`` is a regular
    expression for library card numbers (matched case-insensitively, bounded by non-word
    characters); ``None`` disables card scrubbing. An invalid ``card_pattern`` raises
    :class:`re.error` — that is a configuration mistake and should fail loudly.

    Guarantees: text that is not personal data is returned unchanged (whitespace, punctuation
    and letters included); ``scrub(scrub(x)) == scrub(x)``; no exception for any ``str``.
    """
    if not text:
        return text
    if _may_hold_built_in(text):
        rules = _rules(card_pattern)
    elif not _may_hold_card(text, card_pattern):
        return text
    else:
        rules = _card_rules(card_pattern)
    # Removing one item can unblock another (a phone number next to an IP address is only a
    # separate number once the address is gone), so repeat until nothing changes; that is what
    # makes scrub idempotent. Each changing pass replaces at least one non-marker character, so
    # len(text) + 1 passes always suffice for the default marker; in practice it takes two.
    for _ in range(len(text) + 2):
        scrubbed = _scrub_once(text, rules, marker)
        if scrubbed == text:
            break
        text = scrubbed
        if not _may_hold_built_in(text) and not _may_hold_card(text, card_pattern):
            break  # nothing any rule needs is left: another pass would change nothing
    return text


def scrubber(
    card_pattern: str | None = DEFAULT_CARD_PATTERN, marker: str = MARKER
) -> Callable[[str], str]:
    """`scrub` with its settings bound, for many texts (an export's free text): the test
    most texts pass untouched — nothing any rule needs — with the card pattern compiled
    once; any other text goes through `scrub` itself."""
    card = None if card_pattern is None else _card_candidate(card_pattern).search

    def clean(text: str) -> str:
        if not text or (not _may_hold_built_in(text) and (card is None or card(text) is None)):
            return text
        return scrub(text, card_pattern=card_pattern, marker=marker)

    return clean


def _may_hold_card(text: str, card_pattern: str | None) -> bool:
    return card_pattern is not None and _card_candidate(card_pattern).search(text) is not None
