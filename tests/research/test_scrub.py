"""Scrubbing personal data from free-text answers: examples per category and properties.

The national-id properties build numbers from scratch (date, individual number, check digits)
instead of reusing the module's checksum code, so a pass means the module agrees with an
independent implementation of both the classic rule and the 2032 rule.
"""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer

from research.findings.scrub import (
    DEFAULT_CARD_PATTERN,
    MARKER,
    national_id_valid,
    national_id_valid_2032,
    scrub,
    scrubber,
)

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def first_nine_remainder(nine: str) -> int:
    return sum(w * int(d) for w, d in zip(K1_WEIGHTS, nine, strict=True)) % 11


def second_check_digit(ten: str) -> int:
    return (11 - sum(w * int(d) for w, d in zip(K2_WEIGHTS, ten, strict=True)) % 11) % 11


@st.composite
def first_nine_digits(draw: st.DrawFn) -> str:
    """A plausible birth date DDMMYY (plain, D-number or H-number) plus an individual number."""
    day = draw(st.integers(1, 31))
    month = draw(st.integers(1, 12))
    year = draw(st.integers(0, 99))
    variant = draw(st.sampled_from(["plain", "d-number", "h-number"]))
    if variant == "d-number":
        day += 40
    elif variant == "h-number":
        month += 40
    individual = draw(st.integers(0, 999))
    return f"{day:02d}{month:02d}{year:02d}{individual:03d}"


@st.composite
def classic_numbers(draw: st.DrawFn) -> str:
    nine = draw(first_nine_digits())
    k1 = (11 - first_nine_remainder(nine)) % 11
    assume(k1 != 10)
    k2 = second_check_digit(nine + str(k1))
    assume(k2 != 10)
    return f"{nine}{k1}{k2}"


@st.composite
def numbers_2032(draw: st.DrawFn) -> str:
    """k1 = c − r (mod 11) for c in 12, 13, 14: weighted ten-digit sum ≡ 1, 2 or 3 (mod 11)."""
    nine = draw(first_nine_digits())
    r = first_nine_remainder(nine)
    c = draw(st.sampled_from([12, 13, 14]))
    k1 = (c - r) % 11
    assume(k1 <= 9)
    assert k1 != (11 - r) % 11  # never the classic check digit
    k2 = second_check_digit(nine + str(k1))
    assume(k2 != 10)
    return f"{nine}{k1}{k2}"


@st.composite
def numbers_failing_both_rules(draw: st.DrawFn) -> str:
    """A valid number with a wrong second check digit, or random digits that happen to fail."""
    if draw(st.booleans()):
        valid = draw(st.one_of(classic_numbers(), numbers_2032()))
        wrong_k2 = draw(st.sampled_from([d for d in "0123456789" if d != valid[10]]))
        return valid[:10] + wrong_k2
    digits = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    assume(not national_id_valid(digits))
    return digits


def written_forms(number: str) -> list[str]:
    return [number, f"{number[:6]} {number[6:]}", f"{number[:6]}-{number[6:]}"]


# --- national identity numbers: examples --------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["15108695088", "151086 95088", "151086-95088"],
    ids=["plain", "space", "hyphen"],
)
def test_national_id_is_scrubbed_in_all_written_forms(number: str) -> None:
    assert scrub(f"Fødselsnummeret mitt er {number}, takk.") == (
        f"Fødselsnummeret mitt er {MARKER}, takk."
    )


def test_d_number_is_scrubbed() -> None:
    assert scrub("D-nummer: 55108695071") == f"D-nummer: {MARKER}"


def test_h_number_is_scrubbed() -> None:
    assert scrub("H-nummer: 15458695072") == f"H-nummer: {MARKER}"


def test_number_stdnum_rejects_for_future_birth_date_is_still_scrubbed() -> None:
    # 01.01.30 with individual number 900 reads as born 2030: stdnum says not born yet.
    assert not fodselsnummer.is_valid("01013090099")
    assert scrub("nr 01013090099") == f"nr {MARKER}"


def test_number_valid_only_under_2032_rule_is_scrubbed() -> None:
    # Classic k1 for 150386123 is 8; 9 is accepted from 2032 (weighted sum ≡ 1 mod 11).
    assert not fodselsnummer.is_valid("15038612392")
    assert national_id_valid_2032("15038612392")
    assert scrub("Mitt nye nummer er 15038612392.") == f"Mitt nye nummer er {MARKER}."


