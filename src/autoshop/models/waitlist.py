"""The waitlist for full days, the slot holds offered from it, and calendar feed tokens."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain.waitlist import EntryStatus, HoldStatus
from autoshop.models.accounts import User
from autoshop.models.appointments import Appointment
from autoshop.models.base import Base
from autoshop.models.shop import Bay, Location
from autoshop.models.vehicles import Vehicle


def _enum(enum_cls: type) -> sa.Enum:
    return sa.Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


_ACTIVE_SQL = "status IN ('waiting', 'offered')"
_HELD_SQL = "status = 'held'"
#: The holds still reserving their bay, verbatim in queries (SQLite uses a partial index only
#: when the query repeats its predicate with literals).
HOLDING = sa.text("waitlist_holds.status = 'held'")


class WaitlistEntry(Base):
    """Someone waiting for a time on a full day: which services, which window, since when."""

    __tablename__ = "waitlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    #: The local day wanted, and the window of acceptable starts on it (local times).
    day: Mapped[date]
    earliest: Mapped[time]
    latest: Mapped[time]
    service_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicles.id", ondelete="CASCADE"))
    guest_name: Mapped[str] = mapped_column(sa.String(120), default="")
    guest_email: Mapped[str] = mapped_column(sa.String(254), default="")
    guest_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: A guest's vehicle, booked as a new vehicle when they accept an offer.
    vehicle_year: Mapped[int | None]
    vehicle_make: Mapped[str] = mapped_column(sa.String(60), default="")
    vehicle_model: Mapped[str] = mapped_column(sa.String(60), default="")
    #: The language the customer joined in: a guest's offers speak it.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    status: Mapped[EntryStatus] = mapped_column(_enum(EntryStatus), default=EntryStatus.WAITING)
    #: The place in line: earlier joins are offered first.
    joined_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    appointment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="SET NULL")
    )
    #: One active entry per day and vehicle (a guest's: their email and car), kept by the index.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))

    location: Mapped[Location] = relationship()
    customer: Mapped[User | None] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    appointment: Mapped[Appointment | None] = relationship()
    holds: Mapped[list[WaitlistHold]] = relationship(
        back_populates="entry", order_by="WaitlistHold.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("earliest <= latest", name="window_in_order"),
        sa.Index("ix_waitlist_entries_location_day", "location_id", "day", "joined_at"),
        sa.Index(
            "uq_waitlist_entries_active_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
    )

    @property
    def contact_name(self) -> str:
        return self.customer.full_name if self.customer else self.guest_name

    @property
    def contact_email(self) -> str:
        return self.customer.email if self.customer else self.guest_email

    @property
    def vehicle_label(self) -> str:
        if self.vehicle is not None:
            return self.vehicle.label
        return f"{self.vehicle_year or ''} {self.vehicle_make} {self.vehicle_model}".strip()

    @property
    def live_hold(self) -> WaitlistHold | None:
        return next((h for h in self.holds if h.status is HoldStatus.HELD), None)


class WaitlistHold(Base):
    """A freed start offered to one entry: the bay is reserved for it until `expires_at`.

    Availability reads live holds with the appointments' busy blocks, so nobody else is offered
    (or can book) that bay then; accepting books through the booking service, which consumes
    the hold in the same transaction.
    """

    __tablename__ = "waitlist_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("waitlist_entries.id", ondelete="CASCADE"), index=True
    )
    bay_id: Mapped[int] = mapped_column(sa.ForeignKey("bays.id", ondelete="CASCADE"))
    #: The technician kept for the held visit (None: the location keeps no schedules): busy for
    #: everyone but the holder, like the bay.
    mechanic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    block_ends_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus), default=HoldStatus.HELD)
    #: The secret part of the offer link, so a link names exactly one offer.
    nonce: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]

    entry: Mapped[WaitlistEntry] = relationship(back_populates="holds")
    bay: Mapped[Bay] = relationship()

    __table_args__ = (
        sa.CheckConstraint("starts_at < block_ends_at", name="starts_before_ends"),
        sa.Index(
            "ix_waitlist_holds_bay_block",
            "bay_id",
            "block_ends_at",
            "starts_at",
            postgresql_where=sa.text(_HELD_SQL),
            sqlite_where=sa.text(_HELD_SQL),
        ),
        sa.Index(
            "ix_waitlist_holds_live_expiry",
            "expires_at",
            postgresql_where=sa.text(_HELD_SQL),
            sqlite_where=sa.text(_HELD_SQL),
        ),
    )


class FeedToken(Base):
    """A calendar subscription URL's secret, stored as its SHA-256 (a leak exposes no feed)."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        # One live feed per person: resetting revokes the old token in the same transaction.
        sa.Index(
            "uq_feed_tokens_live_user",
            "user_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
    )
