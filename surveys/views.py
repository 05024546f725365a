"""The respondent's side: the survey wizard, thank-you, resume and state pages.

Thin views (DESIGN.md C2): they check state and abuse control, run the formtools wizard
(C3) and call services. Nothing about the respondent (IP, agent, cookies) reaches storage.
"""

import secrets
from collections import OrderedDict
from functools import partial
from typing import Any

from django.conf import settings
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from formtools.wizard.storage import get_storage
from formtools.wizard.views import SessionWizardView

from .forms import StepForm
from .logic import Evaluation, evaluate
from .models import Channel, SurveyPage, SurveyVersion
from .presentation import answer_labels
from .schema import compile_schema
from .selectors import channel_get_by_code, quota_blocking, survey_live_version, survey_state
from .services import (
    SurveyUnavailable,
    draft_save,
    draft_take,
    response_submit,
    survey_start_record,
)

HONEYPOT = "website"
DONE_COOKIE = "innsikt_done"
TOKEN_COOKIE = "innsikt_b"  # noqa: S105 (a cookie name)
STORAGE = "formtools.wizard.storage.session.SessionStorage"
FORM_META = {"csrfmiddlewaretoken", HONEYPOT, "wizard_save", "wizard_goto_step"}


# ---- cookies: one-response-per-browser and the rate-limit token ---------------------------
def _done_keys(request: HttpRequest) -> list[str]:
    try:
        value = request.get_signed_cookie(DONE_COOKIE, default="", salt=DONE_COOKIE)
    except BadSignature:
        value = ""
    return [k for k in value.split(",") if k]


def _survey_token(page: SurveyPage) -> str:
    return page.translation_key.hex[:16]


def _browser_token(request: HttpRequest) -> str | None:
    try:
        return request.get_signed_cookie(TOKEN_COOKIE, default=None, salt=TOKEN_COOKIE)
    except BadSignature:
        return None


def _with_cookies(request: HttpRequest, response: HttpResponse, *, done: SurveyPage | None = None):
    secure = settings.SESSION_COOKIE_SECURE
    samesite = "None" if secure else "Lax"
    if _browser_token(request) is None:
        response.set_signed_cookie(
            TOKEN_COOKIE,
            secrets.token_urlsafe(16),
            salt=TOKEN_COOKIE,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            secure=secure,
            samesite=samesite,
        )
    if done is not None:
        keys = [*_done_keys(request), _survey_token(done)][-40:]
        response.set_signed_cookie(
            DONE_COOKIE,
            ",".join(dict.fromkeys(keys)),
            salt=DONE_COOKIE,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            secure=secure,
            samesite=samesite,
        )
    return response


def _rate_limited(request: HttpRequest, page: SurveyPage) -> bool:
    token = _browser_token(request) or "no-cookie"
    return is_ratelimited(
        request,
        group=f"survey-post:{page.pk}",
        key=lambda _group, _request: token,
        rate=settings.INNSIKT_RATE_LIMIT,
        increment=True,
    )


# ---- URLs for a survey reached through its page or a channel -----------------------------
def _base_url(page: SurveyPage, channel: Channel | None, request: HttpRequest | None = None) -> str:
    """The survey's address for this respondent: its page, or the channel's short URL."""
    if channel is None:
        return page.get_url(request=request) or "/"
    return reverse("survey_channel", args=[channel.code])


