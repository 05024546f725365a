"""The caps around reading an untrusted questionnaire file (surveys.importing.bounded,
.files): a reader that runs too long or takes too much memory is stopped with one clear
message; an upload too large, empty, of an unknown kind or lying about its kind is refused
before any reader runs."""

import io
import time
import zipfile

import pytest
from django.utils import translation

from surveys.importing.bounded import BoundedFailure, bounded_call
from surveys.importing.files import file_kind, kind_of_content
from surveys.importing.model import ImportRejected

LSS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<document>\n <LimeSurveyDocType>Survey</LimeSurveyDocType>"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_the_reader_value_comes_back_with_its_cost():
    result = bounded_call(lambda: {"steps": [1, 2, 3]}, seconds=10, megabytes=100)
    assert result.value == {"steps": [1, 2, 3]}
    assert result.seconds < 10
    assert result.extra_peak_kb >= 0


def test_a_reader_over_its_memory_cap_is_stopped():
    def hungry() -> int:
        blocks = [bytearray(10 * 2**20) for _ in range(100)]  # 1 GB, 10 MB at a time
        return len(blocks)

    started = time.monotonic()
    with pytest.raises(ImportRejected, match="more than 64 MB of memory"):
        bounded_call(hungry, seconds=30, megabytes=64)
    assert time.monotonic() - started < 10
    # The same reader under a cap it fits is not stopped: the cap is what stopped it.
    assert bounded_call(lambda: len(bytearray(20 * 2**20)), seconds=30, megabytes=64).value


def test_a_reader_over_its_time_cap_is_stopped():
    def slow() -> None:
        while True:
            time.sleep(0.01)

    started = time.monotonic()
    with pytest.raises(ImportRejected, match="longer than 1 seconds"):
        bounded_call(slow, seconds=1, megabytes=64)
    assert time.monotonic() - started < 5


def test_what_a_reader_rejects_passes_through_and_its_failures_are_reported():
    def rejecting() -> None:
        raise ImportRejected("That is not a survey.")

    with pytest.raises(ImportRejected, match="That is not a survey"):
        bounded_call(rejecting, seconds=10, megabytes=64)

    def broken() -> None:
        raise KeyError("gid")

    with pytest.raises(BoundedFailure) as failure:
        bounded_call(broken, seconds=10, megabytes=64)
    assert "Export it again" in str(failure.value)
    assert "KeyError" in failure.value.detail

    def deep(n: int = 0) -> int:
        return deep(n + 1)

    with pytest.raises(BoundedFailure):
        bounded_call(deep, seconds=10, megabytes=64)


def test_kind_is_told_from_the_content():
    assert kind_of_content(LSS) == "lss"
    assert kind_of_content(b"\xef\xbb\xbf" + LSS) == "lss"
    assert kind_of_content(_xlsx_bytes()) == "xlsx"
    assert kind_of_content(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "xls"
    assert kind_of_content(b"PK\x03\x04 broken zip") is None
    assert kind_of_content(b"<html>not a survey</html>") is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.lss", LSS + b" " * (2 * 2**20), "files of up to 1 MB"),
        ("empty.lss", b"", "empty"),
        ("survey.pdf", b"%PDF-1.7", "neither"),
        ("survey.xlsx", LSS, "is called an Excel workbook \\(.xlsx\\), but it is a LimeSurvey"),
        (
            "survey.lss",
            _xlsx_bytes(),
            "is called a LimeSurvey survey \\(.lss\\), but it is an Excel",
        ),
        ("survey.xls", _xlsx_bytes(), "old-format Excel workbook \\(.xls\\), but it is an Excel"),
        ("survey.xlsx", b"PK\x03\x04 damaged", "its content is not one"),
        ("survey.lss", b"<html></html>", "its content is not one"),
    ],
)
def test_uploads_that_are_refused(name, content, message):
    with pytest.raises(ImportRejected, match=message):
        file_kind(name, content, max_bytes=2**20)


def test_uploads_that_are_taken():
    assert file_kind("Brukerundersøkelse.LSS", LSS, max_bytes=2**20) == "lss"
    assert file_kind("skjema.xlsx", _xlsx_bytes(), max_bytes=2**20) == "xlsx"
