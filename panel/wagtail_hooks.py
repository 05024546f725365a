from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import ConsentText


class ConsentTextViewSet(SnippetViewSet):
    model = ConsentText
    icon = "lock"
    list_display = ["__str__", "library", "created_at"]
    list_filter = ["library", "purpose"]


register_snippet(ConsentTextViewSet)
