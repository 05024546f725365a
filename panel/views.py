"""Public panel pages: sign up, the age gate, "check your e-mail", and confirmation."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from surveys.forms import StepForm

from .forms import UNDER_18, signup_questions, signup_values
from .models import PanelSignupPage, Purpose
from .services import TokenInvalid, consent_current, member_confirm, member_signup

SENT = "sendt"


def _message(request: HttpRequest, page, title: str, body: str, *, status: int = 200, **extra):
    context = {"page": page, "title": title, "body": body, **extra}
    return render(request, "panel/message.html", context, status=status)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, page: PanelSignupPage) -> HttpResponse:
    language = get_language() or "nb"
    site = page.get_site()
    texts = {p.value: consent_current(library=site, purpose=p.value) for p in Purpose}
    if texts[Purpose.PANEL] is None:
        return _message(
            request,
            page,
            _("The panel is not open yet"),
            _("The library has not published its consent text yet."),
        )
    if request.GET.get(SENT):
        return _message(
            request,
            page,
            _("Check your e-mail"),
            _(
                "If the address can join, we have sent a link to confirm it. The link works for "
                "7 days. Nothing is kept if you do not confirm."
            ),
            sent=True,
        )
    questions = signup_questions(page, texts, language)
    form = StepForm(request.POST or None, questions=questions, pipes={}, seed=0)
    if request.method == "POST" and form.is_valid():
        values = signup_values(questions, form.answers())
        if values["age_band"] == UNDER_18:
            # Nothing the person typed is stored.
            return _message(
                request,
                page,
                _("You must be 18 to join on your own"),
                _(
                    "The panel is for people aged 18 and over. If you are under 18, ask a parent "
                    "or guardian, or talk to the library staff about other ways to take part."
                ),
            )
        member_signup(library=site, channel=request.GET.get("kanal", "link")[:40], **values)
        return redirect(f"{page.get_url(request)}?{SENT}=1")
    return render(
        request,
        "panel/signup.html",
        {
            "page": page,
            "questions": form.view(),
            "errors": form.error_list() if form.is_bound else [],
        },
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST confirms."""
    site = Site.find_for_request(request)
    home = site.root_page if site else None
    if request.method == "GET":
        return render(request, "panel/confirm.html", {"page": home})
    try:
        member_confirm(token=token)
    except TokenInvalid as exc:
        body = (
            _("The link is out of date. Sign up again; it only takes a minute.")
            if exc.expired
            else _("The link is not valid. Copy the whole link from the e-mail, or sign up again.")
        )
        return _message(request, home, _("The link does not work"), body, status=400)
    return _message(
        request,
        home,
        _("Welcome to the panel"),
        _(
            "Your membership is confirmed. We will e-mail you when there is a survey or an "
            "interview that fits you. You can see, download or delete your data at any time."
        ),
    )
