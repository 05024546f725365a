"""Tokens in links are opaque, stored hashed, and kept out of the web server's log.

Every URL of Innsikt that carries a token (found by walking the URL patterns: a ``token``
argument) is checked against the log format of deploy/nginx.conf.example, so a new
token URL without its line there fails this test."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from wagtail.models import Site

from panel.models import Campaign, Invitation, PanelMember, Segment
from panel.services import (
    TokenInvalid,
    confirmation_token,
    invitation_for_token,
    invitation_token,
    member_for_confirmation,
    my_data_member,
    my_data_token,
)
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SECRET = "Tok3nSecretValue_xyz"
MAP = re.compile(r"map \$uri \$innsikt_log_path \{(?P<body>.*?)\n\}", re.S)
LINE = re.compile(r'^\s*"~(?P<regex>[^"]+)"\s+"(?P<value>[^"]*)";', re.M)


def _log_path(path: str) -> str:
    """What nginx writes for ``path`` with the example's map (first matching regex)."""
    body = MAP.search((ROOT / "deploy" / "nginx.conf.example").read_text())
    assert body is not None
    for line in LINE.finditer(body.group("body")):
        regex = line.group("regex").replace("(?<", "(?P<").replace("(?P<!", "(?<!")
        found = re.match(regex, path)
        if found:
            value = line.group("value")
            for name, text in found.groupdict().items():
                value = value.replace(f"${{{name}}}", text or "")
            return value
    return path


def _token_routes() -> list[tuple[str, dict[str, str]]]:
    """(URL name, kwargs) of every named URL pattern with a ``token`` argument."""
    routes = []

    def walk(patterns: list, namespaces: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, [*namespaces, pattern.namespace or ""])
            elif isinstance(pattern, URLPattern) and pattern.name:
                names = set(pattern.pattern.regex.groupindex)
                if "token" in names:
                    kwargs = {name: ("abcdefghjk" if name == "code" else SECRET) for name in names}
                    name = ":".join([n for n in namespaces if n] + [pattern.name])
                    routes.append((name, kwargs))

    walk(get_resolver().url_patterns, [])
    return routes


def test_every_token_url_is_logged_without_its_token():
    routes = _token_routes()
    assert {name for name, _kwargs in routes} >= {
        "panel_confirm",
        "panel_invitation",
        "panel_unsubscribe",
        "panel_my_data_signin",
        "interview_booking",
        "interview_booking_cancel",
        "interview_booking_calendar",
        "survey_channel_resume",
    }
    paths = ["/var-undersokelse/fortsett/" + SECRET + "/"]  # a survey page's own route
    for name, kwargs in routes:
        for language in ("nb", "en"):
            with translation.override(language):
                paths.append(reverse(name, kwargs=kwargs))
    for path in paths:
        logged = _log_path(path)
        assert SECRET not in logged and "[token]" in logged, (path, logged)
    # Paths without a secret are logged as they are.
    for plain in ("/panel/mine-data/side/", "/panel/mine-data/", "/s/abcdefghjk/"):
        assert _log_path(plain) == plain


@pytest.fixture
def invitation(library_a):
    site = Site.objects.get(root_page=library_a)
    member = PanelMember.objects.create(
        library=site, email="kari@example.no", status="active", age_band="20-24"
    )
    campaign = Campaign.objects.create(
        library=site,
        name="Høst",
        survey=factories.survey(library_a, factories.BRANCHING, slug="s"),
        segment=Segment.objects.create(library=site, name="Alle"),
        starts_at=member.created_at,
    )
    return Invitation.objects.create(campaign=campaign, member=member)


def test_link_tokens_name_no_row_and_are_stored_only_as_digests(invitation):
    member = invitation.member
    tokens = {
        "invitation": invitation_token(invitation.pk),
        "confirmation": confirmation_token(member),
        "my data": my_data_token(member),
    }
    rows = str(PanelMember.objects.values().get()) + str(Invitation.objects.values().get())
    for kind, token in tokens.items():
        assert len(token) >= 22, kind  # at least 128 bits
        for identifier in (str(member.pk), member.pk.hex, str(invitation.pk), invitation.pk.hex):
            assert identifier not in token, kind
        assert token not in rows, kind  # only the digest is kept
    assert invitation_for_token(tokens["invitation"]) == invitation
    assert member_for_confirmation(tokens["confirmation"]) == member
    assert my_data_member(token=tokens["my data"]) == member
    with pytest.raises(TokenInvalid):
        my_data_member(token=tokens["my data"])  # a sign-in link works once
    tampered = tokens["invitation"][:-1] + ("A" if tokens["invitation"][-1] != "A" else "B")
    for bad in ("", "x" * 22, tampered):
        with pytest.raises(TokenInvalid):
            invitation_for_token(bad)


def test_links_in_mails_sent_before_tokens_were_opaque_still_work(invitation):
    from django.core import signing

    old = signing.Signer(salt="innsikt.panel.invitation").sign(str(invitation.pk))
    assert invitation_for_token(old) == invitation
    answer = Client(HTTP_HOST="localhost").get(reverse("panel_invitation", args=[old]))
    assert answer.status_code in (200, 302)
