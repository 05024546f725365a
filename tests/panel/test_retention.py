"""Retention: members inactive for the library's retention period get a notice 30 days
before, and are erased if they stay inactive; any activity restarts the clock."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import Site

from cms.models import LibrarySettings
from panel.models import PanelMember
from panel.services import member_touch, members_retention_run


@pytest.fixture
def site(library_a):
    site = Site.objects.get(root_page=library_a)
    settings = LibrarySettings.for_site(site)
    settings.retention_months = 24
    settings.save()
    return site


def _member(site, email, days_inactive):
    member = PanelMember.objects.create(
        library=site, email=email, status="active", age_band="20-24"
    )
    PanelMember.objects.filter(pk=member.pk).update(
        last_active_at=timezone.now() - timedelta(days=days_inactive)
    )
    return member


def test_notice_then_erasure_and_touch_restarts(site):
    old = _member(site, "old@example.no", 24 * 30 - 20)  # inside the notice window
    fresh = _member(site, "fresh@example.no", 100)
    saved = _member(site, "saved@example.no", 24 * 30 - 10)
    assert members_retention_run() == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["old@example.no", "saved@example.no"]
    assert members_retention_run() == (0, 0)  # warned once
    member_touch(member_id=saved.pk)  # e.g. signed in to "my data"
    later = timezone.now() + timedelta(days=31)
    assert members_retention_run(now=later) == (0, 1)
    assert set(PanelMember.objects.values_list("email", flat=True)) == {
        "fresh@example.no",
        "saved@example.no",
    }
    assert not PanelMember.objects.filter(pk=old.pk).exists()
    assert PanelMember.objects.get(pk=fresh.pk).retention_notice_at is None
