"""The panel's part of the installation's health (cms.health): invitations that should have
gone out by now. Imported by PanelConfig.ready, which registers the count."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from cms.health import backlog_register

from .models import Campaign
from .services import invitations_pending, next_send_time


def invitations_overdue(now: datetime) -> int:
    """Invitations of running campaigns, inside their sending window, still unsent three
    leases after they were made: those the 5-minute sweep re-sends (panel.tasks.
    campaigns_sweep). A count that stays above zero means no worker sends them."""
    total = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.RUNNING):
        if next_send_time(campaign, now) <= now:
            total += len(invitations_pending(campaign=campaign, now=now, stuck_only=True))
    return total


backlog_register("panel_invitations", _("panel invitations not sent in time"), invitations_overdue)
