"""Panels of the admin's dashboard."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component


class TwoFactorNoticePanel(Component):
    """ "Two-factor sign-in is not enforced here", with the way to set it up."""

    name = "two_factor_notice"
    order = 10
    template_name = "cms/account/two_factor_notice.html"

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        return {"title": _("Two-factor sign-in is not enforced")}