def _frame(response: HttpResponse, channel: Channel | None) -> HttpResponse:
    """Embeds may be framed by their channel's allowed origins only (CSP frame-ancestors)."""
    if channel is not None and channel.kind == Channel.Kind.EMBED:
        origins = channel.origins()
        response._csp_replace = {"frame-ancestors": origins or ["'none'"]}  # type: ignore[attr-defined]
        if origins:
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def _message(
    request: HttpRequest,
    page: SurveyPage,
    channel: Channel | None,
    state: str,
    *,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    titles = {
        "closed": _("This survey is closed"),
        "not_open": _("This survey has not opened yet"),
        "full": _("This survey has all the answers it needs"),
        "already": _("You have already answered this survey"),
        "screened_out": _("Thank you for your interest"),
        "thanks": _("Thank you for your answers"),
        "saved": _("Your answers are saved"),
        "resume_missing": _("The saved answers could not be found"),
        "resume": _("Continue where you left off"),
        "unpublished": _("This survey is not available"),
        "rate_limited": _("Too many attempts"),
    }
    context = {
        "page": page,
        "survey": page,
        "state": state,
        "title": titles[state],
        "embed": channel is not None and channel.kind == Channel.Kind.EMBED,
        "base_url": _base_url(page, channel, request),
        **(extra or {}),
    }
    response = render(request, "surveys/message.html", context, status=status)
    return _frame(response, channel)


# ---- the wizard ----------------------------------------------------------------------------
class SurveyWizard(SessionWizardView):
    template_name = "surveys/step.html"
    storage_name = STORAGE

    page: SurveyPage
    channel: Channel | None
    version: SurveyVersion
    schema: dict[str, Any]

    def dispatch(self, request, *args, page, channel, version, **kwargs):
        self.page, self.channel, self.version = page, channel, version
        self.schema = version.schema
        self.steps_by_key = {s["key"]: s for s in self.schema["steps"]}
        self.form_list = OrderedDict((key, StepForm) for key in self.steps_by_key)
        self.condition_dict = {key: partial(_step_visible, key) for key in self.steps_by_key}
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs):
        return f"s{_survey_token(self.page)}"

    # -- answers and logic --------------------------------------------------------------
    def seed(self) -> int:
        extra = self.storage.extra_data
        if "seed" not in extra:
            extra["seed"] = secrets.randbelow(2**31)
            self.storage.extra_data = extra
        return int(extra["seed"])

    def evaluation(self) -> Evaluation:
        """Logic over the stored, valid answers (memoised; formtools drops attributes named
        _cleaned_data_cache_* whenever step data changes)."""
        cached = getattr(self, "_cleaned_data_cache_evaluation", None)
        if cached is not None:
            return cached
        answers: dict[str, Any] = {}
        for step in self.schema["steps"]:
            data = self.storage.get_step_data(step["key"])
            if data is None:
                continue
            current = evaluate(self.schema, answers)
            if step["key"] not in current.steps:
                continue
            form = self._form(step, current, data=data)
            if form.is_valid():
                answers.update(form.answers())
        result = evaluate(self.schema, answers)
        self._cleaned_data_cache_evaluation = result
        return result

    def _form(self, step, evaluation: Evaluation, data=None, initial=None) -> StepForm:
        visible = set(evaluation.questions.get(step["key"], []))
        if step["key"] not in evaluation.questions:
            visible = {q["key"] for q in step["questions"]}
        questions = [q for q in step["questions"] if q["key"] in visible]
        return StepForm(
            data=data,
            initial=initial,
            questions=questions,
            pipes=answer_labels(self.schema, evaluation.answers),
            seed=self.seed(),
        )

    def get_form(self, step=None, data=None, files=None):
        step = step or self.steps.current
        return self._form(self.steps_by_key[step], self.evaluation(), data=data)

    def _reachable(self, step: str) -> bool:
        visible = list(self.get_form_list())
        if step not in visible:
            return False
        return all(
            self.storage.get_step_data(k) is not None for k in visible[: visible.index(step)]
        )

    def _raw(self) -> dict[str, list[str]]:
        return {
            k: v
            for k, v in self.request.POST.lists()
            if k not in FORM_META and not k.startswith(f"{self.prefix}-")
        }

    # -- request handling ------------------------------------------------------------------
    def get(self, request, *args, **kwargs):
        """Show the current step; unlike formtools' default, a reload keeps the answers."""
        if "restart" in request.GET or not self._reachable(self.storage.current_step or ""):
            self.storage.reset()
            self.storage.current_step = self.steps.first
        data = self.storage.get_step_data(self.steps.current)
        return self.render(self.get_form(data=data) if data else self.get_form())

    def post(self, *args, **kwargs):
        request = self.request
        if request.POST.get(HONEYPOT):
            # A bot filled the hidden field: say thanks, store nothing.
            self.storage.reset()
            return redirect(_base_url(self.page, self.channel, self.request) + "takk/")
        posted = request.POST.get(f"{self.prefix}-current_step", "")
        if _rate_limited(request, self.page):
            form = self.get_form(
                step=posted if posted in self.steps_by_key else None, data=request.POST
            )
            form.is_valid()
            return self.render(
                form,
                notice=_(
                    "You have sent the form many times in a short "
                    "while. Wait a minute and send it again; your "
                    "answers are still filled in."
                ),
                status=429,
            )
        if not self._reachable(posted):
            # A tampered, stale or skipped-ahead step: continue where the respondent is.
            step = self.storage.current_step
            if not self._reachable(step or ""):
                step = self.steps.first
            self.storage.current_step = step
            data = self.storage.get_step_data(step)
            return self.render(
                self.get_form(data=data) if data else self.get_form(),
                notice=_("That page of the survey is not available. Continue here."),
            )
        self.storage.current_step = posted
        if "wizard_save" in request.POST:
            return self.save_for_later(posted)
        goto = request.POST.get("wizard_goto_step")
        if goto:
            # Back keeps what was typed on this page, even if it is not complete yet.
            self.storage.set_step_data(posted, self._raw())
            for attr in [a for a in vars(self) if a.startswith("_cleaned_data_cache_")]:
                delattr(self, attr)
            self.__dict__.pop("_resolved_form_list", None)
            if self._reachable(goto):
                return self.render_goto_step(goto)
        return super().post(*args, **kwargs)

    def process_step(self, form):
        extra = self.storage.extra_data
        if not extra.get("started"):
            survey_start_record(page=self.page, channel=self.channel)
            extra["started"] = True
            self.storage.extra_data = extra
        return self._raw()

    def render_next_step(self, form, **kwargs):
        if quota_blocking(self.page, self.evaluation().answers) is not None:
            self.storage.reset()
            return _message(self.request, self.page, self.channel, "screened_out")
        return super().render_next_step(form, **kwargs)

    def render(self, form=None, **kwargs):
        status = kwargs.pop("status", 200)
        response = super().render(form, **kwargs)
        response.status_code = status
        return _frame(_with_cookies(self.request, response), self.channel)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        visible = list(self.get_form_list())
        step = self.steps_by_key[self.steps.current]
        errors = form.error_list() if form.is_bound else []
        context.update(
            page=self.page,
            survey=self.page,
            step=step,
            step_number=visible.index(step["key"]) + 1,
            step_count=len(visible),
            is_first=visible[0] == step["key"],
            is_last=visible[-1] == step["key"],
            previous_step=None
            if visible[0] == step["key"]
            else visible[visible.index(step["key"]) - 1],
            questions=form.view(),
            errors=errors,
            honeypot=HONEYPOT,
            embed=self.channel is not None and self.channel.kind == Channel.Kind.EMBED,
            base_url=_base_url(self.page, self.channel, self.request),
            notice=kwargs.get("notice"),
        )
        return context

    def save_for_later(self, step: str) -> HttpResponse:
        self.storage.set_step_data(step, self._raw())
        steps = {}
        for key in self.steps_by_key:
            data = self.storage.get_step_data(key)
            if data is not None:
                steps[key] = dict(data.lists())
        token, draft = draft_save(
            page=self.page,
            channel=self.channel,
            data={"current_step": step, "steps": steps, "seed": self.seed()},
        )
        url = self.request.build_absolute_uri(
            _base_url(self.page, self.channel, self.request) + f"fortsett/{token}/"
        )
        return _message(
            self.request,
            self.page,
            self.channel,
            "saved",
            extra={"resume_url": url, "resume_code": token, "expires_on": draft.expires_on},
        )

    def done(self, form_list, **kwargs):
        try:
            response_submit(
                page=self.page,
                version=self.version,
                channel=self.channel,
                language=get_language() or settings.LANGUAGE_CODE,
                answers=self.evaluation().answers,
            )
        except SurveyUnavailable as exc:
            return _message(self.request, self.page, self.channel, exc.state)
        response = HttpResponseRedirect(_base_url(self.page, self.channel, self.request) + "takk/")
        done = self.page if self.page.one_response_per_browser else None
        return _with_cookies(self.request, response, done=done)


