"""Appointments, the services snapshotted into them, their status history and reviews."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain import bounds
from autoshop.domain.choices import BookingSource, PriceKind, VisitMode
from autoshop.domain.status import BAY_HOLDING_STATUSES, AppointmentStatus
from autoshop.models.accounts import User
from autoshop.models.base import Base, trigram_index
from autoshop.models.catalog import Service, price_checks
from autoshop.models.shop import Bay, Location, within_years_sql
from autoshop.models.vehicles import Vehicle


def _enum(enum_cls: type) -> sa.Enum:
    return sa.Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


_HOLDING_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in BAY_HOLDING_STATUSES))

#: The partial index's predicate, to be used verbatim in queries: SQLite (and PostgreSQL's generic
#: plans) only use a partial index when the query repeats its WHERE with literals, not parameters.
HOLDS_BAY = sa.text(_HOLDING_SQL)


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    guest_name: Mapped[str] = mapped_column(sa.String(120), default="")
    guest_email: Mapped[str] = mapped_column(sa.String(254), default="")
    guest_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    #: A guest agreed to texts about this visit at guest_phone (cleared by a STOP reply).
    guest_sms_opt_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The language the visit was booked in: a guest's messages speak it.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicles.id"), index=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    bay_id: Mapped[int] = mapped_column(sa.ForeignKey("bays.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: ends_at plus the location's buffer: the bay is held until then.
    block_ends_at: Mapped[datetime]
    mode: Mapped[VisitMode] = mapped_column(_enum(VisitMode), default=VisitMode.DROP_OFF)
    concern: Mapped[str] = mapped_column(sa.Text, default="")
    staff_notes: Mapped[str] = mapped_column(sa.Text, default="")
    mechanic_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    promised_at: Mapped[datetime | None]
    #: The odometer when the visit was booked (the car's last known mileage), if known.
    mileage: Mapped[int | None]
    #: The staff member who took a phone or walk-in booking; None when booked online.
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[AppointmentStatus] = mapped_column(
        _enum(AppointmentStatus), default=AppointmentStatus.SCHEDULED
    )
    #: Online (the customer) or by staff (a phone or walk-in booking: booked_by says who).
    source: Mapped[BookingSource] = mapped_column(
        _enum(BookingSource), default=BookingSource.ONLINE, server_default=BookingSource.ONLINE
    )
    #: Bumped on every change the customer's calendar must follow (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    #: Bumped by every write to the row: a form built from version N can't overwrite N+1.
    version: Mapped[int] = mapped_column(server_default=sa.text("1"))
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    customer: Mapped[User | None] = relationship(foreign_keys=[customer_id])
    mechanic: Mapped[User | None] = relationship(foreign_keys=[mechanic_id])
    booked_by: Mapped[User | None] = relationship(foreign_keys=[booked_by_id])
    vehicle: Mapped[Vehicle] = relationship()
    location: Mapped[Location] = relationship()
    bay: Mapped[Bay] = relationship()
    services: Mapped[list[AppointmentService]] = relationship(
        back_populates="appointment",
        cascade="all, delete-orphan",
        order_by="AppointmentService.position",
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="appointment",
        cascade="all, delete-orphan",
        order_by="StatusChange.changed_at",
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        sa.CheckConstraint("ends_at <= block_ends_at", name="block_covers_visit"),
        sa.CheckConstraint(within_years_sql("starts_at", "block_ends_at"), name="within_years"),
        # The availability range query: bays' active blocks that end after the range start.
        sa.Index(
            "ix_appointments_bay_block",
            "bay_id",
            "block_ends_at",
            "starts_at",
            postgresql_where=sa.text(_HOLDING_SQL),
            sqlite_where=sa.text(_HOLDING_SQL),
        ),
        sa.Index("ix_appointments_location_starts", "location_id", "starts_at"),
        # A technician's visits by time (services/technicians.py).
        sa.Index("ix_appointments_mechanic_starts", "mechanic_id", "starts_at"),
        # The staff list's search box: a date range scanned in the index alone, every column
        # the search reads in it (services/appointment_search.py).
        sa.Index(
            "ix_appointments_search",
            "starts_at",
            "customer_id",
            "vehicle_id",
            "reference",
            "guest_name",
            "guest_email",
            "guest_phone",
        ),
        # PostgreSQL: the same search's "contains" terms, read from trigram indexes.
        *(
            trigram_index("appointments", column)
            for column in ("reference", "guest_name", "guest_email", "guest_phone")
        ),
    )

    @property
    def contact_name(self) -> str:
        return self.customer.full_name if self.customer else self.guest_name

    @property
    def contact_email(self) -> str:
        return self.customer.email if self.customer else self.guest_email


class AppointmentService(Base):
    """A service as it was when booked: later catalog edits don't rewrite history."""

    __tablename__ = "appointment_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("services.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(120))
    duration_minutes: Mapped[int]
    price_kind: Mapped[PriceKind] = mapped_column(_enum(PriceKind))
    price_min_cents: Mapped[int | None]
    price_max_cents: Mapped[int | None]

    appointment: Mapped[Appointment] = relationship(back_populates="services")

    __table_args__ = (
        sa.CheckConstraint(
            bounds.SERVICE_DURATION_MINUTES.sql("duration_minutes"), name="duration_range"
        ),
        *price_checks(),
    )

    @classmethod
    def snapshot(cls, service: Service, position: int) -> AppointmentService:
        """The service as it is now, frozen into the appointment."""
        return cls(
            service_id=service.id,
            position=position,
            name=service.name,
            duration_minutes=service.duration_minutes,
            price_kind=service.price_kind,
            price_min_cents=service.price_min_cents,
            price_max_cents=service.price_max_cents,
        )


class StatusChange(Base):
    """The audit trail of an appointment and the customer's timeline."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[AppointmentStatus | None] = mapped_column(_enum(AppointmentStatus))
    to_status: Mapped[AppointmentStatus] = mapped_column(_enum(AppointmentStatus))
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    appointment: Mapped[Appointment] = relationship(back_populates="status_changes")
    changed_by: Mapped[User | None] = relationship()


class Review(Base):
    """One review per completed appointment, written by its customer; staff reply in public and
    may hide an abusive one (with a reason, in the audit trail of ReviewEvent)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    staff_reply: Mapped[str] = mapped_column(sa.Text, default="")
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())
    updated_at: Mapped[datetime | None]

    appointment: Mapped[Appointment] = relationship()
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    events: Mapped[list[ReviewEvent]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewEvent.at"
    )

    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.Index("ix_reviews_visible", "hidden", "appointment_id"),
    )


class ReviewEvent(Base):
    """The moderation audit: who hid, unhid or replied to a review, when, and why."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(300), default="")

    review: Mapped[Review] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
