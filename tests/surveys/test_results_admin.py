"""Results in the admin: counts per channel, detail, CSV, delete — and only for the
researchers of the survey's own library."""

import io

import pytest
from django.urls import reverse

from surveys.models import Response
from tests.wizard import Walk


@pytest.fixture
def answered(respondent, branching_survey):
    qr = branching_survey.channels.get(kind="qr")
    Walk(respondent, branching_survey.url).open().submit({"card": "yes", "why": "topic"}).submit(
        {"loans": "few", "uses": ["books", "study"]}
    ).submit({"satisfied": "5", "comment": '=HYPERLINK("x")'})
    respondent.cookies.clear()
    url = f"/s/{qr.code}/"
    Walk(respondent, url).open().submit(
        {"card": "no", "why": "other", "why.other": "Kaffe"}
    ).submit({"satisfied": "3"})
    assert Response.objects.count() == 2
    return branching_survey


def test_researcher_sees_counts_per_channel(client, researcher_a, answered):
    client.force_login(researcher_a)
    html = client.get(reverse("surveys_results", args=[answered.pk])).content.decode()
    assert '<dd id="finished">2</dd>' in html
    assert '<dd id="started">2</dd>' in html
    assert "Bokbad" in html
    assert "QR" in html


def test_answers_leave_only_through_the_research_exports(client, researcher_a, answered):
    """The results page offers the research exports (scrubbed, formulas defused, logged);
    no other file of answers exists (the old unscrubbed results CSV is gone)."""
    client.force_login(researcher_a)
    html = client.get(reverse("surveys_results", args=[answered.pk])).content.decode()
    assert reverse("research_exports", args=[answered.pk]) in html
    gone = client.get(f"/admin/surveys/{answered.pk}/export.csv", follow=True)
    assert gone.status_code == 404


def test_response_detail_and_bulk_delete(client, researcher_a, answered):
    client.force_login(researcher_a)
    target = Response.objects.get(answers__card="yes")
    detail = client.get(reverse("surveys_response", args=[answered.pk, target.pk]))
    assert "Topic" in detail.content.decode()
    url = reverse("surveys_bulk_delete", args=[answered.pk])
    confirm = client.post(url, {"response": [str(target.pk)]})
    assert "cannot be undone" in confirm.content.decode() or "angres" in confirm.content.decode()
    assert Response.objects.count() == 2
    client.post(url, {"response": [str(target.pk)], "confirm": "yes"})
    assert list(Response.objects.values_list("answers__card", flat=True)) == ["no"]


def test_researcher_of_another_library_cannot_read_results(client, researcher_b, answered):
    client.force_login(researcher_b)
    for name, args in [
        ("surveys_results", [answered.pk]),
        ("surveys_response", [answered.pk, Response.objects.first().pk]),
    ]:
        # Another library's survey is not found (cms.tenancy's admin gate).
        assert client.get(reverse(name, args=args)).status_code == 404
    refused = client.post(
        reverse("surveys_bulk_delete", args=[answered.pk]),
        {"response": [str(Response.objects.first().pk)], "confirm": "yes"},
    )
    assert refused.status_code == 404
    assert Response.objects.count() == 2
    index = client.get(reverse("surveys_index")).content.decode()
    assert answered.title not in index


def test_posters_are_pdf_and_svg_with_the_short_url(client, researcher_a, branching_survey):
    client.force_login(researcher_a)
    qr = branching_survey.channels.get(kind="qr")
    pdf = client.get(reverse("surveys_channel_poster", args=[qr.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert f"/s/{qr.code}/" in text and "Bokbad" in text
    svg = client.get(reverse("surveys_channel_poster", args=[qr.pk, "svg"])).content.decode()
    assert svg.lstrip().startswith("<?xml") and f"/s/{qr.code}/" in svg


def test_a_poster_speaks_the_language_asked_for(client, researcher_a, branching_survey):
    """A poster is in its survey page's language (nb), or in the one asked for with
    ?language= (nn: Nynorsk words, the address under /nn/, an English line for visitors);
    a language outside settings.LANGUAGES is a clear 400."""
    from pypdf import PdfReader

    def pdf_text(**query):
        url = reverse("surveys_channel_poster", args=[qr.pk, "pdf"])
        content = client.get(url, query).content
        return " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())

    client.force_login(researcher_a)
    qr = branching_survey.channels.get(kind="qr")
    bokmal, nynorsk = pdf_text(), pdf_text(language="nn")
    assert "Anonymt · Tar noen minutter · Anonymous · Takes a few minutes" in bokmal
    assert f"/s/{qr.code}/" in bokmal and "/nn/" not in bokmal
    assert "Skann koden eller gå til · Scan the code or go to" in nynorsk
    assert "Anonymt · Tek nokre minutt · Anonymous · Takes a few minutes" in nynorsk
    assert f"/nn/s/{qr.code}/" in nynorsk
    svg = client.get(
        reverse("surveys_channel_poster", args=[qr.pk, "svg"]), {"language": "en"}
    ).content.decode()
    assert 'xml:lang="en"' in svg and f"/en/s/{qr.code}/" in svg
    assert "Scan the code or go to<" in svg and "Skann" not in svg
    bad = client.get(reverse("surveys_channel_poster", args=[qr.pk, "pdf"]), {"language": "xx"})
    assert bad.status_code == 400 and b"unsupported language" in bad.content
