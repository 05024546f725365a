"""Abuse control on the panel's public forms that send mail (sign-up, the "my data" link):
a honeypot, a per-browser-token rate limit and at most INNSIKT_MAILS_PER_ADDRESS mails a
day to one address — each refused post gets the same neutral answer as an accepted one,
and nothing is stored or sent. Never a per-IP block: every client here shares one."""

import pytest
from django.test import Client
from django.urls import reverse

from cms.abuse import HONEYPOT
from panel.models import PanelMember
from panel.services import confirmation_token, member_confirm
from tests.panel.conftest import VALID

pytestmark = pytest.mark.django_db


def _browser() -> Client:
    """A browser of its own (its own token cookie), behind the same address as the rest."""
    browser = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.0.0.1")
    return browser


def _signup(browser: Client, page, data: dict, captured) -> tuple[object, int]:
    browser.get(page.url)  # the form gives the browser its token
    with captured(execute=False) as mails:
        answer = browser.post(page.url, data)
    return answer, len(mails)


def test_a_filled_honeypot_signs_nobody_up_and_says_the_same(
    signup_page, django_capture_on_commit_callbacks
):
    bot, person = _browser(), _browser()
    trapped, mails = _signup(
        bot, signup_page, {**VALID, HONEYPOT: "http://spam"}, django_capture_on_commit_callbacks
    )
    assert mails == 0 and not PanelMember.objects.exists()
    joined, mails = _signup(person, signup_page, VALID, django_capture_on_commit_callbacks)
    assert mails == 1 and PanelMember.objects.count() == 1
    assert trapped.status_code == joined.status_code == 302
    assert trapped["Location"] == joined["Location"]  # the same "check your e-mail"
    form = person.get(signup_page.url).content.decode()
    assert f'name="{HONEYPOT}"' in form and 'aria-hidden="true"' in form


def test_one_browser_posting_too_often_is_refused_others_are_not(
    signup_page, settings, django_capture_on_commit_callbacks
):
    settings.INNSIKT_PANEL_RATE_LIMIT = "3/h"
    flood = _browser()
    flood.get(signup_page.url)
    for n in range(3):
        answer, mails = _signup(
            flood,
            signup_page,
            {**VALID, "email": f"a{n}@example.no"},
            django_capture_on_commit_callbacks,
        )
        assert mails == 1
    answer, mails = _signup(
        flood, signup_page, {**VALID, "email": "a9@example.no"}, django_capture_on_commit_callbacks
    )
    assert answer.status_code == 302 and answer["Location"].endswith("?sendt=1")
    assert mails == 0 and not PanelMember.objects.filter(email="a9@example.no").exists()
    # Another browser on the same address (the library's wifi) is not affected.
    _answer, mails = _signup(
        _browser(),
        signup_page,
        {**VALID, "email": "b@example.no"},
        django_capture_on_commit_callbacks,
    )
    assert mails == 1


def test_one_address_gets_at_most_three_mails_a_day(
    signup_page, settings, django_capture_on_commit_callbacks
):
    """Someone signs another person up again and again (from fresh browsers): the pending
    sign-up's confirmation is sent three times a day at most, and every answer is the
    same."""
    settings.INNSIKT_MAILS_PER_ADDRESS = 3
    sent = []
    for _ in range(6):
        answer, mails = _signup(_browser(), signup_page, VALID, django_capture_on_commit_callbacks)
        assert answer.status_code == 302 and answer["Location"].endswith("?sendt=1")
        sent.append(mails)
    assert sent == [1, 1, 1, 0, 0, 0] and PanelMember.objects.count() == 1


def test_the_my_data_link_form_has_the_same_guards(
    signup_page, settings, django_capture_on_commit_callbacks
):
    settings.INNSIKT_MAILS_PER_ADDRESS = 2
    _signup(_browser(), signup_page, VALID, django_capture_on_commit_callbacks)
    member = PanelMember.objects.get()
    member_confirm(token=confirmation_token(member))
    url = reverse("panel_my_data_request")
    sent = []
    for data in (
        {"email": member.email, HONEYPOT: "x"},  # a bot
        {"email": member.email},
        {"email": member.email},
        {"email": member.email},  # over the address's day
    ):
        browser = _browser()
        browser.get(url)
        with django_capture_on_commit_callbacks(execute=False) as mails:
            answer = browser.post(url, data)
        assert answer.status_code == 302 and answer["Location"].endswith("?sendt=1")
        sent.append(len(mails))
    # The sign-up's confirmation took one of the day's two mails to the address.
    assert sent == [0, 1, 0, 0]
