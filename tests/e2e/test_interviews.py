"""Interviews end to end (issue 6 §6), with Chromium (Playwright), the live server, a real
Celery worker and a real SMTP server (aiosmtpd): a member books, moves and cancels a time
from the invitation mail and gets calendar files; two members clicking the last place at
the same moment get one booking and one clear "taken"; a researcher marks attendance,
takes notes (button and autosave) and tags a quote; the findings PDF made by the worker
quotes it scrubbed and attributed only to a group; and the public pages pass axe-core."""

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar
from playwright.sync_api import expect
from pypdf import PdfReader

from cms.models import LibrarySettings
from panel.models import ConsentText
from panel.services import invitation_token
from panel.tasks import invitations_send
from research.interviews.services import (
    excerpt_create,
    interview_attendance_mark,
    interview_book,
    interview_note_save,
)
from research.models import (
    Excerpt,
    InterviewBooking,
    InterviewCode,
    InterviewNote,
    InterviewSlot,
    ReportJob,
)
from research.services import report_generate
from tests.e2e.browsing import PHONE
from tests.e2e.test_accessibility import AXE, WCAG_TAGS, visit
from tests.integration.conftest import wait_for
from tests.interviewdata import interview_quote_report
from tests.realparts import worker_start, worker_stop

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PHONE_NUMBER = "912 34 567"
TAKEN = (
    "Noen andre booket den tiden for et øyeblikk siden. Velg en annen tid.",
    "Someone else booked that time a moment ago. Choose another time.",
)


# ---- helpers ------------------------------------------------------------------------------
@pytest.fixture
def worker(study, transactional_db, tmp_path, settings, smtp_server):
    """A real Celery worker mailing to the test's SMTP server and writing report PDFs to the
    test's private storage (which this process reads them back from). Started after the
    study is made, so the purge drops the sends its launch queued: each test sends what it
    needs itself, once the site's address is the live server's."""
    from cms.celery import app

    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    app.control.purge()  # no stale tasks of an earlier test
    process = worker_start(
        tmp_path / "worker.log", smtp_server.port, INNSIKT_PRIVATE_ROOT=str(tmp_path / "private")
    )
    yield process
    worker_stop(process)


def _serve_from(site, site_url):
    """Links in the mails point at the live server."""
    site.port = urlsplit(site_url).port
    site.save()


def _mails_to(inbox, address):
    return [m for m in inbox.messages if m["To"] == address]


def _body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(message, pattern):
    return re.search(pattern, _body(message)).group(0)


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _ics(message):
    """The calendar file attached to a mail, parsed; its MIME part names the same METHOD
    (calendar programs read it there) in a well-formed header (no parameter twice)."""
    (part,) = [p for p in message.iter_attachments() if p.get_filename().endswith(".ics")]
    assert part.get_content_type() == "text/calendar"
    assert not part["Content-Type"].defects, part["Content-Type"].defects
    assert part.get_content_charset() == "utf-8"
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(calendar["METHOD"])
    return calendar


def _calendar_mails(inbox, address):
    return [m for m in _mails_to(inbox, address) if any(m.iter_attachments())]


def _booking_url(invitation, language="nb", name="interview_booking"):
    with translation.override(language):
        return reverse(name, args=[invitation_token(invitation.pk)])


def _question_keys(study):
    return [q.key for s in study.guide.guide_sections() for q in s.questions]


