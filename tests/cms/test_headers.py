"""Security headers on every public page type and on the admin: a strict content security
policy (no inline code) with framing only where an embed allows it, no browser features
Innsikt does not use (Permissions-Policy), no MIME sniffing, a same-origin referrer; the
admin gets the policy its editor tolerates, the rest report-only."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from wagtail.models import Page

from panel.services import invitation_token
from tests.tenancy_world import OWN, library_world

pytestmark = pytest.mark.django_db


def _assert_public_headers(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    assert policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, where
    features = response.get("Permissions-Policy", "")
    assert "camera=()" in features and "geolocation=()" in features, where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["X-Frame-Options"] == "DENY", where


def test_every_public_page_type_sends_the_headers(admin_user):
    world = library_world("stavanger", "localhost", OWN, default=True, admin=admin_user)
    visitor = Client(HTTP_HOST="localhost")
    page_types = {
        model
        for model in apps.get_models()
        if issubclass(model, Page) and model is not Page and model._meta.app_label != "wagtailcore"
    }
    seen = set()
    for page in Page.objects.live().specific():
        seen.add(type(page))
        response = visitor.get(page.url)
        assert response.status_code in (200, 404), page.url  # internal pages: 404
        _assert_public_headers(response, page.url)
    assert seen >= page_types  # a page of every type was asked for
    invitation = world.objects["invitation"]
    for url in (
        f"/s/{world.objects['survey_channel'].code}/",
        reverse("panel_my_data_request"),
        reverse("panel_invitation", args=[invitation_token(invitation.pk)]),
        reverse("interview_booking", args=[invitation_token(invitation.pk)]),
        "/finnes-ikke/",
    ):
        _assert_public_headers(visitor.get(url), url)


def test_the_admin_gets_the_policy_it_tolerates_and_the_rest_report_only(client, admin_user):
    client.force_login(admin_user)
    for url in (reverse("wagtailadmin_home"), reverse("wagtailadmin_login")):
        response = client.get(url)
        enforced = response["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in enforced and "object-src 'none'" in enforced
        report_only = response["Content-Security-Policy-Report-Only"]
        assert "script-src 'self'" in report_only and "unsafe-inline" not in report_only
        assert "camera=()" in response["Permissions-Policy"]
