"""Library set-up services shared by every app."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

# What a library's researchers may do: use the admin, build and publish pages under their
# library's home page, see their panel's members, and manage their library's segments,
# campaigns, consent texts, interview times, codebook and themes. Which objects: their own
# library's only (cms.tenancy) — a permission here is never a permission over another
# library. Consent texts are never deleted (members' consent records point at them), and
# campaigns are not either (their invitations are the contact history).
RESEARCHER_MODEL_PERMISSIONS = {
    "wagtailadmin": ["access_admin"],
    "panel": [
        "view_panelmember",
        "set_do_not_contact",
        "add_segment",
        "change_segment",
        "delete_segment",
        "view_segment",
        "add_campaign",
        "change_campaign",
        "view_campaign",
        "add_consenttext",
        "change_consenttext",
        "view_consenttext",
    ],
    "research": [
        "add_interviewslot",
        "change_interviewslot",
        "delete_interviewslot",
        "view_interviewslot",
        "add_interviewcode",
        "change_interviewcode",
        "delete_interviewcode",
        "view_interviewcode",
        "add_interviewtheme",
        "change_interviewtheme",
        "delete_interviewtheme",
        "view_interviewtheme",
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
