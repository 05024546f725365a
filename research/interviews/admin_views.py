"""Interviews in the Wagtail admin: interview rounds (times, bookings, attendance), the
session view (the guide question by question, a note under each), coding and themes with
code frequencies by segment, exports, and the guide as a printable PDF.

Every view finds only the staff user's own libraries' campaigns; opening a session and
downloading interview data are written to the research log."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cms.selectors import library_rules

from ..log.models import ResearchLog
from ..log.services import research_log_record
from .exchange import exchange_csv, exchange_qdpx, exchange_xlsx
from .forms import ExcerptForm, NoteForm, SlotsAddForm
from .guide import guide_pdf as render_guide_pdf
from .models import Excerpt, InterviewBooking, InterviewGuidePage, InterviewNote, InterviewTheme
from .selectors import (
    booking_get_for_user,
    code_excerpts,
    code_participants,
    codebook,
    excerpt_attribution,
    interview_campaign_get_for_user,
    interview_campaigns_for_user,
    interview_exchange_data,
    interviewed_age_bands,
    interviewed_participants,
    participant_get_for_user,
    segment_participants,
)
from .services import (
    excerpt_create,
    interview_attendance_mark,
    interview_cancel,
    interview_note_save,
    interview_slot_delete,
    interview_slots_add,
)

Status = InterviewBooking.Status


def rounds(request: HttpRequest) -> HttpResponse:
    """The interview campaigns of the user's libraries, with their counts (one query)."""
    campaigns = [
        {"campaign": c, "slots": c.n_slots, "booked": c.n_booked, "attended": c.n_attended}
        for c in interview_campaigns_for_user(request.user)
        .select_related("guide")
        .annotate(
            n_slots=Count("interview_slots", distinct=True),
            n_booked=Count(
                "interview_participants__bookings",
                filter=Q(interview_participants__bookings__status=Status.BOOKED),
                distinct=True,
            ),
            n_attended=Count(
                "interview_participants__bookings",
                filter=Q(interview_participants__bookings__status=Status.ATTENDED),
                distinct=True,
            ),
        )
    ]
    return render(request, "research/interviews/admin/rounds.html", {"rounds": campaigns})


