"""Members' own data: a sign-in link by e-mail, everything shown, JSON export, withdrawal
per purpose, erasure; and staff see only their own library's members, with every view
logged."""

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from panel.models import AccessLog, ConsentRecord, PanelMember
from panel.services import confirmation_token, member_confirm, my_data_link_send
from tests import factories
from tests.panel.conftest import VALID


@pytest.fixture
def member(client, signup_page):
    client.post(signup_page.url, {**VALID, "consent-interviews": "on"}, HTTP_HOST="localhost")
    member = PanelMember.objects.get()
    member_confirm(token=confirmation_token(member))
    member.refresh_from_db()
    return member


def _signed_in(member) -> Client:
    my_data_link_send(member_id=member.pk)
    link = re.search(r"http://localhost(/panel/mine-data/\S+/)", mail.outbox[-1].body).group(1)
    client = Client(HTTP_HOST="localhost")
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302
    return client


def test_asking_for_a_link_reveals_nothing(client, member, django_capture_on_commit_callbacks):
    url = reverse("panel_my_data_request")
    with django_capture_on_commit_callbacks(execute=False) as known:
        first = client.post(url, {"email": "KARI@example.no"}, HTTP_HOST="localhost")
    with django_capture_on_commit_callbacks(execute=False) as unknown:
        second = client.post(url, {"email": "nobody@example.no"}, HTTP_HOST="localhost")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(known) == 1 and len(unknown) == 0


def test_member_sees_downloads_and_withdraws(member):
    client = _signed_in(member)
    page = client.get(reverse("panel_my_data")).content.decode()
    assert "kari@example.no" in page and "20-24" in page
    export = json.loads(client.get(reverse("panel_my_data_download")).content)
    assert export["member"]["email"] == "kari@example.no"
    assert export["member"]["screener_answers"] == {"student": "yes", "loans": "1-3"}
    assert {c["purpose"] for c in export["consents"]} == {"panel", "interviews"}
    client.post(reverse("panel_my_data_withdraw"), {"purpose": "interviews"})
    client.post(reverse("panel_my_data_withdraw"), {"purpose": "interviews"})  # idempotent
    records = list(
        ConsentRecord.objects.filter(purpose="interviews").values_list("given", flat=True)
    )
    assert records == [True, False]  # appended, never changed
    client.post(reverse("panel_my_data_withdraw"), {"purpose": "panel"})
    assert PanelMember.objects.get().status == "left"


def test_member_erases_everything(member):
    client = _signed_in(member)
    confirm = client.post(reverse("panel_my_data_erase")).content.decode()
    assert PanelMember.objects.count() == 1  # nothing deleted before confirming
    assert "cannot be undone" in confirm or "kan ikke angres" in confirm
    client.post(reverse("panel_my_data_erase"), {"confirm": "yes"})
    assert PanelMember.objects.count() == 0 and ConsentRecord.objects.count() == 0
    assert client.get(reverse("panel_my_data")).status_code == 302  # signed out


def test_without_sign_in_nothing_is_shown(client, member):
    for name in ("panel_my_data", "panel_my_data_download"):
        response = client.get(reverse(name), HTTP_HOST="localhost")
        assert response.status_code == 302 and "kari" not in response.content.decode()
    assert (
        client.post(
            reverse("panel_my_data_signin", args=["forged:token:x"]), HTTP_HOST="localhost"
        ).status_code
        == 400
    )


def test_staff_see_only_their_library_and_are_logged(client, member, library_b):
    own = factories.researcher("forsker-a", member.library.root_page)
    other = factories.researcher("forsker-b", library_b)
    index = reverse("panel_members:index")
    inspect = reverse("panel_members:inspect", args=[member.pk])
    client.force_login(other)
    assert "kari@example.no" not in client.get(index).content.decode()
    assert client.get(inspect).status_code == 404
    assert not AccessLog.objects.filter(member_id=member.pk).exists()
    client.force_login(own)
    assert "kari@example.no" in client.get(index).content.decode()
    assert "kari@example.no" in client.get(inspect).content.decode()
    log = AccessLog.objects.get(member_id=member.pk)
    assert (log.staff, log.action, log.library_id) == (own, "view", member.library_id)
    assert AccessLog.objects.filter(action="list", staff=own).exists()
