"""Rows of fewer than k people never leave: a row-level export or the explore view refuses
filters that narrow a survey's answers below the library's k, and says why
(research.services.filters_check, research.findings.suppression.rows_may_leave)."""

import pytest
from django.urls import reverse

from panel.models import PanelMember, Segment
from research.findings.filters import Filters, filters_to_json
from research.findings.suppression import rows_may_leave
from research.models import ExportJob
from research.services import export_run

pytestmark = pytest.mark.django_db
REASON = "Disse filtrene gir færre enn 5 svar"  # the admin speaks Bokmål by default


@pytest.fixture
def private_root(settings, tmp_path):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    return settings.INNSIKT_PRIVATE_ROOT


def test_the_rule():
    assert rows_may_leave(3, 5, filtered=False)  # the whole survey is no choice
    assert not rows_may_leave(4, 5, filtered=True)
    assert rows_may_leave(5, 5, filtered=True)
    with pytest.raises(ValueError):
        rows_may_leave(10, 2, filtered=True)  # k is never below 3


def test_an_export_of_a_small_segment_is_refused_with_the_reason(
    client, researcher_a, findings, private_root
):
    """The findings fixture's segment has three members who answered: one member's answers
    could be isolated by a segment of one, so no export of fewer than k rows starts."""
    _report, survey, segment = findings
    client.force_login(researcher_a)
    answer = client.post(
        reverse("research_exports", args=[survey.pk]), {"format": "csv", "segment": segment.pk}
    )
    assert answer.status_code == 200 and not ExportJob.objects.exists()
    html = answer.content.decode()
    assert 'role="alert"' in html and REASON in html
    assert f'value="{segment.pk}" selected' in html  # the choice is kept
    # Without the filter, the export starts.
    unfiltered = client.post(reverse("research_exports", args=[survey.pk]), {"format": "csv"})
    assert unfiltered.status_code == 302 and ExportJob.objects.count() == 1


def test_explore_shows_nothing_of_a_small_segment_and_says_why(client, researcher_a, findings):
    _report, survey, segment = findings
    client.force_login(researcher_a)
    url = reverse("research_explore", args=[survey.pk])
    narrow = client.get(url, {"filter": "1", "segment": segment.pk}).content.decode()
    assert REASON in narrow and 'role="alert"' in narrow
    assert 'id="answers-n"' not in narrow and 'class="finding"' not in narrow
    wide = client.get(url, {"filter": "1"}).content.decode()
    assert 'id="answers-n"' in wide and REASON not in wide


def test_an_export_job_whose_segment_shrank_fails_with_the_reason(findings, private_root):
    """Checked again when the worker runs: members may have left since it was started."""
    _report, survey, segment = findings
    Segment.objects.filter(pk=segment.pk).update(rules=[])  # every active member: 3 + none
    job = ExportJob.objects.create(
        survey=survey, format="csv", filters=filters_to_json(Filters(segment_id=segment.pk))
    )
    assert PanelMember.objects.filter(library=segment.library).count() == 3
    assert export_run(job_id=job.pk) == ExportJob.Status.FAILED
    job.refresh_from_db()
    assert REASON in job.error and not job.file
