"""Interviews in the admin: times are added in a row, a session takes notes per guide
question (with and without JavaScript), passages are coded and marked as quotes, code
frequencies are suppressed under k, exports (CSV, XLSX, REFI-QDA) read back and validate,
the guide prints as a PDF, a quote reaches the findings report only scrubbed and attributed
to a group — and another library's researcher reaches none of it."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xmlschema
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cms.models import LibrarySettings
from research.interviews.services import (
    excerpt_create,
    interview_attendance_mark,
    interview_book,
    interview_note_save,
)
from research.models import (
    Excerpt,
    InterviewCode,
    InterviewNote,
    InterviewSlot,
    InterviewTheme,
    ResearchLog,
)
from research.reports.services import report_html
from tests.interviewdata import interview_quote_report

PHONE = "912 34 567"
XSD = Path(__file__).resolve().parents[2] / "research/schemas/refi-qda/Project-mrt2019.xsd"


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _question_keys(study):
    return [q.key for s in study.guide.guide_sections() for q in s.questions]


@pytest.fixture
def coded(study):
    """Three interviewed participants with notes, a code tree, a theme and excerpts."""
    keys = _question_keys(study)
    barrier = InterviewCode.objects.create(library=study.site, name="Barrierer")
    time_code = InterviewCode.objects.create(library=study.site, name="Tid", parent=barrier)
    place = InterviewCode.objects.create(library=study.site, name="Lokalet")
    theme = InterviewTheme.objects.create(library=study.site, name="Hindringer")
    theme.codes.set([barrier, place])
    theme.save()
    participants = []
    bookings = [
        interview_book(invitation=invitation, slot_id=study.slots[2].pk)
        for invitation in study.invitations
    ]
    InterviewSlot.objects.filter(pk=study.slots[2].pk).update(
        starts_at=timezone.now() - timedelta(hours=2)
    )
    for n, booking in enumerate(bookings):
        booking.refresh_from_db()
        interview_attendance_mark(booking=booking, attended=True)
        text = f"Jeg har ikke tid til å lese, sier deltaker {n}. Ring meg på {PHONE}."
        note = interview_note_save(
            participant=booking.participant, question_key=keys[2], text=text, user=None
        )
        excerpt_create(
            note=note,
            text="Jeg har ikke tid til å lese",
            codes=[time_code],
            quotable=n == 0,
            user=None,
        )
        participants.append(booking.participant)
    excerpt_create(
        note=participants[1].notes.get(),
        text=f"Ring meg på {PHONE}",
        codes=[place],
        quotable=False,
        user=None,
    )
    return participants, barrier, time_code, place


def test_add_times_in_a_row_and_attendance(client, researcher_a, study):
    client.force_login(researcher_a)
    url = reverse("research_interview_round", args=[study.campaign.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Sølvberget, rom 2" in page.content.decode()
    response = client.post(
        url,
        {
            "action": "add-slots",
            "first_start": "2030-03-04T10:00",
            "minutes": "30",
            "count": "3",
            "gap_minutes": "15",
            "place": "Sølvberget, Stillerommet",
            "capacity": "1",
        },
    )
    assert response.status_code == 302
    added = list(InterviewSlot.objects.filter(place="Sølvberget, Stillerommet"))
    starts = [timezone.localtime(s.starts_at).strftime("%H:%M") for s in added]
    assert starts == ["10:00", "10:45", "11:30"]
    bad = client.post(
        url,
        {
            "action": "add-slots",
            "first_start": "2030-03-04T10:00",
            "minutes": "30",
            "count": "1",
            "gap_minutes": "0",
            "capacity": "1",
        },
    )
    assert bad.status_code == 200 and ("place" in bad.content.decode().lower())
    assert InterviewSlot.objects.count() == 6


def test_session_notes_with_and_without_javascript(client, researcher_a, study):
    booking = interview_book(invitation=study.invitations[0], slot_id=study.slots[0].pk)
    participant = booking.participant
    client.force_login(researcher_a)
    url = reverse("research_interview_session", args=[participant.pk])
    page = client.get(url).content.decode()
    assert "P-001" in page and "Fortell litt om deg selv." in page and "Hva studerer du?" in page
    assert "20-24" in page and ("version 1" in page or "versjon 1" in page)
    assert study.members[0].email not in page  # the participant is only a code
    assert ResearchLog.objects.filter(action="interview-session", object_id="P-001").exists()
    keys = _question_keys(study)
    response = client.post(
        url, {"action": "note", "question": keys[0], f"{keys[0]}-text": "Studerer sykepleie."}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#q-{keys[0]}")
    autosave = client.post(
        url,
        {"action": "note", "question": keys[1], f"{keys[1]}-text": "For et år siden."},
        HTTP_X_REQUESTED_WITH="innsikt-autosave",
    )
    assert autosave.status_code == 200 and "saved" in autosave.json()
    notes = dict(InterviewNote.objects.values_list("question_key", "text"))
    assert notes == {keys[0]: "Studerer sykepleie.", keys[1]: "For et år siden."}
    assert client.post(url, {"action": "note", "question": "no-such-key"}).status_code == 404


def test_tag_a_passage_must_come_from_the_note(client, researcher_a, study):
    booking = interview_book(invitation=study.invitations[0], slot_id=study.slots[0].pk)
    key = _question_keys(study)[2]
    interview_note_save(
        participant=booking.participant,
        question_key=key,
        text="Åpningstidene passer ikke.",
        user=None,
    )
    code = InterviewCode.objects.create(library=study.site, name="Åpningstider")
    client.force_login(researcher_a)
    url = reverse("research_interview_session", args=[booking.participant.pk])
    client.post(
        url,
        {
            "action": "excerpt",
            "question": key,
            f"x-{key}-text": "Noe annet",
            f"x-{key}-codes": [code.pk],
        },
    )
    assert not Excerpt.objects.exists()
    client.post(
        url,
        {
            "action": "excerpt",
            "question": key,
            f"x-{key}-text": "Åpningstidene passer ikke",
            f"x-{key}-codes": [code.pk],
            f"x-{key}-quotable": "on",
        },
    )
    excerpt = Excerpt.objects.get()
    assert excerpt.quotable and list(excerpt.codes.all()) == [code]
    client.post(url, {"action": "toggle-quote", "excerpt": excerpt.pk})
    excerpt.refresh_from_db()
    assert not excerpt.quotable


def test_code_frequencies_by_segment_are_suppressed_under_k(client, researcher_a, study, coded):
    client.force_login(researcher_a)
    url = reverse("research_interview_coding", args=[study.campaign.pk])
    html = client.get(url).content.decode()
    table = html.split('id="code-frequencies"')[1].split("</table>")[0]
    assert "&lt; 5" in table and ">3<" not in table  # three participants: hidden at k = 5
    settings_row = LibrarySettings.for_site(study.site)
    settings_row.k_threshold = 3
    settings_row.save()
    table = client.get(url).content.decode().split('id="code-frequencies"')[1]
    assert ">3</td>" in table  # Barrierer (via Tid) and Tid: all three
    _participants, barrier, _time_code, _place = coded
    excerpts = client.get(url, {"code": barrier.pk}).content.decode()
    assert excerpts.count("Jeg har ikke tid til å lese") == 3  # a parent shows its children's
    assert "Studenter, 20-24" in excerpts  # the quotable one, with its attribution


def test_exports_read_back_validate_and_hold_no_personal_data(client, researcher_a, study, coded):
    client.force_login(researcher_a)
    url = lambda fmt: reverse("research_interview_export", args=[study.campaign.pk, fmt])  # noqa: E731
    archive = zipfile.ZipFile(io.BytesIO(client.get(url("csv")).content))
    assert sorted(archive.namelist()) == ["codes.csv", "excerpts.csv", "notes.csv", "themes.csv"]
    notes = pd.read_csv(archive.open("notes.csv"), encoding="utf-8-sig")
    assert list(notes["participant"]) == ["P-001", "P-002", "P-003"]
    assert all("[fjernet]" in text and PHONE not in text for text in notes["note"])
    excerpts = pd.read_csv(archive.open("excerpts.csv"), encoding="utf-8-sig")
    assert len(excerpts) == 4 and "Barrierer › Tid" in set(excerpts["codes"])
    assert not any(PHONE in str(t) for t in excerpts["passage"])
    assert archive.read("codes.csv").startswith(b"\xef\xbb\xbf")  # BOM for Excel
    book = openpyxl.load_workbook(io.BytesIO(client.get(url("xlsx")).content), read_only=True)
    assert book.sheetnames == ["notes", "codes", "themes", "excerpts"]
    rows = list(book["themes"].values)
    assert rows[1][0] == "Hindringer" and "Lokalet" in rows[1][2]
    qdpx = zipfile.ZipFile(io.BytesIO(client.get(url("qdpx")).content))
    project = qdpx.read("project.qde")
    xmlschema.XMLSchema(str(XSD)).validate(project)
    texts = [qdpx.read(n).decode() for n in qdpx.namelist() if n.startswith("Sources/")]
    assert len(texts) == 3 and all(PHONE not in t for t in texts)
    assert b"Barrierer" in project and b"Hindringer" in project
    for member in study.members:
        assert member.email.encode() not in project
    logged = ResearchLog.objects.filter(action="interview-export").values_list("detail", flat=True)
    assert sorted(d.split(":")[0] for d in logged) == ["csv", "qdpx", "xlsx"]


def test_guide_prints_as_pdf(client, researcher_a, study):
    client.force_login(researcher_a)
    response = client.get(reverse("research_interview_guide_pdf", args=[study.guide.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Studentintervju" in text and "Hva hindrer deg i å låne bøker?" in text
    assert "Kan du gi et eksempel?" in text and "25" in text  # total minutes
    assert "Vi tar notater uten navn." in text


def test_another_librarys_researcher_reaches_nothing(client, researcher_b, study, coded):
    participants, *_rest = coded
    client.force_login(researcher_b)
    for url in (
        reverse("research_interview_round", args=[study.campaign.pk]),
        reverse("research_interview_session", args=[participants[0].pk]),
        reverse("research_interview_coding", args=[study.campaign.pk]),
        reverse("research_interview_export", args=[study.campaign.pk, "csv"]),
        reverse("research_interview_guide_pdf", args=[study.guide.pk]),
    ):
        assert client.get(url).status_code in (302, 404), url
    assert study.campaign.name not in client.get(reverse("research_interviews")).content.decode()


def test_a_quote_reaches_the_report_only_with_k_interviewed(study, coded):
    quote = Excerpt.objects.get(quotable=True)
    library = LibrarySettings.for_site(study.site)
    library.k_threshold = 3
    library.save()
    report = interview_quote_report(study, quote)
    html = report_html(report)
    assert "Jeg har ikke tid til å lese" in html and "Studenter, 20-24" in html
    assert PHONE not in html and "P-001" not in html and study.members[0].email not in html
    assert "Intervju med studenter" in html  # the methods section names the interviews
    assert report.problems() == []
    library.k_threshold = 5
    library.save()
    html = report_html(report)
    assert "Jeg har ikke tid til å lese" not in html  # three interviewed, k = 5
    assert "Fewer than 5" in html or "Færre enn 5" in html  # the block says why
