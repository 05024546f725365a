"""Library set-up services shared by every app."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

# What a library's researchers may do: use the admin, build and publish pages under their
# library's home page, see their panel's members, and manage segments and campaigns.
RESEARCHER_MODEL_PERMISSIONS = {
    "wagtailadmin": ["access_admin"],
    "panel": [
        "view_panelmember",
        "add_segment",
        "change_segment",
        "view_segment",
        "add_campaign",
        "change_campaign",
        "view_campaign",
    ],
}
RESEARCHER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


def researchers_group_ensure(*, name: str, homes: list[Page]) -> Group:
    """The library's researchers group with exactly the researcher permissions on the given
    home pages (the library's root and its translations). Idempotent."""
    group, _created = Group.objects.get_or_create(name=name)
    for app_label, codenames in RESEARCHER_MODEL_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    for codename in RESEARCHER_PAGE_PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        for home in homes:
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
    return group
