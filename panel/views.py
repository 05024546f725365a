"""Public panel pages: sign up, the age gate, "check your e-mail", and confirmation."""

import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from cms.abuse import HONEYPOT, browser_token_set, rate_limited
from surveys.forms import StepForm
from surveys.views import channel_frame, pseudonym_session_key

from .forms import UNDER_18, signup_questions, signup_values
from .models import Campaign, PanelMember, PanelSignupPage, Purpose, SignupChannel
from .services import (
    TokenInvalid,
    consent_current,
    consent_give,
    consent_withdraw,
    invitation_for_token,
    member_confirm,
    member_erase,
    member_export,
    member_for_unsubscribe,
    member_needs_reconsent,
    member_signup,
    member_touch,
    member_unsubscribe,
    my_data_link_request,
    my_data_member,
)

SENT = "sendt"


def _message(request: HttpRequest, page, title: str, body: str, *, status: int = 200, **extra):
    context = {"page": page, "title": title, "body": body, **extra}
    return render(request, "panel/message.html", context, status=status)


def _library(request: HttpRequest):
    """The request's library (Wagtail site) and its home page, or (None, None)."""
    site = Site.find_for_request(request)
    return site, (site.root_page if site else None)


def _home(request: HttpRequest):
    """The home page of the request's library (for the page chrome), or None."""
    return _library(request)[1]


def _form_page(request: HttpRequest, template: str, page, form: StepForm) -> HttpResponse:
    """A public panel form, rendered with the survey question templates and error summary
    (and the abuse control's honeypot and browser token, cms.abuse)."""
    response = render(
        request,
        template,
        {
            "page": page,
            "questions": form.view(),
            "errors": form.error_list() if form.is_bound else [],
            "honeypot": HONEYPOT,
        },
    )
    return browser_token_set(request, response)


def _abusive(request: HttpRequest) -> bool:
    """A post of a form that sends mail that must do nothing, with the neutral answer: a
    bot filled the honeypot, or this browser posted too often (per token, never per IP)."""
    if request.method != "POST":
        return False
    return bool(request.POST.get(HONEYPOT)) or rate_limited(
        request, group="panel-mail-forms", rate=settings.INNSIKT_PANEL_RATE_LIMIT
    )


@require_http_methods(["GET", "POST"])
def signup_channel(request: HttpRequest, code: str) -> HttpResponse:
    """A sign-up page reached through one of its channels (/panel/bli-med/<code>/): the
    channel's kind is recorded on the member, and an embed may be framed by its sites."""
    channel = (
        SignupChannel.objects.select_related("page").filter(code=code, page__live=True).first()
    )
    if channel is None:
        raise Http404
    page = channel.page.localized.specific
    return channel_frame(signup(request, page, channel=channel), channel)


@require_http_methods(["GET", "POST"])
def signup(
    request: HttpRequest,
    page: PanelSignupPage,
    channel: SignupChannel | None = None,
    preview: bool = False,
) -> HttpResponse:
    """The sign-up form, and a sign-up when it is posted (``preview``: the editor's
    preview, which shows the form and never takes a sign-up)."""
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
    if not preview and _abusive(request):
        return redirect(_sent_url(request, page, channel))
    questions = signup_questions(page, texts, language)
    data = None if preview else (request.POST or None)
    form = StepForm(data, questions=questions, pipes={}, seed=0)
    if form.is_bound and form.is_valid():
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
        joined_via = channel.kind if channel else request.GET.get("kanal", "link")[:40]
        member_signup(library=site, channel=joined_via, **values)
        return redirect(_sent_url(request, page, channel))
    return _form_page(request, "panel/signup.html", page, form)


def _sent_url(request: HttpRequest, page: PanelSignupPage, channel: SignupChannel | None) -> str:
    """The sign-up's "check your e-mail" page (through the channel's address, if any)."""
    if channel is not None:
        return reverse("panel_signup_channel", args=[channel.code]) + f"?{SENT}=1"
    return f"{page.get_url(request)}?{SENT}=1"


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST confirms."""
    home = _home(request)
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


# ---- members' own data ---------------------------------------------------------------------
MY_DATA_SESSION = "panel_my_data"
MY_DATA_SESSION_SECONDS = 30 * 60


def _signed_in_member(request: HttpRequest) -> PanelMember | None:
    marker = request.session.get(MY_DATA_SESSION)
    if not marker or marker.get("until", 0) < time.time():
        return None
    site = Site.find_for_request(request)
    return PanelMember.objects.filter(pk=marker["member"], library=site).first()


def _email_question() -> list[dict]:
    return [
        {
            "type": "email",
            "key": "email",
            "label": _("Your e-mail address"),
            "required": True,
            "help": _("The address you joined the panel with."),
            "show_if": None,
        }
    ]


@require_http_methods(["GET", "POST"])
def my_data_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same whether or not the address is in the
    panel, so the page reveals nothing about who is a member."""
    site, home = _library(request)
    if request.GET.get(SENT):
        return _message(
            request,
            home,
            _("Check your e-mail"),
            _(
                "If the address belongs to a member, we have sent a link to it. The link works "
                "for 60 minutes."
            ),
        )
    if _abusive(request):
        return redirect(f"{request.path}?{SENT}=1")
    form = StepForm(request.POST or None, questions=_email_question(), pipes={}, seed=0)
    if request.method == "POST" and form.is_valid() and site is not None:
        my_data_link_request(library=site, email=form.answers()["email"])
        return redirect(f"{request.path}?{SENT}=1")
    return _form_page(request, "panel/my_data_request.html", home, form)


