"""The audit logs (research log, access to personal data) can be read in the admin by
superusers only, and changed by nobody."""

from django.urls import reverse

from research.models import ResearchLog
from research.services import research_log_record


def test_superuser_reads_the_research_log_and_cannot_change_it(admin_client, admin_user):
    entry = research_log_record(
        user=admin_user, action=ResearchLog.Action.EXPORT, library_id=None, detail="csv"
    )
    html = admin_client.get(reverse("research_log:index")).content.decode()
    assert "admin" in html and "csv" in html
    assert admin_client.get(reverse("research_log:inspect", args=[entry.pk])).status_code == 200
    assert reverse("research_log:add") not in html  # no "Add" button
    for url in (
        reverse("research_log:add"),
        reverse("research_log:edit", args=[entry.pk]),
        reverse("research_log:delete", args=[entry.pk]),
    ):
        assert admin_client.get(url).status_code in (302, 403)
        admin_client.post(url, {"detail": "forged"})
    entry.refresh_from_db()
    assert entry.detail == "csv" and ResearchLog.objects.count() == 1


def test_researchers_cannot_read_the_logs(client, researcher_a):
    client.force_login(researcher_a)
    for name in ("research_log:index", "panel_access_log:index"):
        assert client.get(reverse(name)).status_code in (302, 403)
