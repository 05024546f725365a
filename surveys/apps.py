from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cms.error_views import framer_register


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # The receivers and the views import models: only once the apps are ready.
        from . import receivers  # noqa: F401  (page_published → survey version)
        from .views import frame_for_path

        framer_register(frame_for_path)
