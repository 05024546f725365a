from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanelConfig(AppConfig):
    """The user panel (recruitment, consent, segments, invitations) — see docs/architecture.md."""

    name = "panel"
    verbose_name = _("Panel")
