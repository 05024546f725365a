"""Explore results in the admin: every question's suppressed, scrubbed findings; filters
(including a panel segment, through pseudonyms) and a cross-tab of any two dimensions."""

from django.urls import reverse

from tests.reportdata import NATIONAL_ID


def test_researcher_explores_questions_with_keys_and_scrubbed_text(client, researcher_a, findings):
    _report, survey, _segment = findings
    client.force_login(researcher_a)
    html = client.get(reverse("research_explore", args=[survey.pk])).content.decode()
    assert "<code>fornoyd</code>" in html and "<code>kort</code>" in html
    assert "<svg" in html  # charts inline in the admin
    assert "Mitt fnr er [fjernet]" in html and NATIONAL_ID not in html
    assert "epost" not in html or "kari@" not in html
    assert "40 svar passer med filtrene." in html


def test_segment_filter_of_three_shows_only_that_it_is_too_small(client, researcher_a, findings):
    _report, survey, segment = findings
    client.force_login(researcher_a)
    url = reverse("research_explore", args=[survey.pk])
    html = client.get(url, {"filter": "1", "segment": segment.pk}).content.decode()
    # Nothing of three people is shown, not even their number (research.services
    # filters_check); the reason is.
    assert "Disse filtrene gir færre enn 5 svar" in html
    assert "3 svar passer med filtrene." not in html
    assert "Gjennomsnitt" not in html  # no mean of three people


def test_crosstab_by_segment_and_bad_input(client, researcher_a, findings):
    _report, survey, _segment = findings
    client.force_login(researcher_a)
    url = reverse("research_explore", args=[survey.pk])
    html = client.get(
        url, {"rows": "kort", "columns": "segment", "percent": "row"}
    ).content.decode()
    assert "Studenter" in html and "&lt; 5" in html
    bad = client.get(url, {"rows": "finnes-ikke", "columns": "kort"})
    assert bad.status_code == 200 and "finnes-ikke" not in bad.content.decode().split("<h2>")[-1]
    dates = client.get(url, {"filter": "1", "date_from": "2026-05-01", "date_to": "2026-01-01"})
    assert dates.status_code == 200 and "Sluttdatoen er før startdatoen." in dates.content.decode()


def test_another_librarys_researcher_cannot_explore(client, researcher_b, findings):
    _report, survey, _segment = findings
    client.force_login(researcher_b)
    assert client.get(reverse("research_explore", args=[survey.pk])).status_code in (302, 403, 404)
