"""Technicians as capacity: a mechanic's location, weekly working hours, time off and skills.

A location whose mechanics have no working hours keeps technicians out of availability (bays
only); see domain/technicians.py.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.models.accounts import User
from autoshop.models.base import Base
from autoshop.models.shop import within_years_sql


class TechnicianProfile(Base):
    """The location a mechanic works at (their schedule counts there)."""

    __tablename__ = "technician_profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship()


class TechnicianHours(Base):
    """One weekly working span [starts_minute, ends_minute) of local wall-clock time."""

    __tablename__ = "technician_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("technician_profiles.user_id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    starts_minute: Mapped[int]
    ends_minute: Mapped[int]

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint(
            "starts_minute >= 0 AND starts_minute < ends_minute AND ends_minute <= 1440",
            name="span_within_day",
        ),
    )


class TechnicianTimeOff(Base):
    """A mechanic away over [starts_at, ends_at), with a reason."""

    __tablename__ = "technician_time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("technician_profiles.user_id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    __table_args__ = (
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        sa.CheckConstraint(within_years_sql("starts_at", "ends_at"), name="within_years"),
        sa.Index("ix_technician_time_off_user_ends", "user_id", "ends_at"),
    )


technician_skills = sa.Table(
    "technician_skills",
    Base.metadata,
    sa.Column(
        "user_id",
        sa.ForeignKey("technician_profiles.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "category_id", sa.ForeignKey("service_categories.id", ondelete="CASCADE"), primary_key=True
    ),
)