def round_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Times (add, delete), bookings (attendance, cancel), participants (open the session)."""
    campaign = interview_campaign_get_for_user(request.user, campaign_id)
    form = SlotsAddForm(initial={"interviewer": request.user.pk})
    if request.method == "POST":
        action = request.POST.get("action")
        needed = {"add-slots": "add", "delete-slot": "delete"}.get(action or "", "change")
        if not request.user.has_perm(f"research.{needed}_interviewslot"):
            raise PermissionDenied  # the researchers group holds them (cms.services)
        try:
            if action == "add-slots":
                form = SlotsAddForm(request.POST)
                if form.is_valid():
                    added = interview_slots_add(campaign=campaign, **form.cleaned_data)
                    messages.success(request, _("%(n)d times added.") % {"n": len(added)})
                    return redirect("research_interview_round", campaign_id=campaign.pk)
            elif action == "delete-slot":
                # No "slot" posted: pk=None matches nothing (404); the plugin wants str | int.
                slot = campaign.interview_slots.filter(pk=request.POST.get("slot")).first()  # type: ignore[misc]
                if slot is None:
                    raise Http404
                interview_slot_delete(slot=slot)
                messages.success(request, _("The time was deleted."))
                return redirect("research_interview_round", campaign_id=campaign.pk)
            elif action in ("attended", "no-show", "cancel"):
                booking = booking_get_for_user(request.user, request.POST.get("booking"))
                if booking.participant.campaign_id != campaign.pk:
                    raise Http404
                if action == "cancel":
                    interview_cancel(booking=booking)
                else:
                    interview_attendance_mark(booking=booking, attended=action == "attended")
                messages.success(request, _("Saved."))
                return redirect("research_interview_round", campaign_id=campaign.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("research_interview_round", campaign_id=campaign.pk)
    now = timezone.now()
    slots = []
    for slot in campaign.interview_slots.select_related("interviewer").prefetch_related(
        "bookings__participant"
    ):
        bookings = [b for b in slot.bookings.all() if b.status != Status.CANCELLED]
        slots.append({"slot": slot, "bookings": bookings, "started": slot.starts_at <= now})
    return render(
        request,
        "research/interviews/admin/round.html",
        {
            "campaign": campaign,
            "guide": campaign.guide.specific if campaign.guide else None,
            "slots": slots,
            "participants": campaign.interview_participants.select_related("member").order_by(
                "number"
            ),
            "form": form,
        },
    )


def session(request: HttpRequest, participant_id: int) -> HttpResponse:
    """Run an interview: the guide question by question, a note under each (saved per
    question; autosaved by research/js/interview-session.js when JavaScript runs), and
    excerpts tagged with codes under each note."""
    participant = participant_get_for_user(request.user, participant_id)
    campaign = participant.campaign
    guide = campaign.topic.specific
    if not isinstance(guide, InterviewGuidePage):
        raise Http404
    keys = {q.key for section in guide.guide_sections() for q in section.questions}
    if request.method == "POST":
        return _session_post(request, participant, keys)
    research_log_record(
        user=request.user,
        action=ResearchLog.Action.INTERVIEW_SESSION,
        library_id=campaign.library_id,
        object_id=participant.code,
        detail=campaign.name,
    )
    notes = {n.question_key: n for n in participant.notes.prefetch_related("excerpts__codes")}
    sections = []
    for section in guide.guide_sections():
        questions = []
        for question in section.questions:
            note = notes.get(question.key)
            questions.append(
                {
                    "question": question,
                    "note": note,
                    "form": NoteForm(
                        initial={"text": note.text if note else ""}, prefix=question.key
                    ),
                    "excerpt_form": ExcerptForm(
                        prefix=f"x-{question.key}", library_id=campaign.library_id
                    ),
                    "excerpts": list(note.excerpts.all()) if note else [],
                }
            )
        sections.append({"section": section, "questions": questions})
    member = participant.member
    return render(
        request,
        "research/interviews/admin/session.html",
        {
            "participant": participant,
            "campaign": campaign,
            "guide": guide,
            "sections": sections,
            "attributes": {
                _("Age band"): member.age_band,
                _("Joined via"): member.channel or "–",
                **{str(k): str(v) for k, v in (member.attributes or {}).items()},
            },
            "segments": [
                name for name, ids in segment_participants(campaign) if participant.pk in ids
            ],
            "consent": participant.consent,
            "orphans": [n for key, n in notes.items() if key not in keys and n.text],
        },
    )


def _session_post(request: HttpRequest, participant: Any, keys: set[str]) -> HttpResponse:
    action = request.POST.get("action", "note")
    back = reverse("research_interview_session", args=[participant.pk])
    autosave = request.headers.get("X-Requested-With") == "innsikt-autosave"
    if action == "note":
        key = request.POST.get("question", "")
        if key not in keys:
            raise Http404
        form = NoteForm(request.POST, prefix=key)
        if not form.is_valid():
            raise Http404
        note = interview_note_save(
            participant=participant,
            question_key=key,
            text=form.cleaned_data["text"],
            user=request.user,
        )
        when = date_format(timezone.localtime(note.updated_at), "H:i:s")
        if autosave:
            return JsonResponse({"saved": when})
        messages.success(request, _("Note saved at %(time)s.") % {"time": when})
        return redirect(f"{back}#q-{key}")
    if action == "excerpt":
        key = request.POST.get("question", "")
        tagged = InterviewNote.objects.filter(participant=participant, question_key=key).first()
        excerpt_form = ExcerptForm(
            request.POST, prefix=f"x-{key}", library_id=participant.campaign.library_id
        )
        if tagged is None:
            messages.error(request, _("Save the note before you tag a passage of it."))
        elif excerpt_form.is_valid():
            try:
                excerpt_create(
                    note=tagged,
                    text=excerpt_form.cleaned_data["text"],
                    codes=list(excerpt_form.cleaned_data["codes"]),
                    quotable=excerpt_form.cleaned_data["quotable"],
                    user=request.user,
                )
                messages.success(request, _("Passage tagged."))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, _("Copy a passage from the note into the field."))
        return redirect(f"{back}#q-{key}")
    if action in ("delete-excerpt", "toggle-quote"):
        # No "excerpt" posted: pk=None matches nothing; the plugin wants str | int.
        excerpt = Excerpt.objects.filter(
            pk=request.POST.get("excerpt"),  # type: ignore[misc]
            note__participant=participant,
        ).first()
        if excerpt is None:
            raise Http404
        if action == "delete-excerpt":
            excerpt.delete()
        else:
            Excerpt.objects.filter(pk=excerpt.pk).update(quotable=not excerpt.quotable)
        messages.success(request, _("Saved."))
        return redirect(f"{back}#q-{excerpt.note.question_key}")
    raise Http404


def coding(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Code frequencies by segment (participants, suppressed under k), themes, and all
    excerpts of one code."""
    campaign = interview_campaign_get_for_user(request.user, campaign_id)
    from ..findings.suppression import suppress_counts  # heavy: pandas, not at the admin's start-up

    k, _pattern = library_rules(campaign.library)
    interviewed = set(interviewed_participants(campaign).values_list("pk", flat=True))
    groups = [(_("All interviewed"), interviewed)] + [
        (name, ids & interviewed) for name, ids in segment_participants(campaign)
    ]
    per_code = code_participants(campaign)
    tree = codebook(campaign.library_id)
    columns: list[dict[str, Any]] = []
    for name, ids in groups:
        counts = {code.pk: len(per_code.get(code.pk, set()) & ids) for code, _depth in tree}
        series = suppress_counts(counts, k=k, total=max([len(ids), *counts.values()]))
        columns.append({"name": name, "n": series.total.label, "cells": series.cells})
    rows = [
        {
            "code": code,
            "depth": depth,
            "cells": [column["cells"][code.pk].label for column in columns],
        }
        for code, depth in tree
    ]
    chosen = request.GET.get("code", "")
    excerpts: list[dict[str, Any]] = []
    chosen_code = next((c for c, _d in tree if str(c.pk) == chosen), None)
    if chosen_code is not None:
        bands = interviewed_age_bands(campaign)
        for excerpt in code_excerpts(campaign, chosen_code.pk):
            attribution = (
                excerpt_attribution(excerpt, k=k, bands=bands) if excerpt.quotable else None
            )
            excerpts.append({"excerpt": excerpt, "attribution": attribution})
    themes = InterviewTheme.objects.filter(library_id=campaign.library_id).prefetch_related("codes")
    return render(
        request,
        "research/interviews/admin/coding.html",
        {
            "campaign": campaign,
            "k": k,
            "columns": columns,
            "rows": rows,
            "themes": themes,
            "chosen": chosen_code,
            "excerpts": excerpts,
        },
    )


