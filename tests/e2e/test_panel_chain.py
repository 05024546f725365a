"""The panel end to end with every real part: Chromium (Playwright), the live server, a
real Celery worker and a real SMTP server (aiosmtpd). Sign up through the event QR channel,
confirm from the mail, be invited because the segment matches, answer, get no reminder
while another member gets exactly one, unsubscribe with one click, export and erase."""

import json
import re
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from panel.models import (
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    PanelMember,
    PanelSignupPage,
    Reminder,
    Segment,
    SignupChannel,
)
from panel.services import campaign_launch
from panel.tasks import reminders_dispatch
from surveys.models import Response
from tests import factories
from tests.e2e.browsing import PHONE
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _mails_to(inbox, address):
    return [m for m in inbox.messages if m["To"] == address]


def _link(message, pattern):
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(pattern, body).group(0)


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_qr_signup_to_answer_reminder_unsubscribe_and_erasure(
    new_context,
    site_url,
    library_a,
    celery_worker,
    smtp_server,
    admin_user,
):
    site = Site.objects.get(root_page=library_a)
    site.port = urlsplit(site_url).port  # links in the mails point at the live server
    site.save()
    text = ConsentText.objects.create(
        library=site, purpose="panel", text_nb="Jeg vil være med.", text_en="I want to join."
    )
    page = PanelSignupPage(
        title="Bli med", slug="panel", screener=[factories.q("yes_no", "student", "Er du student?")]
    )
    library_a.add_child(instance=page)
    page.save_revision().publish()
    poster = SignupChannel.objects.create(page=page, kind="qr", name="Bokbad 12. mars")
    survey = factories.survey(
        library_a, factories.BRANCHING, slug="panelsurvey", one_response_per_browser=False
    )
    # Another member, already in the panel.
    ola = PanelMember.objects.create(
        library=site,
        email="ola@example.no",
        status="active",
        age_band="25-34",
        attributes={"student": "yes"},
    )
    ConsentRecord.objects.create(member=ola, purpose="panel", text=text, given=True)

    # 1. Kari signs up from the QR poster at an event and confirms from the mail.
    tab = new_context(**PHONE).new_page()
    tab.goto(f"{site_url}/panel/bli-med/{poster.code}/")  # the poster's QR code
    tab.fill("#f-email", "kari@example.no")
    tab.check("#f-language-0")
    tab.check("#f-age-band-2")
    tab.check("#f-student-0")
    tab.check("#f-consent-panel")
    tab.locator(".btns button").click()
    expect(tab.locator("h1")).to_have_text("Sjekk e-posten din")
    assert wait_for(lambda: _mails_to(smtp_server, "kari@example.no"))
    confirm = _link(_mails_to(smtp_server, "kari@example.no")[0], r"http://\S+/bekreft/\S+/")
    tab.goto(site_url + _path(confirm))
    tab.locator(".btns button").click()
    expect(tab.locator("h1")).to_have_text("Velkommen i brukerpanelet")
    kari = PanelMember.objects.get(email="kari@example.no")
    assert (kari.status, kari.channel) == ("active", "qr")

    # 2. Both are students: the campaign invites both, through the worker and SMTP.
    campaign = Campaign.objects.create(
        library=site,
        name="Høst",
        survey=survey,
        segment=Segment.objects.create(
            library=site,
            name="Studenter",
            rules=[
                {
                    "type": "rule",
                    "value": {"field": "student", "operator": "equals", "value": "yes"},
                }
            ],
        ),
        starts_at=timezone.now() - timedelta(minutes=1),
        window_start=time(0, 0),
        window_end=time(23, 59),
        remind_after_days=0,
        max_reminders=1,
    )
    assert campaign_launch(campaign=campaign, user=admin_user) == 2
    for address in ("kari@example.no", "ola@example.no"):
        assert wait_for(
            lambda a=address: len(_mails_to(smtp_server, a)) >= (2 if a == "kari@example.no" else 1)
        )

    # 3. Kari answers through her link; the answer carries only her pseudonym.
    invite = _link(_mails_to(smtp_server, "kari@example.no")[-1], r"http://\S+/panel/inv/\S+/")
    tab.goto(site_url + _path(invite))
    tab.check("#f-card-1")
    tab.check("#f-why-0")
    tab.locator(".btns button[type=submit]:not([name])").click()
    tab.check("#f-satisfied-3")
    tab.locator(".btns button[type=submit]:not([name])").click()
    expect(tab.locator("h1")).to_have_text("Takk for svarene dine")
    assert Response.objects.get().pseudonym == kari.pseudonym
    assert wait_for(lambda: Invitation.objects.get(member=kari).completed_at is not None)

    # 4. Reminders: only Ola, and only once.
    before = len(smtp_server.messages)
    reminders_dispatch.delay()
    assert wait_for(
        lambda: Reminder.objects.filter(invitation__member=ola, state="sent").count() == 1
    )
    assert wait_for(lambda: len(smtp_server.messages) == before + 1)
    reminders_dispatch.delay()
    assert wait_for(lambda: len(smtp_server.messages) == before + 1, timeout=5)
    reminder = smtp_server.messages[-1]
    assert reminder["To"] == "ola@example.no" and "Påminnelse" in reminder["Subject"]

    # 5. Ola unsubscribes with one click (a POST from the mail client, no CSRF token).
    unsubscribe = re.search(r"<(http\S+?)>", str(reminder["List-Unsubscribe"])).group(1)
    answer = tab.request.post(site_url + _path(unsubscribe), form={"List-Unsubscribe": "One-Click"})
    assert answer.ok and PanelMember.objects.get(pk=ola.pk).status == "left"

    # 6. Kari downloads her data, then erases her membership.
    tab.goto(f"{site_url}/panel/mine-data/")
    tab.fill("#f-email", "kari@example.no")
    tab.locator(".btns button").click()
    assert wait_for(
        lambda: any(
            "mine-data" in m.get_body(preferencelist=("plain",)).get_content()
            for m in _mails_to(smtp_server, "kari@example.no")
        )
    )
    signin = _link(
        _mails_to(smtp_server, "kari@example.no")[-1], r"http://\S+/panel/mine-data/\S+/"
    )
    tab.goto(site_url + _path(signin))
    tab.locator(".btns button").click()
    expect(tab.locator("h1")).to_have_text("Opplysningene dine i brukerpanelet")
    export = json.loads(tab.request.get(f"{site_url}/panel/mine-data/last-ned/").text())
    assert export["member"]["email"] == "kari@example.no"
    assert export["member"]["joined_via"] == "qr"  # the channel kind, as segments use it
    tab.locator("form[action$='/slett/'] button").click()
    tab.locator("button[type=submit]").first.click()
    expect(tab.locator("h1")).to_have_text("Opplysningene dine er slettet")
    assert not PanelMember.objects.filter(email="kari@example.no").exists()
    # The answer stays, now anonymous: it has lost Kari's pseudonym (panel member_erase).
    assert Response.objects.get().pseudonym == ""
