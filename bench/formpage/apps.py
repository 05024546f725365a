from django.apps import AppConfig


class FormPageConfig(AppConfig):
    name = "bench.formpage"
    label = "formpage"
    default_auto_field = "django.db.models.BigAutoField"
