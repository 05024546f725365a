"""Public interview pages, reached from the personal link of an interview invitation:
pick a time (or move it), download it as a calendar file, cancel it. Work without
JavaScript; errors are listed on top and keep what the member chose."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from panel.models import Campaign, Invitation
from panel.services import TokenInvalid, invitation_for_token

from .calendar import event_ics
from .selectors import interview_free_slots, invitation_open_booking
from .services import (
    BookingClosed,
    SlotTaken,
    booking_event,
    booking_open_reason,
    interview_book,
    interview_cancel,
    interview_consent_needed,
)

CLOSED = {
    "closed": (
        gettext_lazy("Booking is closed"),
        gettext_lazy("This round of interviews is over. Thank you for your interest!"),
    ),
    "withdrawn": (
        gettext_lazy("You have said no to interviews"),
        gettext_lazy("You withdrew your consent to interviews, so you cannot book a time."),
    ),
    "left": (
        gettext_lazy("You are no longer in the panel"),
        gettext_lazy("This invitation was for a member of the user panel."),
    ),
}


def _home(request: HttpRequest) -> Any:
    site = Site.find_for_request(request)
    return site.root_page if site else None


def _message(request: HttpRequest, title: str, body: str, *, status: int = 200) -> HttpResponse:
    context = {"page": _home(request), "title": title, "body": body}
    return render(request, "panel/message.html", context, status=status)


def _invitation(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    try:
        invitation = invitation_for_token(token)
    except TokenInvalid:
        return _message(
            request,
            _("The link does not work"),
            _("Copy the whole link from the e-mail."),
            status=400,
        )
    if invitation.campaign.kind != Campaign.Kind.INTERVIEW:
        raise Http404
    return invitation


@require_http_methods(["GET", "POST"])
def booking(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a time; with a booking, see it and move it."""
    invitation = _invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    assert invitation.member is not None
    current = invitation_open_booking(invitation)
    reason = booking_open_reason(invitation)
    if reason and current is None:
        title, body = CLOSED.get(reason, CLOSED["closed"])
        return _message(request, str(title), str(body))
    consent_text = None if current else interview_consent_needed(invitation.member)
    errors: list[dict[str, str]] = []
    chosen = request.POST.get("slot", "")
    status = 200
    if request.method == "POST":
        if consent_text is not None and request.POST.get("consent") != "yes":
            errors.append({"href": "#consent", "message": _("To book, agree to the terms.")})
        if not chosen.isdigit():
            errors.append({"href": "#slots", "message": _("Choose a time.")})
        if not errors:
            try:
                interview_book(
                    invitation=invitation, slot_id=int(chosen), consent_text=consent_text
                )
            except SlotTaken:
                errors.append(
                    {
                        "href": "#slots",
                        "message": _(
                            "Someone else booked that time a moment ago. Choose another time."
                        ),
                    }
                )
                chosen, status = "", 409
            except ValidationError as error:
                errors.append({"href": "#slots", "message": " ".join(error.messages)})
            except BookingClosed as closed:
                title, body = CLOSED.get(closed.reason, CLOSED["closed"])
                return _message(request, str(title), str(body))
            else:
                done = "moved" if current else "booked"
                return redirect(reverse("interview_booking", args=[token]) + f"?done={done}")
    campaign = invitation.campaign
    guide = campaign.topic.specific
    slots = list(interview_free_slots(campaign, now=timezone.now()))
    if current is not None:
        slots = [s for s in slots if s.pk != current.slot_id]
    return render(
        request,
        "research/interviews/booking.html",
        {
            "page": _home(request),
            "token": token,
            "topic": campaign.topic.localized.title,
            "minutes": getattr(guide, "total_minutes", None),
            "booking": current,
            "done": request.GET.get("done", ""),
            "consent_text": consent_text.text(get_language() or "nb") if consent_text else "",
            "consent_version": consent_text.version if consent_text else None,
            "consent_given": request.POST.get("consent") == "yes",
            "slots": [
                {
                    "id": slot.pk,
                    "day": timezone.localtime(slot.starts_at).date(),
                    "starts_at": timezone.localtime(slot.starts_at),
                    "ends_at": timezone.localtime(slot.ends_at),
                    "place": slot.place,
                    "video": bool(slot.video_url),
                    "free": slot.free,  # type: ignore[attr-defined]  # a queryset annotation
                    "capacity": slot.capacity,
                    "checked": str(slot.pk) == chosen,
                }
                for slot in slots
            ],
            "errors": errors,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners follow links); POST cancels."""
    invitation = _invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    current = invitation_open_booking(invitation)
    if current is None:
        return redirect("interview_booking", token=token)
    if request.method == "POST":
        interview_cancel(booking=current)
        return redirect(reverse("interview_booking", args=[token]) + "?done=cancelled")
    return render(
        request,
        "research/interviews/cancel.html",
        {
            "page": _home(request),
            "token": token,
            "booking": current,
            "starts_at": timezone.localtime(current.slot.starts_at),
        },
    )


def booking_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The booked interview as a calendar file."""
    invitation = _invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    current = invitation_open_booking(invitation)
    if current is None:
        raise Http404
    response = HttpResponse(event_ics(booking_event(current)), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="intervju.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
