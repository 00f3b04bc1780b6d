"""An appointment as an iCalendar file: the "Add to calendar" download and the email attachment.

A plain function of the appointment, so the web page and the email worker send the same file. The
UID is stable per appointment and SEQUENCE follows `appointment.sequence`, so a calendar updates
the event it already has on a reschedule, and removes it on METHOD:CANCEL.
"""

from __future__ import annotations

from datetime import UTC

from icalendar import Calendar, Event

from autoshop.domain.status import AppointmentStatus
from autoshop.i18n import _
from autoshop.models import Appointment
from autoshop.services.manage_links import manage_url

PRODID = "-//AutoShop//Appointments//EN"


def uid_of(appointment: Appointment) -> str:
    return f"appointment-{appointment.reference}@autoshop"


def event_of(appointment: Appointment, *, link: str | None = None) -> Event:
    """The appointment as a VEVENT: the same UID and SEQUENCE wherever it appears (the emailed
    file, the download, the calendar feed), so calendars update one event instead of adding one.
    `link` is where the description points (default: where the customer manages the visit).
    Its words speak the current language (the worker renders in the customer's)."""
    location = appointment.location
    cancelled = appointment.status is AppointmentStatus.CANCELLED
    services = ", ".join(s.name for s in appointment.services)
    event = Event()
    event.add("uid", uid_of(appointment))
    event.add("sequence", appointment.sequence)
    stamp = appointment.updated_at or appointment.created_at or appointment.starts_at
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", f"{location.name}: {services}")
    if location.address:
        event.add("location", location.address)
    event.add(
        "description",
        _(
            "Appointment %(reference)s at %(location)s.",
            reference=appointment.reference,
            location=location.name,
        )
        + "\n"
        + _("See, change or cancel it: %(link)s", link=link or manage_url(appointment)),
    )
    event.add(
        "comment",
        _("Times are in UTC; the shop's time zone is %(zone)s.", zone=location.timezone),
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def appointment_ics(appointment: Appointment) -> bytes:
    """The appointment as a one-event calendar (METHOD:PUBLISH, or METHOD:CANCEL when cancelled)."""
    cancelled = appointment.status is AppointmentStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add("x-wr-timezone", appointment.location.timezone)
    calendar.add_component(event_of(appointment))
    return calendar.to_ical()
