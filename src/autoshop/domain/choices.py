"""Named choices used across the product: one place for values, labels and colours."""

from __future__ import annotations

from enum import StrEnum

from autoshop.i18n import _


class Role(StrEnum):
    CUSTOMER = "customer"
    MECHANIC = "mechanic"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {
            "customer": _("Customer"),
            "mechanic": _("Mechanic"),
            "admin": _("Admin"),
        }
        return labels[self.value]


class Capability(StrEnum):
    """What a bay is equipped for; a service names the one it needs."""

    GENERAL = "general"
    LIFT = "lift"
    ALIGNMENT = "alignment"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {
            "general": _("General"),
            "lift": _("Lift"),
            "alignment": _("Alignment rack"),
        }
        return labels[self.value]


class PriceKind(StrEnum):
    FIXED = "fixed"
    RANGE = "range"
    DIAGNOSIS = "diagnosis"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {
            "fixed": _("Fixed price"),
            "range": _("Price range"),
            "diagnosis": _("Priced after diagnosis"),
        }
        return labels[self.value]


class VisitMode(StrEnum):
    DROP_OFF = "drop_off"
    WAIT = "wait"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {"drop_off": _("Drop off the car"), "wait": _("Wait at the shop")}
        return labels[self.value]


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BookingSource(StrEnum):
    """Who made a booking: the customer online, or the shop (a phone call, a walk-in)."""

    ONLINE = "online"
    STAFF = "staff"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {"online": _("Online"), "staff": _("By staff")}
        return labels[self.value]