def _step_visible(step_key: str, wizard: SurveyWizard) -> bool:
    return step_key in wizard.evaluation().steps


wizard_view = SurveyWizard.as_view(form_list=[("_", StepForm)])


# ---- entry points ----------------------------------------------------------------------
def _localized(page: SurveyPage) -> SurveyPage:
    localized = page.localized
    if localized.live and isinstance(localized.specific, SurveyPage):
        return localized.specific
    return page


@require_http_methods(["GET", "POST"])
def survey_respond(request: HttpRequest, *, page: SurveyPage, channel: Channel | None):
    version = survey_live_version(page)
    if version is None:
        return _message(request, page, channel, "unpublished", status=404)
    state = survey_state(page)
    if state != "open":
        return _message(request, page, channel, state)
    if page.one_response_per_browser and _survey_token(page) in _done_keys(request):
        return _message(request, page, channel, "already")
    return wizard_view(request, page=page, channel=channel, version=version)


@require_http_methods(["GET", "POST"])
def channel_respond(request: HttpRequest, code: str):
    channel = channel_get_by_code(code)
    return survey_respond(request, page=_localized(channel.survey), channel=channel)


def survey_thanks(request: HttpRequest, *, page: SurveyPage, channel: Channel | None):
    return _message(request, page, channel, "thanks")


