"""Tasks run in a real Celery worker (not eager mode), on the real broker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.models import ResumeDraft, SurveyPage
from surveys.tasks import drafts_purge_expired
from tests import factories
from tests.integration.conftest import wait_for


@pytest.mark.integration
def test_worker_purges_expired_drafts_and_keeps_current_ones(celery_worker):
    home = factories.library("stavanger", "localhost", default=True)
    page: SurveyPage = factories.survey(home, factories.BRANCHING, slug="purge")
    today = timezone.localdate()
    ResumeDraft.objects.create(
        token_hash="a" * 64, survey=page, data={}, expires_on=today - timedelta(days=1)
    )
    ResumeDraft.objects.create(
        token_hash="b" * 64, survey=page, data={}, expires_on=today + timedelta(days=3)
    )
    drafts_purge_expired.delay()
    drafts_purge_expired.delay()  # safe to run twice
    assert wait_for(lambda: not ResumeDraft.objects.filter(token_hash="a" * 64).exists())
    assert ResumeDraft.objects.filter(token_hash="b" * 64).exists()