def test_eleven_digits_failing_the_checksums_are_kept() -> None:
    assert scrub("Ordrenummer 15108695089 er sendt.") == "Ordrenummer 15108695089 er sendt."


def test_national_id_inside_longer_digit_run_is_kept() -> None:
    assert scrub("Referanse 9915108695088") == "Referanse 9915108695088"


def test_implausible_month_is_not_a_national_id() -> None:
    # Checksums are right (classic rule), but month 13 is not a month.
    assert not national_id_valid("01133012345")


@pytest.mark.parametrize("value", ["", "1510869508", "151086950888", "151086 95088", "1510869508x"])
def test_national_id_valid_rejects_anything_but_eleven_digits(value: str) -> None:
    assert national_id_valid(value) is False


def test_bank_account_number_is_kept() -> None:
    text = "Kontonummer 1234 56 78903 eller 12345678903."
    assert scrub(text) == text


# --- national identity numbers: properties ------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(number=classic_numbers(), form=st.integers(0, 2))
def test_classic_numbers_are_valid_and_scrubbed(number: str, form: int) -> None:
    written = written_forms(number)[form]
    assert national_id_valid(number)
    assert scrub(f"Her er fnr {written} til dere") == f"Her er fnr {MARKER} til dere"


@settings(max_examples=200, deadline=None)
@given(number=numbers_2032(), form=st.integers(0, 2))
def test_2032_numbers_are_valid_only_under_new_rule_and_scrubbed(number: str, form: int) -> None:
    written = written_forms(number)[form]
    assert national_id_valid_2032(number)
    assert not fodselsnummer.is_valid(number)
    assert national_id_valid(number)
    assert scrub(f"Her er fnr {written} til dere") == f"Her er fnr {MARKER} til dere"


@settings(max_examples=200, deadline=None)
@given(number=numbers_failing_both_rules(), form=st.integers(0, 2))
def test_numbers_failing_both_rules_are_kept(number: str, form: int) -> None:
    written = written_forms(number)[form]
    assert not national_id_valid(number)
    assert scrub(written) == written
    assert scrub(f"Saksnummer {written}, se vedlegg.") == f"Saksnummer {written}, se vedlegg."


# --- phone numbers ------------------------------------------------------------------------


def test_phone_and_email_in_sentence_are_scrubbed() -> None:
    assert scrub("Ring meg på 912 34 567 eller skriv til kari.nordmann@example.no") == (
        f"Ring meg på {MARKER} eller skriv til {MARKER}"
    )


@pytest.mark.parametrize(
    "phone",
    [
        "91234567",
        "912 34 567",
        "91 23 45 67",
        "22 33 44 55",
        "+47 912 34 567",
        "+4791234567",
        "0047 91234567",
        "+47 22 33 44 55",
    ],
)
def test_phone_number_forms_are_scrubbed(phone: str) -> None:
    assert scrub(f"Tlf.: {phone}.") == f"Tlf.: {MARKER}."


@pytest.mark.parametrize(
    "text",
    [
        "Ordrenummer 12345678",  # starts with 1: not a Norwegian phone number
        "Sak 912345678",  # nine digits
        "Postboks 0150 Oslo",
        "Kontonummer 1234 56 78903",
        "Tall: 1 912 34 567",  # part of a longer run of digit groups
    ],
)
def test_digit_runs_that_are_not_phone_numbers_are_kept(text: str) -> None:
    assert scrub(text) == text


# --- e-mail addresses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "kari.nordmann@example.no",
        "ola+bibliotek@mail.sub.example.com",
        "bjørn.åsen@post.example.no",
        "ÆRLIG_SVAR@Example.NO",
    ],
)
def test_email_addresses_are_scrubbed(address: str) -> None:
    assert scrub(f"E-post: {address}.") == f"E-post: {MARKER}."


def test_at_sign_without_address_is_kept() -> None:
    assert scrub("Møtes @ biblioteket kl. 12") == "Møtes @ biblioteket kl. 12"


# --- library card numbers -----------------------------------------------------------------


def test_default_card_number_is_scrubbed_case_insensitively() -> None:
    assert scrub("Kort N123456789 og n987654321") == f"Kort {MARKER} og {MARKER}"


def test_default_card_pattern_is_word_bounded() -> None:
    assert scrub("Koden AN123456789 og N1234567890") == "Koden AN123456789 og N1234567890"


