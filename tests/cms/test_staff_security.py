"""Staff accounts are hard to take over (docs/security.md): two-factor sign-in with
recovery codes (enforced when INNSIKT_2FA_REQUIRED), an administrator's reset, sign-in
locked per account after repeated failures and limited per browser (never per address
alone), sessions that end when idle or when their owner ends them, and staff cookies
that differ from a respondent's."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cms.models import StaffSession
from cms.sessions import SEEN_KEY

pytestmark = pytest.mark.django_db
PASSWORD = "pw-forsker-a"  # tests.factories.researcher's


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("wagtailadmin_login"), {"username": username, "password": password})


def _text(response) -> str:
    """A page's words, without the per-request CSRF token."""
    import re

    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"CSRF_TOKEN": "[^"]+"', "", text)


def _enrol(client: Client) -> list[str]:
    """Set up the authenticator app through the pages; returns the recovery codes."""
    setup = client.get(reverse("innsikt_2fa_setup"))
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    wrong = client.post(reverse("innsikt_2fa_setup"), {"code": "000000"})
    assert wrong.status_code == 400 and 'aria-invalid="true"' in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next one wait a moment (django-otp)
    done = client.post(reverse("innsikt_2fa_setup"), {"code": _code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    return codes


def test_when_required_a_researcher_sets_up_two_factor_before_anything(
    client, researcher_a, library_a, settings
):
    from research.models import ResearchProjectPage

    project = ResearchProjectPage(title="Studenter", slug="studenter")
    library_a.add_child(instance=project)
    project.save_revision().publish()
    settings.INNSIKT_2FA_REQUIRED = True
    _sign_in(client, "forsker-a")
    for url in (reverse("wagtailadmin_home"), reverse("surveys_index")):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("innsikt_2fa_setup"))
    # Outside the admin the session is anonymous until the second factor: the public pages
    # answer as to anyone, an internal page is not found.
    assert client.get("/", HTTP_HOST="localhost").status_code == 200
    assert client.get(project.url, HTTP_HOST="localhost").status_code == 404
    _enrol(client)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get(project.url, HTTP_HOST="localhost").status_code == 200


def test_a_new_sign_in_needs_the_code_or_a_recovery_code_used_once(researcher_a, settings):
    settings.INNSIKT_2FA_REQUIRED = True
    first = Client()
    _sign_in(first, "forsker-a")
    codes = _enrol(first)
    device = TOTPDevice.objects.get(user=researcher_a)

    second = Client()
    _sign_in(second, "forsker-a")
    blocked = second.get(reverse("surveys_index"))
    assert blocked["Location"].startswith(reverse("innsikt_2fa_verify"))
    assert second.post(reverse("innsikt_2fa_verify"), {"code": "123456"}).status_code == 400
    # django-otp throttles wrong codes (the next waits a moment) and takes each code once
    # (the enrolment used this time step's): half a minute later, the next code.
    device.refresh_from_db()
    device.throttle_reset()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    ok = second.post(reverse("innsikt_2fa_verify"), {"code": _code(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert second.get(reverse("surveys_index")).status_code == 200

    third = Client()
    _sign_in(third, "forsker-a")
    used = third.post(reverse("innsikt_2fa_verify"), {"code": codes[0]})
    assert used.status_code == 302
    fourth = Client()
    _sign_in(fourth, "forsker-a")
    assert fourth.post(reverse("innsikt_2fa_verify"), {"code": codes[0]}).status_code == 400


def test_an_administrator_resets_a_lost_phone(researcher_a, admin_user, settings):
    settings.INNSIKT_2FA_REQUIRED = True
    researcher = Client()
    _sign_in(researcher, "forsker-a")
    _enrol(researcher)
    admin = Client()
    admin.force_login(admin_user)
    # A verified administrator: a device, and a session that passed it (django-otp keeps
    # the device's id in the session).
    admin_device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    admin_session = admin.session
    admin_session["otp_device_id"] = admin_device.persistent_id
    admin_session.save()
    listing = admin.get(reverse("innsikt_2fa_accounts"))
    assert listing.status_code == 200 and "forsker-a" in listing.content.decode()
    admin.post(reverse("innsikt_2fa_accounts"), {"user": researcher_a.pk})
    assert not TOTPDevice.objects.filter(user=researcher_a).exists()
    again = Client()
    _sign_in(again, "forsker-a")
    assert again.get("/admin/")["Location"].startswith(reverse("innsikt_2fa_setup"))
    # Nobody else may reset.
    other = Client()
    other.force_login(researcher_a)
    assert other.get(reverse("innsikt_2fa_accounts")).status_code in (302, 403)


def test_the_demo_shows_that_two_factor_is_not_enforced_and_offers_it(client, researcher_a):
    client.force_login(researcher_a)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="two-factor-notice"' in home and reverse("innsikt_2fa_setup") in home


def test_an_account_is_locked_after_repeated_failures_whatever_the_name(client, researcher_a):
    answers = [_sign_in(client, "forsker-a", "wrong").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks the account
    locked = _sign_in(Client(), "forsker-a")  # even the right password, from elsewhere
    assert locked.status_code == 429
    # A name that does not exist gets the very same answers: nothing tells it apart.
    unknown = [_sign_in(client, "finnes-ikke", "wrong") for _ in range(5)]
    assert [a.status_code for a in unknown] == answers
    assert "Sign-in paused" in locked.content.decode() or "pause" in locked.content.decode()
    assert _text(unknown[-1]) == _text(locked)
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="forsker-a").exists()  # logged


def test_sign_in_posts_are_limited_per_browser_not_per_address(researcher_a, settings):
    settings.INNSIKT_LOGIN_RATE_LIMIT = "3/h"
    browser = Client(REMOTE_ADDR="10.1.1.1")
    browser.get(reverse("wagtailadmin_login"))  # the browser gets its token
    for n in range(3):
        assert _sign_in(browser, f"user-{n}", "wrong").status_code == 200
    assert _sign_in(browser, "forsker-a").status_code == 429
    colleague = Client(REMOTE_ADDR="10.1.1.1")  # the same library, the same address
    colleague.get(reverse("wagtailadmin_login"))
    assert _sign_in(colleague, "forsker-a").status_code == 302


def test_an_idle_session_ends_and_a_user_ends_their_other_sessions(researcher_a, settings):
    settings.INNSIKT_STAFF_IDLE_MINUTES = 30
    laptop, phone = Client(HTTP_USER_AGENT="Laptop"), Client(HTTP_USER_AGENT="Phone")
    for browser in (laptop, phone):
        _sign_in(browser, "forsker-a")
        assert browser.get(reverse("surveys_index")).status_code == 200
    sessions = laptop.get(reverse("innsikt_staff_sessions")).content.decode()
    assert "Laptop" in sessions and "Phone" in sessions
    phone_session = StaffSession.objects.get(browser="Phone")
    laptop.post(reverse("innsikt_staff_sessions"), {"session": phone_session.key_hash})
    ended = phone.get(reverse("surveys_index"))
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("wagtailadmin_login"))
    # Idle for longer than allowed: signed out at the next request.
    session = laptop.session
    session[SEEN_KEY] = time.time() - 31 * 60
    session.save()
    idle = laptop.get(reverse("surveys_index"))
    assert idle.status_code == 302 and idle["Location"].startswith(reverse("wagtailadmin_login"))


def test_staff_cookies_are_lax_a_respondents_are_partitioned(
    researcher_a, branching_survey, settings
):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    staff = Client()
    login = staff.get(reverse("wagtailadmin_login"))
    signed_in = _sign_in(staff, "forsker-a")
    for response in (login, signed_in):
        for morsel in response.cookies.values():
            assert morsel["samesite"] == "Lax" and not morsel["partitioned"], morsel.output()
    embed = branching_survey.channels.get(kind="embed")
    respondent = Client(HTTP_HOST="localhost").get(f"/s/{embed.code}/")
    cookies = [m.output() for m in respondent.cookies.values()]
    assert cookies and all("SameSite=None" in c and "Partitioned" in c for c in cookies)