@require_http_methods(["GET", "POST"])
def my_data_signin(request: HttpRequest, token: str) -> HttpResponse:
    home = _home(request)
    if request.method == "GET":
        return render(request, "panel/my_data_signin.html", {"page": home})
    try:
        member = my_data_member(token=token)
    except TokenInvalid:
        return _message(
            request,
            home,
            _("The link does not work"),
            _("Sign-in links work for 60 minutes. Ask for a new one."),
            status=400,
        )
    member_touch(member_id=member.pk)  # signing in keeps the membership alive
    request.session.cycle_key()
    request.session[MY_DATA_SESSION] = {
        "member": str(member.pk),
        "until": time.time() + MY_DATA_SESSION_SECONDS,
    }
    return redirect("panel_my_data")


def my_data(request: HttpRequest) -> HttpResponse:
    member = _signed_in_member(request)
    if member is None:
        return redirect("panel_my_data_request")
    data = member_export(member=member)
    given = {}
    for record in data["consents"]:
        given[record["purpose"]] = record["given"]
    return render(
        request,
        "panel/my_data.html",
        {
            "page": _home(request),
            "member": member,
            "data": data,
            "purposes": [(p.value, p.label, given.get(p.value)) for p in Purpose],
        },
    )


def my_data_download(request: HttpRequest) -> HttpResponse:
    member = _signed_in_member(request)
    if member is None:
        return redirect("panel_my_data_request")
    response = JsonResponse(
        member_export(member=member), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="mine-data.json"'
    return response


@require_http_methods(["POST"])
def my_data_withdraw(request: HttpRequest) -> HttpResponse:
    member = _signed_in_member(request)
    if member is None:
        return redirect("panel_my_data_request")
    purpose = request.POST.get("purpose", "")
    if purpose in Purpose.values:
        consent_withdraw(member=member, purpose=purpose)
    return redirect("panel_my_data")


@require_http_methods(["POST"])
def my_data_erase(request: HttpRequest) -> HttpResponse:
    member = _signed_in_member(request)
    home = _home(request)
    if member is None:
        return redirect("panel_my_data_request")
    if request.POST.get("confirm") != "yes":
        return render(request, "panel/my_data_erase.html", {"page": home})
    member_erase(member=member)
    request.session.flush()
    return _message(
        request,
        home,
        _("Your data is deleted"),
        _(
            "You are no longer in the panel and we have deleted what we stored about you. "
            "Answers you gave to surveys stay only as anonymous data that cannot be traced to "
            "you."
        ),
    )


# ---- invitations and unsubscribe ----------------------------------------------------------
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: open the survey as this member's pseudonym (never their id)."""
    home = _home(request)
    try:
        invited = invitation_for_token(token)
    except TokenInvalid:
        return _message(
            request,
            home,
            _("The link does not work"),
            _("Copy the whole link from the e-mail."),
            status=400,
        )
    interview = invited.campaign.kind == Campaign.Kind.INTERVIEW
    if invited.completed_at is not None and not interview:
        return _message(
            request,
            home,
            _("Thank you, you have already answered"),
            _("Your answer is registered. You do not need to do anything more."),
        )
    member = invited.member
    assert member is not None  # invitation_for_token raises TokenInvalid when it is erased
    new_text = member_needs_reconsent(member=member)
    if new_text is not None:
        # The panel's terms changed materially: ask before the survey opens.
        if request.method != "POST":
            return render(
                request,
                "panel/reconsent.html",
                {
                    "page": home,
                    "text": new_text.text(get_language() or "nb"),
                    "interview": interview,
                },
            )
        if request.POST.get("agree") != "yes":
            member_unsubscribe(member=member, channel="reconsent-declined")
            return _message(
                request,
                home,
                _("You have left the panel"),
                _("Thank you for the time you have been a member. We will not contact you again."),
            )
        consent_give(member=member, text=new_text, channel="invitation")
    if interview:
        # Booking (or changing) an interview time is research's page (research/interviews).
        return redirect("interview_booking", token=token)
    survey = invited.campaign.survey
    assert survey is not None
    localized = survey.localized
    page = localized.specific if localized.live else survey
    request.session[pseudonym_session_key(page)] = member.pseudonym
    return redirect(page.get_url(request=request))


@csrf_exempt  # RFC 8058 one-click POSTs come from mail clients; the token authorises them
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links); POST unsubscribes, from our
    page or as an RFC 8058 one-click request."""
    home = _home(request)
    try:
        member = member_for_unsubscribe(token)
    except TokenInvalid:
        return _message(
            request,
            home,
            _("The link does not work"),
            _("Copy the whole link from the e-mail."),
            status=400,
        )
    if request.method == "GET":
        return render(request, "panel/unsubscribe.html", {"page": home})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    member_unsubscribe(member=member, channel="one-click" if one_click else "unsubscribe-page")
    return _message(
        request,
        home,
        _("You are unsubscribed"),
        _(
            "You will get no more e-mails from the panel. To also delete what we store about "
            "you, use “Your data” on the library's website."
        ),
    )
