from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResearchConfig(AppConfig):
    """Findings: analysis, suppression, scrubbing, reports — see docs/architecture.md."""

    name = "research"
    verbose_name = _("Research")
