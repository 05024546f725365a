from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Innsikt"

    def ready(self) -> None:
        # Connected once the apps are ready: the receivers import models.
        from . import receivers  # noqa: F401  (content-generation bumps)