EXPORTS = {
    "csv": (exchange_csv, "application/zip", "zip"),
    "xlsx": (
        exchange_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "qdpx": (exchange_qdpx, "application/zip", "qdpx"),
}


def export(request: HttpRequest, campaign_id: int, fmt: str) -> HttpResponse:
    """Notes, codes, themes and excerpts as CSV (zip), XLSX or REFI-QDA (.qdpx); logged."""
    campaign = interview_campaign_get_for_user(request.user, campaign_id)
    if fmt not in EXPORTS:
        raise Http404
    write, content_type, suffix = EXPORTS[fmt]
    data = interview_exchange_data(campaign, exported_by=request.user.get_username())
    research_log_record(
        user=request.user,
        action=ResearchLog.Action.INTERVIEW_EXPORT,
        library_id=campaign.library_id,
        object_id=str(campaign.pk),
        detail=f"{fmt}: {campaign.name}",
    )
    response = HttpResponse(write(data), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="intervjuer-{campaign.pk}.{suffix}"'
    response["Cache-Control"] = "private, no-store"
    return response


def guide_pdf(request: HttpRequest, page_id: int) -> HttpResponse:
    """The interview guide as a printable PDF (the reports' WeasyPrint pipeline)."""
    guide = InterviewGuidePage.objects.filter(pk=page_id).first()
    if guide is None or not guide.permissions_for_user(request.user).can_edit():
        raise Http404
    pdf = render_guide_pdf(guide)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="intervjuguide-{guide.slug}.pdf"'
    return response
