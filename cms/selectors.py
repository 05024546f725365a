"""Which libraries (Wagtail Sites) a user works for, and their settings."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from wagtail.models import Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy


def library_sites_for_user(user: AbstractBaseUser | AnonymousUser) -> list[Site]:
    """Sites whose root page the user may edit (superusers: all sites)."""
    sites = list(Site.objects.select_related("root_page").order_by("site_name"))
    if getattr(user, "is_superuser", False):
        return sites
    explorable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    return [s for s in sites if explorable.filter(pk=s.root_page_id).exists()]


def library_site_for_page(page: Page) -> Site | None:
    """The Site (library) whose tree contains page, or None for pages outside every site."""
    for site in Site.objects.select_related("root_page"):
        if page.path.startswith(site.root_page.path):
            return site
    return None
