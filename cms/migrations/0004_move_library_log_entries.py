"""Move Wagtail's model log entries of library-owned objects (segments, campaigns, consent
texts, codes, themes, members) into cms.LibraryLogEntry with their library, and give the
libraries' researchers groups the permissions of cms.services (codebook, themes, consent
texts, interview times, deleting segments). Reversible: entries go back, permissions stay."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Models whose rows name their library directly, and those that reach it through another.
DIRECT = {
    ("panel", "segment"),
    ("panel", "campaign"),
    ("panel", "consenttext"),
    ("panel", "panelmember"),
    ("panel", "loanimport"),
    ("research", "interviewcode"),
    ("research", "interviewtheme"),
}
VIA_CAMPAIGN = {("research", "interviewslot"), ("research", "interviewparticipant")}
NEW_PERMISSIONS = {
    "panel": ["delete_segment", "add_consenttext", "change_consenttext", "view_consenttext"],
    "research": [
        f"{action}_{model}"
        for model in ("interviewslot", "interviewcode", "interviewtheme")
        for action in ("add", "change", "delete", "view")
    ],
}


# What a log entry holds, besides its library (Wagtail's BaseLogEntry and the object id).
COPIED = (
    "content_type",
    "label",
    "action",
    "data",
    "timestamp",
    "uuid",
    "user",
    "revision",
    "content_changed",
    "deleted",
    "object_id",
)


def _copied(entry):
    return {name: getattr(entry, name) for name in COPIED}


def _library_id(apps, app_label, model_name, object_id):
    key = (app_label, model_name)
    if key not in DIRECT | VIA_CAMPAIGN:
        return None
    model = apps.get_model(app_label, model_name)
    row = model.objects.filter(pk=object_id).first()
    if row is None:
        return None
    return row.library_id if key in DIRECT else row.campaign.library_id


def forwards(apps, schema_editor):
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    LibraryLogEntry = apps.get_model("cms", "LibraryLogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    wanted = ContentType.objects.filter(app_label__in=["cms", "surveys", "panel", "research"])
    for entry in ModelLogEntry.objects.filter(content_type__in=wanted).select_related(
        "content_type"
    ):
        content_type = entry.content_type
        library_id = _library_id(apps, content_type.app_label, content_type.model, entry.object_id)
        LibraryLogEntry.objects.create(**_copied(entry), library_id=library_id)
        entry.delete()
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Site = apps.get_model("wagtailcore", "Site")
    roots = Site.objects.values("root_page_id")
    groups = Group.objects.filter(
        pk__in=GroupPagePermission.objects.filter(page_id__in=roots).values("group_id")
    )
    permissions = [
        permission
        for app_label, codenames in NEW_PERMISSIONS.items()
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    ]
    for group in groups:
        group.permissions.add(*permissions)


def backwards(apps, schema_editor):
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    LibraryLogEntry = apps.get_model("cms", "LibraryLogEntry")
    for entry in LibraryLogEntry.objects.all():
        ModelLogEntry.objects.create(**_copied(entry))
        entry.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_library_log_entries"),
        ("panel", "0012_add_interview_campaigns"),
        ("research", "0005_research_log_library"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
