"""The respondent's side: the survey wizard, thank-you, resume and state pages.

Thin views (DESIGN.md C2): they check state and abuse control, run the formtools wizard
(C3) and call services. Nothing about the respondent (IP, agent, cookies) reaches storage.
"""

import contextlib
import re
import uuid
from collections import OrderedDict
from functools import partial
from typing import Any

from django.conf import settings
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from formtools.wizard.storage import get_storage
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.storage.session import SessionStorage
from formtools.wizard.views import SessionWizardView
from wagtail import hooks
from wagtail.views import serve as wagtail_serve

from cms.abuse import HONEYPOT, browser_token_set, rate_limited
from cms.selectors import content_cached

from . import presentation
from .forms import StepForm, ordered_questions
from .logic import Evaluation, evaluate
from .models import Channel, ChannelBase, SurveyPage, SurveyVersion
from .presentation import answer_labels, questions_html, state_title
from .routes import route_path
from .selectors import (
    SurveyRuntime,
    quota_blocking,
    survey_route,
    survey_runtime_for_channel,
    survey_runtime_for_page,
    survey_state,
)
from .services import (
    SurveyUnavailable,
    draft_save,
    draft_take,
    response_submit,
    survey_start_record,
)

CHANNEL_PATH_RE = re.compile(r"^(?:/[a-z]{2})?/s/(?P<code>[a-z0-9]{6,16})/")
RESUME_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{10,64}$")
DONE_COOKIE = "innsikt_done"
STORAGE = f"{__name__}.SurveyStorage"
# The id the response will be stored under, chosen before the last page is sent, so the
# same submission sent twice is stored once (surveys.services.response_submit).
SUBMISSION = "submission"
FORM_META = {"csrfmiddlewaretoken", HONEYPOT, SUBMISSION, "wizard_save", "wizard_goto_step"}


# ---- cookies: one-response-per-browser and the rate-limit token ---------------------------
def _done_keys(request: HttpRequest) -> list[str]:
    try:
        value = request.get_signed_cookie(DONE_COOKIE, default="", salt=DONE_COOKIE) or ""
    except BadSignature:
        value = ""
    return [k for k in value.split(",") if k]


def _survey_token(page: SurveyPage) -> str:
    return page.translation_key.hex[:16]


def pseudonym_session_key(page: SurveyPage) -> str:
    """Where a pseudonymous respondent's pseudonym waits in the session: the panel puts it
    there when a member follows an invitation; done() moves it onto the response."""
    return f"innsikt_pseudonym:{_survey_token(page)}"


def _with_cookies(request: HttpRequest, response: HttpResponse, *, done: SurveyPage | None = None):
    browser_token_set(request, response)
    if done is not None:
        secure = settings.SESSION_COOKIE_SECURE
        keys = [*_done_keys(request), _survey_token(done)][-40:]
        response.set_signed_cookie(
            DONE_COOKIE,
            ",".join(dict.fromkeys(keys)),
            salt=DONE_COOKIE,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
        )
    return response


def _rate_limited(request: HttpRequest, page: SurveyPage) -> bool:
    """Per browser token, never per IP: hundreds of respondents share one event NAT."""
    return rate_limited(request, group=f"survey-post:{page.pk}", rate=settings.INNSIKT_RATE_LIMIT)


# ---- addresses, framing and message pages --------------------------------------------------
def _base_url(rt: SurveyRuntime, request: HttpRequest) -> str:
    """The survey's address for this respondent: its page, or the channel's short URL."""
    if rt.channel is None:
        return rt.page_url
    return reverse("survey_channel", args=[rt.channel.code])


def _is_embed(rt: SurveyRuntime) -> bool:
    return rt.channel is not None and rt.channel.kind == Channel.Kind.EMBED


def channel_frame(response: HttpResponse, channel: ChannelBase | None) -> HttpResponse:
    """Embeds may be framed by their channel's allowed origins only (CSP frame-ancestors);
    every other page keeps frame-ancestors 'none' and X-Frame-Options DENY."""
    if channel is not None and channel.kind == Channel.Kind.EMBED:
        origins = channel.origins()
        response._csp_replace = {"frame-ancestors": origins or ["'none'"]}  # type: ignore[attr-defined]
        if origins:
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def _frame(response: HttpResponse, rt: SurveyRuntime) -> HttpResponse:
    return channel_frame(response, rt.channel)


