from django import template
from wagtail.models import Page

from surveys.models import SurveyPage

register = template.Library()


@register.simple_tag
def open_surveys(page: Page) -> list[SurveyPage]:
    """Live, listed surveys under a library's home page (in the page's language)."""
    return list(
        SurveyPage.objects.child_of(page).live().public().filter(listed=True).order_by("title")
    )
