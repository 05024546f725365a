from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    """Findings: analysis, suppression, scrubbing, reports; interviews — see
    docs/architecture.md."""

    name = "research"
    verbose_name = _("Research")

    def ready(self) -> None:
        # Registered once the apps are ready: the receivers and health checks import models.
        from . import (
            health,  # noqa: F401  (registers its overdue jobs with cms.health)
            receivers,  # noqa: F401  (consent withdrawn, member data; panel's signals)
        )
