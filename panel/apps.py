from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    """The user panel: recruitment, consent, segments, invitations — see docs/panel.md."""

    name = "panel"
    verbose_name = _("Panel")

    def ready(self) -> None:
        # Registered once the apps are ready: the receivers and health checks import models.
        from . import (
            health,  # noqa: F401  (registers its overdue invitations with cms.health)
            receivers,  # noqa: F401  (response_submitted → invitation completed; bounces)
        )