def _chrome_context(rt: SurveyRuntime, request: HttpRequest) -> dict[str, Any]:
    return {
        "page": rt.page,
        "survey": rt.page,
        "chrome": rt.chrome,
        # Channel addresses are the same in every language (/s/<code>/, /en/s/<code>/).
        "plain_language_urls": rt.channel is not None,
        "embed": _is_embed(rt),
        "base_url": _base_url(rt, request),
    }


def _message(
    request: HttpRequest,
    rt: SurveyRuntime,
    state: str,
    *,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {**_chrome_context(rt, request), "state": state, "title": state_title(state)}
    context.update(extra or {})
    response = render(request, "surveys/message.html", context, status=status)
    return _frame(response, rt)


SESSION_LOST_NOTICE = gettext_lazy(
    "Sorry – the answers you gave on the earlier pages were lost: our service was briefly "
    "interrupted, or the survey was left open for a long time. Please answer again from the "
    "first page; what you typed on the page you just sent is kept. Nothing unfinished has "
    "been stored."
)


# ---- the wizard ----------------------------------------------------------------------------
class FirstVisitStorage(BaseStorage):
    """The wizard's state while a browser without a session looks at a survey: kept
    nowhere. Nothing is worth keeping before the first page is sent — the submission id
    and the options' order travel in the page's form (SurveyWizard.seed) — so a visit
    makes no session: no Redis write for someone who only looks (docs/performance.md), and
    no session cookie. The first page sent makes the session, as before."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.init_data()


FIRST_VISIT_STORAGE = f"{__name__}.FirstVisitStorage"


class SurveyStorage(SessionStorage):
    """formtools' session storage, except that the wizard's state enters the session only
    when it is first used and leaves it when the wizard is reset (an answer stored, a bot
    turned away): a one-page survey sent in one go makes no session at all — the answer's
    one Redis round trip is the rate limit's (docs/performance.md) — and a session that
    held nothing but this survey is deleted with its cookie instead of being kept empty
    until it expires. The state is looked up in the session once per request (formtools
    reads it some twenty times)."""

    _data: dict[str, Any] | None = None

    def __init__(self, prefix: str, request: HttpRequest, file_storage: Any = None) -> None:
        BaseStorage.__init__(self, prefix, request, file_storage)

    def _get_data(self) -> dict[str, Any]:
        if self._data is None:
            if self.prefix not in self.request.session:
                self.init_data()
            else:
                self._data = self.request.session[self.prefix]
            # formtools changes the state in place: the session is saved whenever it is
            # read (as formtools' own storage does; a wizard reads it to change it).
            self.request.session.modified = True
        assert self._data is not None
        return self._data

    def _set_data(self, value: dict[str, Any]) -> None:
        self.request.session[self.prefix] = self._data = value

    data = property(_get_data, _set_data)

    def reset(self) -> None:
        super().reset()
        session = self.request.session
        del session[self.prefix]
        self._data = None
        if session.session_key is not None and not session.keys():
            session.flush()


class SurveyWizard(SessionWizardView):
    """formtools' session wizard over the frozen schema: one step per survey page, shown or
    skipped by surveys.logic. Answers live in the (cache-backed) session until done()."""

    template_name = "surveys/step.html"
    storage_name = STORAGE

    rt: SurveyRuntime
    page: SurveyPage
    version: SurveyVersion
    schema: dict[str, Any]

    def dispatch(self, request, *args, runtime: SurveyRuntime, **kwargs):
        assert runtime.version is not None
        if request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            self.storage_name = FIRST_VISIT_STORAGE
        if request.method == "POST":
            # Counted before the wizard reads the session: the count brings it along (one
            # Redis round trip for both, cms.abuse.cache_count).
            self._over_limit = _rate_limited(request, runtime.page)
        self.rt, self.page, self.version = runtime, runtime.page, runtime.version
        self.schema = self.version.schema
        self.steps_by_key = {s["key"]: s for s in self.schema["steps"]}
        self.form_list = OrderedDict((key, StepForm) for key in self.steps_by_key)
        self.condition_dict = {key: partial(_step_visible, key) for key in self.steps_by_key}
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs):
        return f"s{_survey_token(self.page)}"

    # -- answers and logic --------------------------------------------------------------
    def seed(self) -> int:
        """The respondent's order of shuffled options: from the submission id the page is
        shown and sent with, so a first visit, which keeps no session, gets back the order
        it showed when its page is sent; kept in the wizard's storage from then on."""
        extra = self.storage.extra_data
        if "seed" not in extra:
            extra["seed"] = self.submission_id().int % 2**31
            self.storage.extra_data = extra
        return int(extra["seed"])

    _new_submission: uuid.UUID | None = None

    def submission_id(self) -> uuid.UUID:
        """The id the response will be stored under: kept in the wizard's storage from the
        first page sent; before that, the one the page was shown with (a survey of one
        page is sent in the request that stores it), else a new one (the same for the
        rest of this request)."""
        for candidate in (
            self.storage.extra_data.get(SUBMISSION),
            self.request.POST.get(SUBMISSION),
        ):
            with contextlib.suppress(TypeError, ValueError, AttributeError):
                return uuid.UUID(candidate)
        if self._new_submission is None:
            self._new_submission = uuid.uuid4()
        return self._new_submission

    def _session_lost(self, posted: str) -> bool:
        """A later page was sent but the wizard's storage is empty: the session is gone —
        Redis restarted without its data, or the session expired while the page was open."""
        return (
            posted in self.steps_by_key
            and posted != self.steps.first
            and not self.storage.extra_data.get("started")
            and all(self.storage.get_step_data(k) is None for k in self.steps_by_key)
        )

    def evaluation(self) -> Evaluation:
        """Logic over the stored, valid answers (memoised; formtools drops attributes named
        _cleaned_data_cache_* whenever step data changes)."""
        cached = getattr(self, "_cleaned_data_cache_evaluation", None)
        if cached is not None:
            return cached
        answers: dict[str, Any] = {}
        forms: dict[str, StepForm] = {}
        for step in self.schema["steps"]:
            data = self.storage.get_step_data(step["key"])
            if data is None:
                continue
            current = evaluate(self.schema, answers)
            if step["key"] not in current.steps:
                continue
            form = self._posted.get(step["key"]) or self._form(step, current, data=data)
            if form.is_valid():
                answers.update(form.answers())
            forms[step["key"]] = form
        result = evaluate(self.schema, answers)
        self._cleaned_data_cache_evaluation = result
        # formtools' render_done re-validates every stored step; it gets these same forms.
        self._cleaned_data_cache_forms = forms
        return result

    def _form(self, step, evaluation: Evaluation, data=None) -> StepForm:
        visible = set(evaluation.questions.get(step["key"], []))
        if step["key"] not in evaluation.questions:
            visible = {q["key"] for q in step["questions"]}
        seed = self.seed()
        questions = [q for q in ordered_questions(step, seed) if q["key"] in visible]
        return StepForm(
            data=data,
            questions=questions,
            pipes=answer_labels(self.schema, evaluation.answers),
            seed=seed,
            # A shuffled page's fields are in the respondent's own order: not kept.
            fields_key=None
            if step.get("shuffle")
            else (self.version.pk, self.version.created_at, step["key"]),
        )

    def get_form(self, step=None, data=None, files=None):
        step = step or self.steps.current
        evaluation = self.evaluation()
        if data is not None and data is not self.request.POST:
            validated = self._cleaned_data_cache_forms.get(step)
            if validated is not None and (
                validated.data == data or validated is self._posted.get(step)
            ):
                return validated
        return self._form(self.steps_by_key[step], evaluation, data=data)

    def _reachable(self, step: str) -> bool:
        """A step may be shown or posted only when it is visible and every visible step
        before it has been answered (no skipping ahead by URL or tampered forms)."""
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

    def _forget_caches(self) -> None:
        for attr in [a for a in vars(self) if a.startswith("_cleaned_data_cache_")]:
            delattr(self, attr)
        self.__dict__.pop("_resolved_form_list", None)

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
            return redirect(_base_url(self.rt, request) + route_path("thanks"))
        posted = request.POST.get(f"{self.prefix}-current_step", "")
        if self._over_limit:
            step = posted if posted in self.steps_by_key else None
            form = self.get_form(step=step, data=request.POST)
            form.is_valid()
            notice = _(
                "You have sent the form many times in a short while. Wait a minute and send "
                "it again; your answers are still filled in."
            )
            return self.render(form, notice=notice, status=429)
        if self._session_lost(posted):
            # Start again from the first page, keeping what was typed on this one.
            self.storage.current_step = self.steps.first
            self.storage.set_step_data(posted, self._raw())
            self._forget_caches()
            return self.render(self.get_form(), notice=SESSION_LOST_NOTICE)
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
            self._forget_caches()
            if self._reachable(goto):
                return self.render_goto_step(goto)
        response = super().post(*args, **kwargs)
        if self._start_pending:
            # Counted after rendering, so the counter row is locked only for the UPDATE.
            survey_start_record(page=self.page, channel=self.rt.channel)
        return response

    _start_pending = False
    _over_limit = False

    # The form of the page just sent, validated once: the logic that runs after it is
    # stored (which pages follow, what is kept) reads its answers instead of validating
    # the same fields again from storage. Set for one request (a view instance each).
    _posted: dict[str, StepForm] = {}

    def process_step(self, form):
        self._posted = {self.steps.current: form}
        extra = self.storage.extra_data
        if not extra.get("started"):
            self._start_pending = True
            extra["started"] = True
            extra[SUBMISSION] = str(self.submission_id())
            self.storage.extra_data = extra
        return self._raw()

    def render_next_step(self, form, **kwargs):
        if self.rt.quotas and quota_blocking(self.page, self.evaluation().answers, self.rt.quotas):
            self.storage.reset()
            return _message(self.request, self.rt, "screened_out")
        return super().render_next_step(form, **kwargs)

    def render(self, form=None, **kwargs):
        status = kwargs.pop("status", 200)
        response = super().render(form, **kwargs)
        response.status_code = status
        return _frame(_with_cookies(self.request, response), self.rt)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        visible = list(self.get_form_list())
        step = self.steps_by_key[self.steps.current]
        index = visible.index(step["key"])
        context.update(_chrome_context(self.rt, self.request))
        context.update(
            step=step,
            step_number=index + 1,
            step_count=len(visible),
            is_first=index == 0,
            is_last=index == len(visible) - 1,
            previous_step=visible[index - 1] if index else None,
            questions_html=self._questions_html(form),
            errors=form.error_list() if form.is_bound else [],
            honeypot=HONEYPOT,
            submission=self.submission_id(),
            notice=kwargs.get("notice"),
        )
        return context

    def _questions_html(self, form: StepForm) -> str:
        """The step's questions as HTML. A first visit's page is the same for every
        respondent (no values, no errors, no shuffling): it is rendered once per version,
        step, language and content generation and then kept (templates were two thirds
        of a survey page's time, docs/performance.md)."""

        key = None if self.steps_by_key[self.steps.current].get("shuffle") else form.view_key()
        if key is None:
            return questions_html(form)
        language = get_language() or settings.LANGUAGE_CODE
        return content_cached(
            f"questions:{self.version.pk}:{language}:{key}", partial(questions_html, form)
        )

    def save_for_later(self, step: str) -> HttpResponse:
        self.storage.set_step_data(step, self._raw())
        steps = {}
        for key in self.steps_by_key:
            data = self.storage.get_step_data(key)
            if data is not None:
                steps[key] = dict(data.lists())
        token, draft = draft_save(
            page=self.page,
            channel=self.rt.channel,
            data={"current_step": step, "steps": steps, "seed": self.seed()},
        )
        url = self.request.build_absolute_uri(
            _base_url(self.rt, self.request) + route_path("resume", token=token)
        )
        return _message(
            self.request,
            self.rt,
            "saved",
            extra={"resume_url": url, "resume_code": token, "expires_on": draft.expires_on},
        )

    def done(self, form_list, **kwargs):
        count_start, self._start_pending = self._start_pending, False
        pseudonym = self.request.session.pop(pseudonym_session_key(self.page), "")
        try:
            response_submit(
                page=self.page,
                version=self.version,
                channel=self.rt.channel,
                language=get_language() or settings.LANGUAGE_CODE,
                answers=self.evaluation().answers,
                quotas=self.rt.quotas,
                count_start=count_start,
                pseudonym=pseudonym,
                response_id=self.submission_id(),
            )
        except SurveyUnavailable as exc:
            return _message(self.request, self.rt, exc.state)
        response = HttpResponseRedirect(_base_url(self.rt, self.request) + route_path("thanks"))
        done = self.page if self.page.one_response_per_browser else None
        return _with_cookies(self.request, response, done=done)


def _step_visible(step_key: str, wizard: SurveyWizard) -> bool:
    return step_key in wizard.evaluation().steps


wizard_view = SurveyWizard.as_view(form_list=[("_", StepForm)])


# ---- entry points: the survey page (Wagtail route) or a channel's short URL ---------------
def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def survey_respond(request: HttpRequest, rt: SurveyRuntime) -> HttpResponse:
    if rt.version is None:
        return _message(request, rt, "unpublished", status=404)
    state = survey_state(rt.page, rt.quotas)
    if state != "open":
        return _message(request, rt, state)
    if rt.page.one_response_per_browser and _survey_token(rt.page) in _done_keys(request):
        return _message(request, rt, "already")
    if rt.page.invitation_only and pseudonym_session_key(rt.page) not in request.session:
        # Only a panel invitation opens it (panel.views.invitation puts the pseudonym in
        # the session): not the survey's address, a channel or a resumed draft on its own.
        return _message(request, rt, "invitation_only", status=403)
    return wizard_view(request, runtime=rt)


def survey_thanks(request: HttpRequest, rt: SurveyRuntime) -> HttpResponse:
    return _message(request, rt, "thanks")


@require_http_methods(["GET", "POST"])
def survey_resume(
    request: HttpRequest, rt: SurveyRuntime, token: str | None = None
) -> HttpResponse:
    """Without a token: a form asking for the code. GET with a token shows a button (mail
    and link scanners never use it up); POST restores the saved answers into this
    browser's wizard and continues at the saved page."""
    base = _base_url(rt, request)
    if token is None:
        code = request.GET.get("code", "").strip()
        if RESUME_CODE_RE.match(code):
            return redirect(base + route_path("resume", token=code))
        return _message(request, rt, "resume", extra={"ask_code": True})
    if request.method == "GET":
        return _message(request, rt, "resume", extra={"token": token})
    data = draft_take(page=rt.page, token=token)
    if data is None:
        return _message(request, rt, "resume_missing", status=404)
    storage = get_storage(STORAGE, f"s{_survey_token(rt.page)}", request)
    storage.reset()
    for step, values in data.get("steps", {}).items():
        storage.set_step_data(step, MultiValueDict(values))
    storage.current_step = data.get("current_step")
    storage.extra_data = {"seed": data.get("seed", 0), "started": True}
    return redirect(base)


# ---- the front door: every survey address ends here --------------------------------------
ROUTE_VIEWS = {
    "respond": survey_respond,
    "thanks": survey_thanks,
    "resume_code": survey_resume,
    "resume": survey_resume,
}


def survey_serve(
    request: HttpRequest, rt: SurveyRuntime, route: str, **kwargs: str
) -> HttpResponse:
    """Answer one of a survey's routes (surveys.routes) for the survey ``rt`` describes,
    whether it was reached at its page's address or through a channel's short link."""
    return ROUTE_VIEWS[route](request, rt, **kwargs)


def page_serve(request: HttpRequest, page: SurveyPage, route: str, **kwargs: str) -> HttpResponse:
    """A survey at its page's address, once Wagtail's own checks have passed (the
    answer_page hook in surveys/wagtail_hooks.py)."""
    rt = survey_runtime_for_page(page, _language(), request)
    return survey_serve(request, rt, route, **kwargs)


def channel_serve(request: HttpRequest, code: str, route: str, **kwargs: str) -> HttpResponse:
    """A survey at a channel's short link (/s/<code>/…, surveys/urls.py)."""
    rt = survey_runtime_for_channel(code, _language(), request)
    return survey_serve(request, rt, route, **kwargs)


def serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's page serving (wagtail.views.serve), with the route to a survey page
    cached per content generation, so answering a survey at its page address costs no
    routing queries. Every registered hook runs as in Wagtail: before_serve_page, then the
    on_serve_page chain (Wagtail's view restrictions) around the page's own answer."""
    found = survey_route(request, path)
    if found is None:
        return wagtail_serve(request, path)
    page, args, kwargs = found

    def page_chain(page: Any, request: HttpRequest, args: tuple, kwargs: dict) -> HttpResponse:
        return page.serve(request, *args, **kwargs)

    chain = page_chain
    for wrap in reversed(hooks.get_hooks("on_serve_page")):
        chain = wrap(chain)
    for check in hooks.get_hooks("before_serve_page"):
        result = check(page, request, args, kwargs)
        if isinstance(result, HttpResponse):
            return result
    return chain(page, request, args, kwargs)


def survey_preview(request: HttpRequest, page: SurveyPage, *, step_index: int) -> HttpResponse:
    """The editor's preview of one step: the respondent's template, not submittable."""
    template, context = presentation.survey_preview(page, step_index=step_index)
    return render(request, template, context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure page in the site's look, framed like the survey it belongs to
    (so an embedded survey shows the message inside its frame, not a browser error)."""
    response = render(request, "403_csrf.html", {"reason": reason}, status=403)
    return frame_for_path(request, response)


def frame_for_path(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A page outside the wizard (CSRF failure, "try again in a moment") framed like the
    survey whose channel address it answers, so an embed shows it inside its frame."""
    match = CHANNEL_PATH_RE.match(request.path)
    if match:
        with contextlib.suppress(Http404):
            _frame(response, survey_runtime_for_channel(match["code"], _language(), request))
    return response
