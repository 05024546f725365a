"""Tenancy in Wagtail's own page explorer, page chooser and bulk actions: a researcher sees
and acts on their own libraries' pages and objects only (cms.tenancy)."""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import AdminOnlyMenuItem, MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.models import Page, PageLogEntry, Site

from . import account_views, admin_views, health_views
from .models import AccessibilityStatementPage, LibraryLogEntry
from .panels import TwoFactorNoticePanel
from .tenancy import PROJECT_APPS, is_library_owned, library_ids_for_user, library_scope
from .two_factor import two_factor_enabled


@hooks.register("construct_explorer_page_queryset")
def explorer_pages_scope(parent_page: Any, pages: Any, request: Any) -> Any:
    return library_scope(pages, request.user)


@hooks.register("construct_page_chooser_queryset")
def chooser_pages_scope(pages: Any, request: Any) -> Any:
    return library_scope(pages, request.user)


@hooks.register("before_bulk_action")
def bulk_action_scope(request: Any, action_type: str, objects: Any, action_class: Any) -> None:
    """A bulk action (delete, publish, move, …) over objects of several libraries — from
    tampered ids or "select all" — does nothing: 404 before the action runs."""
    objects = list(objects)
    if not objects:
        return
    model = type(objects[0])
    if not is_library_owned(model):
        return
    allowed = library_scope(model._default_manager.all(), request.user)
    if allowed.filter(pk__in=[o.pk for o in objects]).count() != len(objects):
        raise Http404


def _page_filters_scope() -> None:
    """Wagtail's page listings (explorer, search, page-type usage) filter by site, owner and
    editor with choices from the whole installation, and no hook reaches them: their
    choices become the user's libraries' sites, and the people who own or edited pages
    there (django-filter calls a callable queryset with the request)."""

    def sites(request: Any) -> Any:
        return library_scope(Site.objects.all(), request.user)

    def owners(request: Any) -> Any:
        pages = library_scope(Page.objects.all(), request.user)
        return get_user_model().objects.filter(pk__in=pages.values("owner_id"))

    def editors(request: Any) -> Any:
        pages = library_scope(Page.objects.all(), request.user)
        edits = PageLogEntry.objects.filter(action="wagtail.edit", page__in=pages.values("pk"))
        return get_user_model().objects.filter(pk__in=edits.values("user_id"))

    scoped = {"site": sites, "owner": owners, "edited_by": editors}
    filtersets, pending = [], [PageFilterSet]
    while pending:  # the explorer's, the search's and the reports' subclasses
        filterset = pending.pop()
        filtersets.append(filterset)
        pending.extend(filterset.__subclasses__())
    for filterset in filtersets:
        for name, queryset in scoped.items():
            if name in filterset.base_filters:
                filterset.base_filters[name].queryset = queryset


_page_filters_scope()


@hooks.register("construct_reports_menu")
def reports_menu_scope(request: Any, menu_items: list[Any]) -> None:
    """The page-types report counts every library's pages: superusers only (the admin gate
    refuses its URL to everyone else, cms.tenancy.INSTALLATION_VIEWS)."""
    if library_ids_for_user(request.user) is not None:
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]


@hooks.register("register_log_actions")
def library_log_entries(actions: Any) -> None:
    """What is done to a library-owned object (a segment edited, a code deleted) is logged
    with its library, so the site history and an object's history show a researcher their
    own libraries' entries only (cms.models.LibraryLogEntry)."""
    for model in apps.get_models():
        if (
            model._meta.app_label in PROJECT_APPS
            and is_library_owned(model)
            and not issubclass(model, Page)
        ):
            actions.register_model(model, LibraryLogEntry)


# ---- staff account security (cms.two_factor, cms.sessions, cms.account_views) -----------


@hooks.register("register_admin_urls")
def account_security_urls() -> list[Any]:
    return [
        path("2fa/verify/", account_views.two_factor_verify, name="innsikt_2fa_verify"),
        path("2fa/setup/", account_views.two_factor_setup, name="innsikt_2fa_setup"),
        path("2fa/codes/", account_views.recovery_codes_renew, name="innsikt_recovery_codes"),
        path("2fa/accounts/", account_views.two_factor_accounts, name="innsikt_2fa_accounts"),
        path("account/sessions/", account_views.staff_sessions, name="innsikt_staff_sessions"),
    ]


@hooks.register("register_account_menu_item")
def account_security_menu_item(request: Any) -> dict[str, Any]:
    return {
        "url": reverse("innsikt_staff_sessions"),
        "label": gettext("Sign-in and sessions"),
        "help_text": gettext("Two-factor sign-in, recovery codes, and where you are signed in."),
    }


@hooks.register("register_settings_menu_item")
def two_factor_accounts_menu_item() -> Any:
    class SuperuserMenuItem(MenuItem):
        def is_shown(self, request: Any) -> bool:
            return bool(request.user.is_superuser)

    return SuperuserMenuItem(
        _("Two-factor sign-in"), reverse("innsikt_2fa_accounts"), icon_name="lock", order=900
    )


@hooks.register("construct_homepage_panels")
def two_factor_notice(request: Any, panels: list[Any]) -> None:
    """Where two-factor sign-in is not enforced (the local demo), the dashboard says so and
    offers it to a user who has none."""
    if not settings.INNSIKT_2FA_REQUIRED and not two_factor_enabled(request.user):
        panels.insert(0, TwoFactorNoticePanel())


# ---- system status (cms.health, cms.health_views) -----------------------------------------


@hooks.register("register_admin_urls")
def system_status_urls() -> list[Any]:
    return [path("system-status/", health_views.system_status, name="innsikt_system_status")]


@hooks.register("register_settings_menu_item")
def system_status_menu_item() -> Any:
    return AdminOnlyMenuItem(
        _("System status"), reverse("innsikt_system_status"), icon_name="tasks", order=910
    )


@hooks.register("register_admin_urls")
def accessibility_statement_urls() -> list[Any]:
    return [
        path(
            "accessibility-statement/<int:page_id>/export.<str:fmt>",
            admin_views.accessibility_export,
            name="cms_accessibility_export",
        )
    ]


def _statement_export_buttons(page: Any, user: Any, **kwargs: Any) -> Any:
    if (
        isinstance(page.specific_deferred, AccessibilityStatementPage)
        and page.permissions_for_user(user).can_edit()
    ):
        for priority, fmt in ((7, "csv"), (8, "json")):
            yield PageMenuItem(
                _("Export for uustatus.no (%(format)s)") % {"format": fmt.upper()},
                reverse("cms_accessibility_export", args=[page.pk, fmt]),
                icon_name="download",
                priority=priority,
                page=page,
            )


hooks.register("register_page_listing_more_buttons", _statement_export_buttons)
hooks.register("register_page_header_buttons", _statement_export_buttons)
