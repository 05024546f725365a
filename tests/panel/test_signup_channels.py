"""Sign-up channels: a QR poster or wifi embed of the sign-up page has its own address, the
channel is recorded on the member, embeds may be framed only by their sites, and staff of
other libraries cannot get a library's posters."""

from django.urls import reverse
from django.utils import translation

from panel.models import ConsentRecord, PanelMember, SignupChannel
from tests import factories
from tests.panel.conftest import VALID


def _channel(page, kind: str, name: str, origins: str = "") -> SignupChannel:
    return SignupChannel.objects.create(page=page, kind=kind, name=name, allowed_origins=origins)


def test_joining_through_the_event_qr_channel_is_recorded(client, signup_page):
    channel = _channel(signup_page, "qr", "Bokbad 12. mars")
    url = reverse("panel_signup_channel", args=[channel.code])
    page = client.get(url, HTTP_HOST="localhost")
    assert page.status_code == 200 and "Bli med i brukerpanelet" in page.content.decode()
    response = client.post(url, VALID, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == f"{url}?sendt=1"  # stays on the channel's address
    member = PanelMember.objects.get()
    assert member.channel == "qr"
    assert ConsentRecord.objects.get(member=member).channel == "qr"


def test_the_page_address_records_a_link(client, signup_page):
    client.post(signup_page.url, VALID, HTTP_HOST="localhost")
    assert PanelMember.objects.get().channel == "link"


def test_an_embed_may_be_framed_only_by_its_sites(client, signup_page):
    embed = _channel(signup_page, "embed", "Wifi", "https://wifi.stavanger.kommune.no")
    framed = client.get(reverse("panel_signup_channel", args=[embed.code]), HTTP_HOST="localhost")
    assert "frame-ancestors https://wifi.stavanger.kommune.no" in framed["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed
    qr = _channel(signup_page, "qr", "Plakat")
    plain = client.get(reverse("panel_signup_channel", args=[qr.code]), HTTP_HOST="localhost")
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]
    assert plain["X-Frame-Options"] == "DENY"


def test_unknown_or_unpublished_channels_are_not_found(client, signup_page):
    assert client.get("/panel/bli-med/XXXXXXXXXX/", HTTP_HOST="localhost").status_code == 404
    channel = _channel(signup_page, "qr", "Gammel")
    signup_page.unpublish()
    url = reverse("panel_signup_channel", args=[channel.code])
    assert client.get(url, HTTP_HOST="localhost").status_code == 404


def test_own_staff_get_the_poster_others_do_not(client, signup_page, researcher_a, researcher_b):
    channel = _channel(signup_page, "qr", "Bokbad 12. mars")
    client.force_login(researcher_a)
    listing = client.get(reverse("panel_signup_channels")).content.decode()
    assert "Bokbad 12. mars" in listing and f"/panel/bli-med/{channel.code}/" in listing
    pdf = client.get(reverse("panel_signup_channel_poster", args=[channel.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    svg = client.get(reverse("panel_signup_channel_poster", args=[channel.pk, "svg"]))
    assert b"<svg" in svg.content
    client.force_login(researcher_b)
    assert "Bokbad" not in client.get(reverse("panel_signup_channels")).content.decode()
    other = client.get(reverse("panel_signup_channel_poster", args=[channel.pk, "pdf"]))
    assert other.status_code in (302, 404) and not other.content.startswith(b"%PDF")


def test_a_channel_opens_the_page_in_the_visitors_language(client, signup_page):
    channel = _channel(signup_page, "qr", "Bokbad")
    english = factories.translation(signup_page, "en")
    english.title = "Join the user panel"
    english.save_revision().publish()
    assert not english.specific.channels.exists()  # the translation has no channels of its own
    path = reverse("panel_signup_channel", args=[channel.code])
    assert "Bli med i brukerpanelet" in client.get(path, HTTP_HOST="localhost").content.decode()
    with translation.override("en"):
        en_path = reverse("panel_signup_channel", args=[channel.code])
    assert en_path.startswith("/en/")
    assert "Join the user panel" in client.get(en_path, HTTP_HOST="localhost").content.decode()
