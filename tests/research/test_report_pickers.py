"""Pick, don't type, in findings reports (issue 17): a chart's, cross-tab's or quote's
question is chosen from the library's own surveys' questions, by label; never another
library's."""

import html
import re

import pytest
from django.urls import reverse

from research.report_pickers import report_question_choices, report_surveys_set
from tests import factories

pytestmark = pytest.mark.django_db


def _text(page_html: str) -> str:
    text = html.unescape(page_html).replace('\\"', '"')
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def test_report_blocks_pick_questions_of_the_librarys_surveys(
    client, researcher_a, findings, library_b
):
    report, survey, _segment = findings
    factories.survey(library_b, factories.BRANCHING, slug="fremmed")
    client.force_login(researcher_a)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[report.pk]))
    assert response.status_code == 200
    text = _text(response.content.decode())
    pickers = re.findall(r"<select[^>]*data-innsikt-report-question.*?</select>", text, re.S)
    assert pickers, "no question picker in the report editor"
    chart = pickers[0]
    assert f'<optgroup label="{survey.title}">' in chart
    assert re.search(rf'value="kort"[^>]*data-survey="{survey.pk}"', chart)
    # The other library's survey (its own question "card") is not offered.
    assert 'value="card"' not in text and "fremmed" not in chart.lower()
    # Cross-tab columns also offer the channel and the panel segment.
    assert any('value="channel"' in p and 'value="segment"' in p for p in pickers)


def test_a_new_report_offers_the_parent_librarys_surveys(client, researcher_a, findings):
    report, survey, _segment = findings
    client.force_login(researcher_a)
    project = report.get_parent()
    url = reverse("wagtailadmin_pages:add", args=["research", "findingsreportpage", project.pk])
    text = _text(client.get(url).content.decode())
    assert f'<optgroup label="{survey.title}">' in text


def test_without_surveys_the_list_only_asks_to_choose():
    report_surveys_set(None)
    assert [value for value, _label in report_question_choices()] == [""]
