"""The shop: locations with their rules, opening hours, closures and bays."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.models.base import Base


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    slot_interval_minutes: Mapped[int] = mapped_column(default=15)
    minimum_notice_minutes: Mapped[int] = mapped_column(default=120)
    horizon_days: Mapped[int] = mapped_column(default=60)
    buffer_minutes: Mapped[int] = mapped_column(default=10)
    cancellation_cutoff_hours: Mapped[int] = mapped_column(default=24)
    #: Reminder lead times in minutes before the start (default 24 h and 2 h).
    reminder_leads_minutes: Mapped[list[int]] = mapped_column(sa.JSON, default=lambda: [1440, 120])
    active: Mapped[bool] = mapped_column(default=True)

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="location",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )
    bays: Mapped[list[Bay]] = relationship(
        back_populates="location", order_by="(Bay.sort_order, Bay.id)"
    )

    __table_args__ = (
        sa.CheckConstraint("slot_interval_minutes > 0", name="slot_interval_positive"),
        sa.CheckConstraint("minimum_notice_minutes >= 0", name="notice_not_negative"),
        sa.CheckConstraint("horizon_days > 0", name="horizon_positive"),
        sa.CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
        sa.CheckConstraint("cancellation_cutoff_hours >= 0", name="cutoff_not_negative"),
    )

    def __repr__(self) -> str:
        return f"<Location {self.name}>"


class OpeningHours(Base):
    """One opening interval on a weekday (0 = Monday); a lunch break makes two rows."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(sa.SmallInteger)
    opens: Mapped[time] = mapped_column(sa.Time)
    closes: Mapped[time] = mapped_column(sa.Time)

    location: Mapped[Location] = relationship(back_populates="opening_hours")

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("opens < closes", name="opens_before_closes"),
    )


class Closure(Base):
    """A holiday or a partial-day closure; the reason is shown to customers."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        sa.Index("ix_closures_location_ends", "location_id", "ends_at"),
    )


class Bay(Base):
    """A lift or work area; bays are the shop's parallel capacity."""

    __tablename__ = "bays"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    capabilities: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    location: Mapped[Location] = relationship(back_populates="bays")

    __table_args__ = (sa.UniqueConstraint("location_id", "name"),)

    def __repr__(self) -> str:
        return f"<Bay {self.name}>"