def channel_thanks(request: HttpRequest, code: str):
    channel = channel_get_by_code(code)
    return survey_thanks(request, page=_localized(channel.survey), channel=channel)


@require_http_methods(["GET", "POST"])
def survey_resume(
    request: HttpRequest, *, page: SurveyPage, channel: Channel | None, token: str | None
):
    """GET shows a button (mail and link scanners never use it up); POST restores the saved
    answers into this browser's wizard and continues at the saved page."""
    if token is None:
        code = request.GET.get("code", "").strip()
        if code:
            return redirect(_base_url(page, channel, request) + f"fortsett/{code}/")
        return _message(request, page, channel, "resume", extra={"ask_code": True})
    if request.method == "GET":
        return _message(request, page, channel, "resume", extra={"token": token})
    data = draft_take(page=page, token=token)
    if data is None:
        return _message(request, page, channel, "resume_missing", status=404)
    wizard_prefix = f"s{_survey_token(page)}"
    storage = get_storage(STORAGE, wizard_prefix, request)
    storage.reset()
    for step, values in data.get("steps", {}).items():
        storage.set_step_data(step, MultiValueDict(values))
    storage.current_step = data.get("current_step")
    storage.extra_data = {"seed": data.get("seed", 0), "started": True}
    return redirect(_base_url(page, channel, request))


def channel_resume(request: HttpRequest, code: str, token: str | None = None):
    channel = channel_get_by_code(code)
    return survey_resume(request, page=_localized(channel.survey), channel=channel, token=token)


def survey_preview(request: HttpRequest, *, page: SurveyPage, step_index: int) -> HttpResponse:
    """Wagtail preview: the real step template over the draft's questions, not submittable."""
    schema = compile_schema(page.body.get_prep_value())
    steps = schema["steps"]
    if not steps:
        return _message(request, page, None, "unpublished")
    step = steps[min(step_index, len(steps) - 1)]
    form = StepForm(questions=step["questions"], pipes={}, seed=0)
    return render(
        request,
        "surveys/step.html",
        {
            "page": page,
            "survey": page,
            "step": step,
            "step_number": steps.index(step) + 1,
            "step_count": len(steps),
            "is_first": step is steps[0],
            "is_last": step is steps[-1],
            "questions": form.view(),
            "errors": [],
            "preview": True,
            "base_url": "#",
        },
    )