def test_custom_card_pattern_is_used() -> None:
    assert scrub("Lånekort B-2024-0042", card_pattern=r"B-\d{4}-\d{4}") == f"Lånekort {MARKER}"


def test_custom_card_pattern_replaces_default() -> None:
    text = "Lånekort N123456789"
    assert scrub(text, card_pattern=r"B-\d{4}-\d{4}") == text


def test_card_pattern_none_disables_card_scrubbing() -> None:
    assert scrub("Lånekort N123456789", card_pattern=None) == "Lånekort N123456789"


def test_default_card_pattern_value() -> None:
    assert DEFAULT_CARD_PATTERN == r"N\d{9}"


# --- IP addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "192.168.1.10",
        "10.0.0.1",
        "2001:db8::1",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "fe80::1",
        "::ffff:192.0.2.1",
    ],
)
def test_ip_addresses_are_scrubbed(address: str) -> None:
    assert scrub(f"Fra IP {address} i går.") == f"Fra IP {MARKER} i går."


def test_ip_address_after_label_colon_is_scrubbed() -> None:
    assert scrub("IP:2001:db8::1") == f"IP:{MARKER}"


@pytest.mark.parametrize(
    "text",
    [
        "Versjon 256.1.1.1",
        "Versjon 1.2.3.4.5",
        "Dato 15.03.2024",
        "kl. 12:30",
        "fra 12:30:45 til 13:00",
        "C++ std::vector",
    ],
)
def test_things_resembling_ip_addresses_are_kept(text: str) -> None:
    assert scrub(text) == text


# --- URLs ---------------------------------------------------------------------------------


def test_url_without_query_is_kept() -> None:
    text = "Se https://www.example.no/arrangementer/bokbad for mer."
    assert scrub(text) == text


def test_url_with_query_is_scrubbed_whole() -> None:
    assert scrub("Lenke: https://example.no/side?id=123 virker ikke") == (
        f"Lenke: {MARKER} virker ikke"
    )


def test_www_url_with_query_is_scrubbed_keeping_sentence_punctuation() -> None:
    assert scrub("(se www.example.no/sok?q=kari&side=2).") == f"(se {MARKER})."


def test_url_ending_in_bare_question_mark_is_kept() -> None:
    text = "Har dere sett https://example.no/side?"
    assert scrub(text) == text


# --- everything else ----------------------------------------------------------------------


def test_plain_norwegian_text_is_unchanged() -> None:
    text = "Jeg  liker\tbiblioteket på Ålgård!\nÅpningstidene (10–16) er fine; kaffen også."
    assert scrub(text) == text


def test_custom_marker_is_used() -> None:
    assert scrub("Ring 91234567", marker="***") == "Ring ***"


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        st.characters(exclude_categories=["Nd", "Cs"], exclude_characters="@:."),
    )
)
def test_text_without_digits_at_signs_colons_or_dots_is_unchanged(text: str) -> None:
    assert scrub(text) == text


# --- robustness ---------------------------------------------------------------------------

PII_FRAGMENTS = [
    "15108695088",
    "151086 95088",
    "912 34 567",
    "+47 91234567",
    "kari@example.no",
    "N123456789",
    "192.168.0.1",
    "2001:db8::1",
    "https://example.no/?q=1",
    "12:30",
    "1234 56 78903",
    MARKER,
]

mixed_text = st.lists(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789 .:-+@?/Nn"),
        st.sampled_from(PII_FRAGMENTS),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_scrub_is_idempotent_on_arbitrary_text(text: str) -> None:
    once = scrub(text)
    assert scrub(once) == once


@settings(max_examples=200, deadline=None)
@given(text=mixed_text)
def test_scrub_is_idempotent_on_text_mixed_with_personal_data(text: str) -> None:
    once = scrub(text)
    assert scrub(once) == once


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(), mixed_text))
def test_scrub_never_raises_and_returns_str(text: str) -> None:
    assert isinstance(scrub(text), str)
    assert isinstance(scrub(text, card_pattern=None), str)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(), mixed_text, st.sampled_from(["WWW.x.no", "n123456789", ""])),
    card_pattern=st.sampled_from([DEFAULT_CARD_PATTERN, None, r"B\d{6}", r"kort-?[a-z]{3}"]),
)
def test_a_bound_scrubber_is_scrub(text: str, card_pattern: str | None) -> None:
    """The exports' scrubber (its fast test inline) gives what scrub gives."""
    assert scrubber(card_pattern)(text) == scrub(text, card_pattern=card_pattern)
