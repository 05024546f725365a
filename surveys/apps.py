from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from cms.error_views import framer_register

        from . import receivers  # noqa: F401  (page_published → survey version)
        from .views import frame_for_path  # views import models: only once apps are ready

        framer_register(frame_for_path)
