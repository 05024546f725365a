"""Existing researchers groups get the population-margin permissions new groups get from
cms.services.researchers_group_ensure: a group that may change interview codes (every
library's researchers group) may add, change, delete and view population margins."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_populationmargin",
    "change_populationmargin",
    "delete_populationmargin",
    "view_populationmargin",
]


def grant(apps, schema_editor):
    # Permissions are made after migrations by post_migrate: make this app's now (the
    # historical app config has no models module, which create_permissions asks for).
    config = apps.get_app_config("research")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    margins = list(
        Permission.objects.filter(content_type__app_label="research", codename__in=CODENAMES)
    )
    groups = Group.objects.filter(
        permissions__content_type__app_label="research",
        permissions__codename="change_interviewcode",
    ).distinct()
    for group in groups:
        group.permissions.add(*margins)


class Migration(migrations.Migration):
    dependencies = [
        ("research", "0010_add_population_margins"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
