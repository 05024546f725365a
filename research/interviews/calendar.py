"""Calendar files (.ics, RFC 5545) for interview bookings, written with icalendar.

One event per participant and campaign: the UID stays the same when the participant
reschedules (a higher SEQUENCE updates the event in their calendar program) and a
cancellation is the same UID with METHOD:CANCEL and STATUS:CANCELLED. A booking is
published (METHOD:PUBLISH) rather than sent as a meeting request: the participant adds it to
their calendar; there is no attendee list to answer."""

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Innsikt//Interview booking//NB"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    summary: str
    description: str
    location: str
    url: str  # the participant's page to reschedule or cancel
    organizer_name: str
    organizer_email: str
    stamp: datetime  # aware: when this version of the event was made


def event_ics(event: CalendarEvent, *, cancelled: bool = False) -> bytes:
    """The event as an iCalendar file: METHOD:PUBLISH for a booking, CANCEL when cancelled."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    item = Event()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", event.stamp)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.summary)
    item.add("description", event.description)
    if event.location:
        item.add("location", event.location)
    item.add("url", event.url)
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{event.organizer_email}")
    organizer.params["cn"] = vText(event.organizer_name)
    item["organizer"] = organizer
    calendar.add_component(item)
    return calendar.to_ical()
