"""Named choices used across the product: one place for values, labels and colours."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    MECHANIC = "mechanic"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"customer": "Customer", "mechanic": "Mechanic", "admin": "Admin"}[self.value]


class Capability(StrEnum):
    """What a bay is equipped for; a service names the one it needs."""

    GENERAL = "general"
    LIFT = "lift"
    ALIGNMENT = "alignment"

    @property
    def label(self) -> str:
        return {"general": "General", "lift": "Lift", "alignment": "Alignment rack"}[self.value]


class PriceKind(StrEnum):
    FIXED = "fixed"
    RANGE = "range"
    DIAGNOSIS = "diagnosis"

    @property
    def label(self) -> str:
        return {
            "fixed": "Fixed price",
            "range": "Price range",
            "diagnosis": "Priced after diagnosis",
        }[self.value]


class VisitMode(StrEnum):
    DROP_OFF = "drop_off"
    WAIT = "wait"

    @property
    def label(self) -> str:
        return {"drop_off": "Drop off the car", "wait": "Wait at the shop"}[self.value]


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
        return {"online": "Online", "staff": "By staff"}[self.value]
