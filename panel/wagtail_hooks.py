"""Panel in the Wagtail admin: consent texts (snippets) and members, scoped to the staff
user's own libraries, with every look at personal data written to the access log."""

from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import IndexView, InspectView
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from cms.admin_tenancy import LibraryModelViewSet, LibrarySnippetViewSet
from cms.audit import AuditLogViewSet, audit_log_register

from . import admin_views, views
from .models import AccessLog, Campaign, ConsentText, PanelMember, PanelSignupPage, Segment
from .selectors import (
    campaign_progress,
    campaigns_sending_for_user,
    member_get_for_user,
    members_for_user,
    segment_count,
)
from .services import access_log_record


@hooks.register("answer_page")
def answer_signup_pages(page, request, *args, **kwargs):
    """The sign-up page is answered by its view, live and in the editor's preview
    (cms.serving)."""
    if not isinstance(page, PanelSignupPage):
        return None
    return views.signup(request, page, preview=getattr(request, "is_preview", False))


# The admin menu's "Panel" (its items below, and PANEL_MENU_HOOK's): what a researcher
# works with for the user panel, none of it under Wagtail's "Snippets".
PANEL_MENU_HOOK = "register_innsikt_panel_menu_item"


class ConsentTextViewSet(LibrarySnippetViewSet):
    model = ConsentText
    icon = "lock"
    menu_label = _("Consent texts")
    menu_order = 40
    list_display = ["__str__", "library", "created_at"]
    list_filter = ["library", "purpose"]


class SegmentViewSet(LibrarySnippetViewSet):
    model = Segment
    icon = "filter"
    menu_label = _("Segments")
    menu_order = 20
    list_display = [
        "name",
        "library",
        Column("members", label=_("Active members"), accessor=segment_count),
    ]


class MemberIndexView(IndexView):
    def get_base_queryset(self):
        return members_for_user(self.request.user).order_by("-created_at")

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        libraries = {m.library_id for m in context.get("object_list", [])}
        for library_id in libraries:
            access_log_record(
                staff=self.request.user,
                library_id=library_id,
                member_id=None,
                action=AccessLog.Action.LIST,
            )
        return context


class MemberInspectView(InspectView):
    template_name = "panel/admin/member_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blocks"] = self.object.blocks.select_related("staff")
        context["may_block"] = self.request.user.has_perm("panel.set_do_not_contact")
        return context

    def get_object(self, queryset=None):
        member = member_get_for_user(self.request.user, self.pk)
        access_log_record(
            staff=self.request.user,
            library_id=member.library_id,
            member_id=member.pk,
            action=AccessLog.Action.VIEW,
        )
        return member


class PanelMemberViewSet(LibraryModelViewSet):
    model = PanelMember
    icon = "group"
    menu_label = _("Panel members")
    menu_order = 10
    inspect_view_enabled = True
    index_view_class = MemberIndexView
    inspect_view_class = MemberInspectView
    list_display = ["email", "status", "age_band", "channel", "created_at"]
    list_filter = ["status", "age_band"]
    search_fields = ["email"]
    search_backend_name = None  # plain database lookups; members are not in the search index
    inspect_view_fields = [
        "email",
        "language",
        "age_band",
        "channel",
        "status",
        "attributes",
        "created_at",
        "confirmed_at",
    ]
    form_fields = ["status"]


panel_member_viewset = PanelMemberViewSet("panel_members")


audit_log_register(AccessLog)


@hooks.register("register_admin_urls")
def register_panel_admin_urls():
    return [
        path("panel/loans/", admin_views.loan_import, name="panel_loan_import"),
        path(
            "panel/members/<uuid:member_id>/contact/",
            admin_views.member_contact,
            name="panel_member_contact",
        ),
        path(
            "panel/campaigns/<int:campaign_id>/", admin_views.campaign_detail, name="panel_campaign"
        ),
        path("panel/channels/", admin_views.signup_channels, name="panel_signup_channels"),
        path(
            "panel/channels/<int:channel_id>/poster.<str:fmt>",
            admin_views.signup_channel_poster,
            name="panel_signup_channel_poster",
        ),
    ]


def _progress(campaign):
    progress = campaign_progress(campaign)
    return f"{progress['sent']}/{progress['invited']} · {progress['completed']}"


class CampaignViewSet(LibrarySnippetViewSet):
    model = Campaign
    icon = "mail"
    menu_label = _("Campaigns")
    menu_order = 30
    list_display = [
        "name",
        "kind",
        "status",
        "library",
        Column("progress", label=_("Sent/invited · answered"), accessor=_progress),
        Column(
            "open",
            label=_("Progress and launch"),
            accessor=lambda c: format_html(
                '<a href="{}">{}</a>', reverse("panel_campaign", args=[c.pk]), _("Open")
            ),
        ),
    ]


class PanelMenu(SnippetViewSetGroup):
    """The admin menu's "Panel": members, segments, campaigns, consent texts, and (through
    PANEL_MENU_HOOK) sign-up channels and the loan import."""

    menu_label = _("Panel")
    menu_icon = "group"
    menu_order = 260
    menu_name = "panel"
    submenu_hook = PANEL_MENU_HOOK
    items = (panel_member_viewset, SegmentViewSet, CampaignViewSet, ConsentTextViewSet)


register_snippet(PanelMenu)


@hooks.register(PANEL_MENU_HOOK)
def register_signup_channels_menu_item():
    return MenuItem(
        _("Sign-up channels"), reverse("panel_signup_channels"), icon_name="link", order=50
    )


@hooks.register(PANEL_MENU_HOOK)
def register_loan_import_menu_item():
    return MenuItem(
        _("Import loan statistics"), reverse("panel_loan_import"), icon_name="upload", order=60
    )


class AccessLogViewSet(AuditLogViewSet):
    model = AccessLog
    menu_label = _("Access to personal data")
    name = "panel_access_log"
    list_display = ["at", "staff", "library", "action", "member_id"]
    list_filter = ["action", "library"]


audit_log_register(AccessLog)


@hooks.register("register_admin_viewset")
def register_access_log():
    return AccessLogViewSet()


class CampaignsSendingPanel(Component):
    """The dashboard's running campaigns of the user's libraries, with their progress
    (panel.selectors.campaigns_sending_for_user)."""

    name = "innsikt_campaigns_sending"
    order = 110
    template_name = "panel/admin/dashboard_campaigns.html"

    def get_context_data(self, parent_context=None):
        return {"rows": campaigns_sending_for_user((parent_context or {})["request"].user)}


@hooks.register("construct_homepage_panels")
def campaigns_sending_panel(request, panels):
    panels.append(CampaignsSendingPanel())
