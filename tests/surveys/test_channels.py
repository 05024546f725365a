"""Channels: short URLs record their channel, embeds are framed only by allowed origins,
and the English address of a channel serves the English translation."""

from wagtail.models import Locale

from surveys.models import Response
from tests.wizard import Walk


def test_qr_channel_records_the_channel(respondent, branching_survey):
    qr = branching_survey.channels.get(kind="qr")
    Walk(respondent, f"/s/{qr.code}/").open().submit({"card": "no", "why": "topic"}).submit(
        {"satisfied": "4"}
    )
    response = Response.objects.get()
    assert response.channel == qr and response.channel_kind == "qr"


def test_embed_may_be_framed_only_by_its_allowed_origins(respondent, branching_survey):
    embed = branching_survey.channels.get(kind="embed")
    response = respondent.get(f"/s/{embed.code}/")
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors https://wifi.example.no" in csp
    assert "X-Frame-Options" not in response
    assert 'class="embed"' in response.content.decode()
    normal = respondent.get(branching_survey.url)
    assert "frame-ancestors 'none'" in normal["Content-Security-Policy"]
    assert normal["X-Frame-Options"] == "DENY"


def test_english_channel_address_serves_the_translation(respondent, branching_survey):
    en = Locale.objects.get_or_create(language_code="en")[0]
    copy = branching_survey.copy_for_translation(en, copy_parents=True).specific
    body = copy.body.get_prep_value()
    body[0]["value"]["questions"][0]["value"]["label"] = "Do you hold a library card?"
    copy.body = body
    copy.save_revision().publish()
    qr = branching_survey.channels.get(kind="qr")
    walk = Walk(respondent, f"/en/s/{qr.code}/").open()
    assert "Do you hold a library card?" in walk.html
    assert '<html lang="en">' in walk.html
    walk.submit({"card": "no", "why": "topic"}).submit({"satisfied": "4"})
    response = Response.objects.get()
    assert response.language == "en" and response.survey_id == copy.pk
    assert response.answers["card"] == "no"  # same keys as the Norwegian original


def test_embed_origins_must_be_origins(branching_survey):
    import pytest
    from django.core.exceptions import ValidationError

    embed = branching_survey.channels.get(kind="embed")
    embed.allowed_origins = "https://ok.example.no\nhttps://x.no; script-src *"
    with pytest.raises(ValidationError):
        embed.full_clean()
    assert embed.origins() == ["https://ok.example.no"]


def test_csrf_failure_inside_an_embed_is_shown_in_the_frame(branching_survey):
    from django.test import Client

    embed = branching_survey.channels.get(kind="embed")
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    response = client.post(f"/s/{embed.code}/", {"card": "no"})
    assert response.status_code == 403
    assert "frame-ancestors https://wifi.example.no" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_embed_cookies_are_partitioned_when_secure(branching_survey, settings):
    from django.test import Client

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    embed = branching_survey.channels.get(kind="embed")
    response = Client(HTTP_HOST="localhost").get(f"/s/{embed.code}/")
    headers = [m.output() for m in response.cookies.values()]
    assert headers and all("Partitioned" in h and "Secure" in h for h in headers), headers