def _researcher_context(new_context, site_url, user, **options):
    """A browser signed in as ``user`` (a Django session cookie)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = new_context(**options)
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": site_url}]
    )
    return context


def _submit(tab):
    with tab.expect_navigation():
        tab.locator(".btns button[type=submit]").click()


def _begun(slot):
    """The time has begun (attendance can be marked)."""
    InterviewSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(hours=1))


# ---- 1. the member's whole way, with every real part ------------------------------------
def test_invitation_mail_book_move_and_cancel_with_calendar_files(
    new_context, site_url, study, worker, smtp_server
):
    _serve_from(study.site, site_url)
    invitation = study.invitations[0]
    address = invitation.member.email
    one, two, _group = study.slots

    # The invitation goes out through the worker and reaches the SMTP server.
    invitations_send.delay([str(invitation.pk)])
    assert wait_for(lambda: _mails_to(smtp_server, address))
    (invite,) = _mails_to(smtp_server, address)
    assert "intervju" in invite["Subject"].lower()
    link = _link(invite, r"http://\S+/panel/inv/\S+/")
    assert link.startswith(site_url)

    # The personal link opens the booking page; the member picks a time by clicking.
    tab = new_context(**PHONE).new_page()
    visit(tab, site_url + _path(link))
    assert tab.url == site_url + _booking_url(invitation)
    expect(tab.locator("input[type=radio][name=slot]")).to_have_count(3)
    tab.locator(f"#slot-{one.pk}").click()
    expect(tab.locator(f"#slot-{one.pk}")).to_be_checked()
    _submit(tab)
    assert tab.url.endswith("?done=booked")
    expect(tab.locator("[role=status] h2")).to_be_visible()
    expect(tab.locator("main dl")).to_contain_text("Sølvberget, rom 2")
    booking = InterviewBooking.objects.get(status="booked")
    assert booking.slot_id == one.pk and booking.participant.code == "P-001"

    # The confirmation comes from the worker with the calendar file.
    assert wait_for(lambda: len(_calendar_mails(smtp_server, address)) == 1)
    (confirmation,) = _calendar_mails(smtp_server, address)
    calendar = _ics(confirmation)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event.decoded("DTSTART") == one.starts_at
    assert event.decoded("DTEND") == one.starts_at + timedelta(minutes=30)
    assert str(event["LOCATION"]) == "Sølvberget, rom 2"
    assert int(event["SEQUENCE"]) == 0
    uid = str(event["UID"])
    assert uid

    # The mail's link leads back to the booking, where the member moves it.
    manage = _link(confirmation, r"http://\S+/intervju/\S+/")
    visit(tab, site_url + _path(manage))
    expect(tab.locator("input[type=radio][name=slot]")).to_have_count(2)  # not the booked one
    tab.locator(f"label[for=slot-{two.pk}]").click()  # the label is part of the target
    expect(tab.locator(f"#slot-{two.pk}")).to_be_checked()
    _submit(tab)
    assert tab.url.endswith("?done=moved")
    expect(tab.locator("main dl")).to_contain_text("https://video.example.no/rom")
    moved = InterviewBooking.objects.get(status="booked")
    assert moved.slot_id == two.pk and moved.sequence == 1

    assert wait_for(lambda: len(_calendar_mails(smtp_server, address)) == 2)
    change = _calendar_mails(smtp_server, address)[-1]
    calendar = _ics(change)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == two.starts_at
    assert event.decoded("DTEND") == two.starts_at + timedelta(minutes=30)
    assert "https://video.example.no/rom" in str(event["LOCATION"])

    # Cancel: the link asks first, the button cancels.
    with tab.expect_navigation():
        tab.locator(
            f"a[href='{_booking_url(invitation, name='interview_booking_cancel')}']"
        ).click()
    expect(tab.locator("h1")).to_be_visible()
    assert InterviewBooking.objects.filter(status="booked").count() == 1  # asking is not doing
    _submit(tab)
    assert tab.url.endswith("?done=cancelled")
    assert not InterviewBooking.objects.filter(status="booked").exists()
    expect(tab.locator("input[type=radio][name=slot]")).to_have_count(3)  # free to book again

    assert wait_for(lambda: len(_calendar_mails(smtp_server, address)) == 3)
    cancellation = _calendar_mails(smtp_server, address)[-1]
    calendar = _ics(cancellation)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) > 1  # later than the change it cancels
    assert len(_mails_to(smtp_server, address)) == 4  # invitation, booked, moved, cancelled


# ---- 2. two members, one place, the same moment -------------------------------------------
def test_two_members_clicking_the_last_place_at_once_get_one_booking(new_context, site_url, study):
    one = study.slots[0]
    tabs = []
    for invitation in study.invitations[:2]:
        tab = new_context().new_page()
        visit(tab, site_url + _booking_url(invitation))
        tab.check(f"#slot-{one.pk}")
        tabs.append(tab)
    first, second = tabs

    def posted(response):
        return response.request.method == "POST"

    # Both forms are sent before either answer comes back.
    with (
        first.expect_response(posted) as first_answer,
        second.expect_response(posted) as second_answer,
    ):
        for tab in tabs:
            tab.evaluate("document.querySelector('form').requestSubmit()")
    for tab in tabs:
        tab.wait_for_load_state()
    statuses = {
        tab: answer.value.status
        for tab, answer in zip(tabs, (first_answer, second_answer), strict=True)
    }
    assert sorted(statuses.values()) == [302, 409], statuses
    won = next(tab for tab, status in statuses.items() if status == 302)
    lost = next(tab for tab, status in statuses.items() if status == 409)

    assert InterviewBooking.objects.filter(slot=one).count() == 1
    assert InterviewBooking.objects.filter(status="booked").count() == 1
    expect(won.locator("[role=status] h2")).to_be_visible()
    assert won.url.endswith("?done=booked")
    summary = lost.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.locator("li").inner_text().strip() in TAKEN
    expect(lost.locator(f"#slot-{one.pk}")).to_have_count(0)  # the taken time is gone
    expect(lost.locator("input[type=radio][name=slot]")).to_have_count(2)


# ---- 3. the researcher in the admin ---------------------------------------------------------
def test_researcher_marks_attendance_takes_notes_and_tags_a_quote(
    new_context, site_url, study, researcher_a
):
    booking = interview_book(invitation=study.invitations[0], slot_id=study.slots[0].pk)
    participant = booking.participant
    _begun(study.slots[0])
    code = InterviewCode.objects.create(library=study.site, name="Åpningstider")
    first, second, third = _question_keys(study)

    # Without JavaScript: attendance and a note with the button.
    tab = _researcher_context(new_context, site_url, researcher_a, java_script_enabled=False)
    tab = tab.new_page()
    visit(tab, site_url + reverse("research_interview_round", args=[study.campaign.pk]))
    times = tab.locator("#interview-times")
    expect(times).to_contain_text("P-001")
    with tab.expect_navigation():
        times.locator("button[name=action][value=attended]").click()
    assert wait_for(lambda: InterviewBooking.objects.get(pk=booking.pk).status == "attended", 5)

    session_url = reverse("research_interview_session", args=[participant.pk])
    with tab.expect_navigation():
        tab.locator(f"a[href='{session_url}']").first.click()
    expect(tab.locator(f"#q-{first} h3")).to_have_text("Fortell litt om deg selv.")
    question = tab.locator(f"#q-{third}")
    question.locator(f"#id_{third}-text").fill("Åpningstidene passer ikke. Jeg jobber til åtte.")
    with tab.expect_navigation():
        question.locator(".note-form button[type=submit]").click()
    assert tab.url.endswith(f"#q-{third}")
    note = InterviewNote.objects.get(participant=participant, question_key=third)
    assert note.text == "Åpningstidene passer ikke. Jeg jobber til åtte."
    assert note.updated_by == researcher_a

    # Tag a passage of the saved note with a code and mark it as a quote.
    question = tab.locator(f"#q-{third}")
    question.locator("details.excerpt-form summary").click()
    question.locator(f"#id_x-{third}-text").fill("Åpningstidene passer ikke")
    question.get_by_label("Åpningstider").check()
    question.locator(f"#id_x-{third}-quotable").check()
    with tab.expect_navigation():
        question.locator("details.excerpt-form button[type=submit]").click()
    excerpt = Excerpt.objects.get()
    assert excerpt.note == note and excerpt.text == "Åpningstidene passer ikke"
    assert excerpt.quotable is True and list(excerpt.codes.all()) == [code]
    expect(tab.locator(f"#q-{third} ul.excerpts q")).to_have_text("Åpningstidene passer ikke")

    # With JavaScript: typing is saved without the button, and is there after a reload.
    tab = _researcher_context(new_context, site_url, researcher_a).new_page()
    visit(tab, site_url + session_url)
    tab.locator(f"#id_{second}-text").fill("For et år siden, med datteren min.")
    # "Saved 12:34:56" once the script's post was answered (not "Not saved – use the button").
    expect(tab.locator(f"#q-{second} .saved")).to_have_text(
        re.compile(r"^(Saved|Lagret) \d\d:\d\d:\d\d$")
    )
    assert wait_for(
        lambda: InterviewNote.objects.filter(
            participant=participant, question_key=second, text="For et år siden, med datteren min."
        ).exists(),
        10,
    )
    tab.reload()
    expect(tab.locator(f"#id_{second}-text")).to_have_value("For et år siden, med datteren min.")
    expect(tab.locator(f"#id_{third}-text")).to_have_value(
        "Åpningstidene passer ikke. Jeg jobber til åtte."
    )
    assert not InterviewNote.objects.filter(question_key=first).exists()


# ---- 4. the findings PDF made by the worker ------------------------------------------------
def test_findings_pdf_from_the_worker_quotes_scrubbed_and_attributed_to_a_group(
    study, worker, researcher_a
):
    group = study.slots[2]
    bookings = [interview_book(invitation=i, slot_id=group.pk) for i in study.invitations]
    _begun(group)
    key = _question_keys(study)[2]
    quote_text = ""
    for n, booking in enumerate(bookings):
        booking.refresh_from_db()
        interview_attendance_mark(booking=booking, attended=True)
        email = booking.participant.member.email
        passage = f"Jeg rekker ikke biblioteket, skriv til {email} eller ring {PHONE_NUMBER}"
        note = interview_note_save(
            participant=booking.participant,
            question_key=key,
            text=f"Deltakeren sa: {passage}. Hun smilte.",
            user=researcher_a,
        )
        if n == 0:
            quote_text = passage
            excerpt = excerpt_create(
                note=note, text=passage, codes=[], quotable=True, user=researcher_a
            )
    library = LibrarySettings.for_site(study.site)
    library.k_threshold = 3
    library.save()
    report = interview_quote_report(study, excerpt)
    report.save_revision(user=researcher_a)

    job = report_generate(report=report, user=researcher_a)
    assert wait_for(
        lambda: ReportJob.objects.get(pk=job.pk).status in ("done", "failed"), timeout=90
    )
    job.refresh_from_db()
    assert job.status == "done", job.error
    with job.file.open("rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())

    assert quote_text.startswith("Jeg rekker ikke biblioteket")
    assert "Jeg rekker ikke biblioteket, skriv til [fjernet] eller ring [fjernet]" in flat, flat
    assert "Studenter, 20-24" in flat
    assert PHONE_NUMBER not in flat and "91234567" not in flat.replace(" ", "")
    for member in study.members:
        assert member.email not in flat and member.email not in flat.replace(" ", "")
    assert not re.search(r"P-\d{3}", flat)


# ---- 5. axe-core on the public booking pages ------------------------------------------------
def _open(tab, site_url, study, language, case):
    """Bring the booking pages into the state the case names (and check it got there)."""
    invitation = study.invitations[0]
    booking_url = site_url + _booking_url(invitation, language)
    if case == "cancel":
        interview_book(invitation=invitation, slot_id=study.slots[0].pk)
        visit(tab, site_url + _booking_url(invitation, language, "interview_booking_cancel"))
        expect(tab.locator("form button[type=submit]")).to_have_count(1)
        return
    visit(tab, booking_url)
    expect(tab.locator("#consent")).to_be_visible()
    expect(tab.locator("#consent")).to_contain_text(
        {
            "nb": "Nye vilkår for intervju.",
            "nn": "Nye vilkår for intervju (nynorsk).",
            "en": "New interview terms.",
        }[language]
    )
    if case == "errors":
        _submit(tab)  # nothing chosen, nothing agreed to
        expect(tab.locator(".error-summary li")).to_have_count(2)
        expect(tab.locator(".error-summary")).to_be_focused()
        assert not InterviewBooking.objects.exists()
    elif case == "booked":
        tab.check(f"#slot-{study.slots[2].pk}")
        tab.check("#consent-yes")
        _submit(tab)
        expect(tab.locator("[role=status] h2")).to_be_visible()
        expect(tab.locator("main dl")).to_contain_text("Sølvberget, verkstedet")
        assert InterviewBooking.objects.filter(status="booked").count() == 1


@pytest.mark.parametrize(
    "case,size",
    [
        ("booking", "desktop"),
        ("booking", "phone"),
        ("errors", "desktop"),
        ("booked", "desktop"),
        ("cancel", "desktop"),
    ],
)
@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_booking_pages_have_no_wcag_violations(new_context, site_url, study, language, case, size):
    ConsentText.objects.create(
        library=study.site,
        purpose="interviews",
        material=True,
        text_nb="Nye vilkår for intervju.",
        text_nn="Nye vilkår for intervju (nynorsk).",
        text_en="New interview terms.",
    )
    tab = new_context(**(PHONE if size == "phone" else {})).new_page()
    _open(tab, site_url, study, language, case)
    assert tab.locator("html").get_attribute("lang") == language
    results = AXE.run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
