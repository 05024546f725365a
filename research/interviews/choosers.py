"""The admin chooser of interview quotes, for the findings report's interview quote block:
quotable excerpts of the staff user's own libraries only."""

from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from cms.tenancy import library_sites_for_user


class _OwnQuotes:
    request: Any

    def get_object_list(self) -> Any:
        excerpt = apps.get_model("research", "Excerpt")
        sites = [s.pk for s in library_sites_for_user(self.request.user)]
        return (
            excerpt.objects.filter(quotable=True, note__participant__campaign__library__in=sites)
            .select_related("note__participant__campaign")
            .order_by("-created_at")
        )


class QuoteChooseView(_OwnQuotes, ChooseView):
    pass


class QuoteChooseResultsView(_OwnQuotes, ChooseResultsView):
    pass


class QuoteChooserViewSet(ChooserViewSet):
    model = "research.Excerpt"
    icon = "openquote"
    choose_one_text = _("Choose an interview quote")
    choose_another_text = _("Choose another quote")
    choose_view_class = QuoteChooseView
    choose_results_view_class = QuoteChooseResultsView


quote_chooser_viewset = QuoteChooserViewSet("interview_quote_chooser")
InterviewQuoteChooserBlock = quote_chooser_viewset.get_block_class(
    name="InterviewQuoteChooserBlock", module_path="research.interviews.choosers"
)
