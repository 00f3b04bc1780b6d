"""SQLAlchemy models: every table of the domain, importable from here."""

from autoshop.models.accounts import Role, User, roles_users
from autoshop.models.appointment_notes import AppointmentNote
from autoshop.models.appointments import (
    Appointment,
    AppointmentService,
    Review,
    ReviewEvent,
    StatusChange,
)
from autoshop.models.base import Base, UTCDateTime
from autoshop.models.catalog import Service, ServiceCategory
from autoshop.models.idempotency import IdempotencyKey
from autoshop.models.notifications import Notification
from autoshop.models.shop import Bay, BayDowntime, Closure, Location, OpeningHours
from autoshop.models.technicians import (
    TechnicianHours,
    TechnicianProfile,
    TechnicianTimeOff,
    technician_skills,
)
from autoshop.models.vehicles import Vehicle
from autoshop.models.waitlist import FeedToken, WaitlistEntry, WaitlistHold

__all__ = [
    "Appointment",
    "AppointmentNote",
    "AppointmentService",
    "Base",
    "Bay",
    "BayDowntime",
    "Closure",
    "FeedToken",
    "IdempotencyKey",
    "Location",
    "Notification",
    "OpeningHours",
    "Review",
    "ReviewEvent",
    "Role",
    "Service",
    "ServiceCategory",
    "StatusChange",
    "TechnicianHours",
    "TechnicianProfile",
    "TechnicianTimeOff",
    "UTCDateTime",
    "User",
    "Vehicle",
    "WaitlistEntry",
    "WaitlistHold",
    "roles_users",
    "technician_skills",
]
