"""Pages answered by their app's views: the page model holds fields, the view answers.

Wagtail renders a page with its model (``serve``, ``get_context``). A page whose answer needs
services or reads beyond its own fields — a survey, the panel's sign-up form, a findings
report — would then import its app's views or selectors from its models, upside down. Such
a page inherits ``cms.models.AnsweredPage``: Wagtail's serving runs as always (``before_serve_page``
and ``on_serve_page`` hooks, view restrictions), and where Wagtail would render the page,
the app's ``answer_page`` hook (registered in its wagtail_hooks.py, an entry point) answers —
for the live page and for the editor's preview alike. The models import this module only.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from wagtail import hooks

ANSWER_HOOK = "answer_page"


def page_answer(page: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The response of the first ``answer_page`` hook that answers for ``page`` (a hook
    returns None for pages that are not its own)."""
    for answer in hooks.get_hooks(ANSWER_HOOK):
        response = answer(page, request, *args, **kwargs)
        if response is not None:
            return response
    raise ImproperlyConfigured(f"no answer_page hook answers for {type(page).__name__}")
