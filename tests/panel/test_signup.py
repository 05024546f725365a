"""Joining the panel: minimum data, age gate, consent per purpose and text version, double
opt-in that reveals nothing about existing members, and expiry."""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from panel.models import ConsentRecord, PanelMember
from panel.services import (
    confirmation_token,
    members_purge_unconfirmed,
    signup_confirmation_send,
)
from tests.panel.conftest import VALID


def _post(client, page, data, **extra):
    return client.post(page.url, data, HTTP_HOST="localhost", **extra)


def test_signup_stores_minimum_data_and_versioned_consent(
    client, signup_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(client, signup_page, VALID)
    assert response.status_code == 302 and response["Location"].endswith("?sendt=1")
    assert len(callbacks) == 1  # the confirmation mail is queued for the worker
    member = PanelMember.objects.get()
    assert member.email == "kari@example.no" and member.status == "pending"
    assert member.age_band == "20-24" and member.language == "nb"
    assert not hasattr(member, "mobile")  # no SMS is sent: no number is asked for or kept
    assert member.attributes == {"student": "yes", "loans": "1-3"}
    consent = ConsentRecord.objects.get()
    assert (consent.purpose, consent.given, consent.text.version) == ("panel", True, 1)
    page = client.get(response["Location"], HTTP_HOST="localhost").content.decode()
    assert "Sjekk e-posten din" in page or "Check your e-mail" in page


def test_existing_address_creates_no_duplicate_and_reveals_nothing(client, signup_page):
    first = _post(client, signup_page, VALID)
    second = _post(client, signup_page, {**VALID, "email": "kari@example.no"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert PanelMember.objects.count() == 1


def test_under_18_cannot_join_and_nothing_is_kept(client, signup_page):
    response = _post(client, signup_page, {**VALID, "age-band": "under-18"})
    assert response.status_code == 200
    assert "18" in response.content.decode()
    assert PanelMember.objects.count() == 0 and ConsentRecord.objects.count() == 0


def test_panel_consent_is_required_and_optional_ones_are_recorded_only_when_given(
    client, signup_page
):
    refused = _post(client, signup_page, {**VALID, "consent-panel": ""})
    assert refused.status_code == 200 and 'class="error-summary"' in refused.content.decode()
    assert PanelMember.objects.count() == 0
    _post(client, signup_page, {**VALID, "consent-interviews": "on"})
    assert sorted(ConsentRecord.objects.values_list("purpose", flat=True)) == [
        "interviews",
        "panel",
    ]


def test_invalid_input_keeps_what_was_given(client, signup_page):
    response = _post(client, signup_page, {**VALID, "email": "not-an-address", "age-band": ""})
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="err"') == 2
    assert 'value="not-an-address"' in html and 'value="yes" checked' in html


def test_confirmation_link_activates_the_member(client, signup_page):
    _post(client, signup_page, VALID)
    member = PanelMember.objects.get()
    assert signup_confirmation_send(member_id=member.pk)
    message = mail.outbox[-1]
    assert message.to == ["kari@example.no"]
    link = re.search(r"http://localhost(/panel/bekreft/[^/\s]+/)", message.body).group(1)
    assert client.get(link, HTTP_HOST="localhost").status_code == 200  # scanners: no change
    assert PanelMember.objects.get().status == "pending"
    client.post(link, HTTP_HOST="localhost")
    member.refresh_from_db()
    assert member.status == "active" and member.confirmed_at is not None
    again = client.post(link, HTTP_HOST="localhost")
    assert again.status_code == 200  # confirming twice is harmless
    assert not signup_confirmation_send(member_id=member.pk)  # nothing more to send


def test_tampered_and_expired_links_get_a_clear_page(client, signup_page):
    _post(client, signup_page, VALID)
    member = PanelMember.objects.get()
    tampered = client.post("/panel/bekreft/abc:def/", HTTP_HOST="localhost")
    text = tampered.content.decode().lower()
    assert tampered.status_code == 400 and ("lenken" in text or "link" in text)
    # The link is opaque: no id can be read in it, and the database keeps only its digest.
    token = confirmation_token(member)
    assert str(member.pk) not in token and member.pk.hex not in token
    assert token not in str(PanelMember.objects.values().get())
    # A week after the sign-up, the link has expired.
    PanelMember.objects.filter(pk=member.pk).update(created_at=timezone.now() - timedelta(days=8))
    response = client.post(f"/panel/bekreft/{token}/", HTTP_HOST="localhost")
    assert response.status_code == 400
    assert PanelMember.objects.get().status == "pending"


def test_unconfirmed_signups_are_deleted_after_a_week(client, signup_page):
    _post(client, signup_page, VALID)
    _post(client, signup_page, {**VALID, "email": "ola@example.no"})
    PanelMember.objects.filter(email="kari@example.no").update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert members_purge_unconfirmed() == 1
    assert list(PanelMember.objects.values_list("email", flat=True)) == ["ola@example.no"]
    assert members_purge_unconfirmed() == 0
