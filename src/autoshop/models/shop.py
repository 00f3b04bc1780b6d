"""The shop: locations with their rules, opening hours, closures and bays."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from autoshop.domain import bounds, visit_caps
from autoshop.models.base import Base


def reminder_leads_sql(dialect: str, column: str = "reminder_leads_minutes") -> str:
    """The CHECK for the reminder leads (a JSON array): at most `MAX_REMINDERS` whole numbers,
    each in REMINDER_LEAD_MINUTES. JSON is read differently by each engine, hence two texts."""
    lead = bounds.REMINDER_LEAD_MINUTES
    if dialect == "sqlite":
        items = " AND ".join(
            f"(json_type({column}, '$[{i}]') IS NULL OR (json_type({column}, '$[{i}]') = "
            f"'integer' AND {lead.sql(_sqlite_item(column, i))}))"
            for i in range(bounds.MAX_REMINDERS)
        )
        return (
            f"json_valid({column}) AND json_type({column}) = 'array' "
            f"AND json_array_length({column}) <= {bounds.MAX_REMINDERS} AND {items}"
        )
    items = " AND ".join(
        f"CASE WHEN {column} -> {i} IS NULL THEN true "
        f"WHEN json_typeof({column} -> {i}) <> 'number' THEN false "
        f"ELSE {lead.sql(f'({column} ->> {i})::numeric')} "
        f"AND scale(({column} ->> {i})::numeric) = 0 END"
        for i in range(bounds.MAX_REMINDERS)
    )
    return (
        f"CASE WHEN json_typeof({column}) <> 'array' THEN false "
        f"WHEN json_array_length({column}) > {bounds.MAX_REMINDERS} THEN false "
        f"ELSE {items} END"
    )


def _sqlite_item(column: str, index: int) -> str:
    return f"json_extract({column}, '$[{index}]')"


def within_years_sql(first: str, last: str) -> str:
    """Instants in the documented years (bounds.YEARS); the literals read the same on both
    engines (SQLite compares its stored UTC text, PostgreSQL a timestamptz)."""
    return f"{first} >= {bounds.FIRST_INSTANT_SQL} AND {last} < {bounds.END_INSTANT_SQL}"


def visit_caps_checks() -> list[tuple[str, str]]:
    """(name, CHECK) for the waiter and drop-off caps: empty, or in their ranges; a waiter cap
    and its interval come together."""
    return [
        ("wait_cap_range", f"wait_cap IS NULL OR ({visit_caps.WAITERS.sql('wait_cap')})"),
        (
            "wait_cap_minutes_range",
            f"wait_cap_minutes IS NULL OR ({visit_caps.WAIT_MINUTES.sql('wait_cap_minutes')})",
        ),
        ("wait_cap_pair", "(wait_cap IS NULL) = (wait_cap_minutes IS NULL)"),
        (
            "drop_off_cap_range",
            f"drop_off_cap IS NULL OR ({visit_caps.DROP_OFFS.sql('drop_off_cap')})",
        ),
    ]


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
    #: Whether any active mechanic here has working hours (technicians are capacity); loaded
    #: only where asked for, with the location (services/technicians.keeps_technicians_sql).
    keeps_technicians: Mapped[bool | None] = query_expression()
    #: At most `wait_cap` "wait" visits start in one clock-aligned block of `wait_cap_minutes`
    #: (both set or both empty); at most `drop_off_cap` drop-offs start before noon (empty: no
    #: cap). See domain/visit_caps.py.
    wait_cap: Mapped[int | None]
    wait_cap_minutes: Mapped[int | None]
    drop_off_cap: Mapped[int | None]
    #: A new random number whenever the location's busy time may have changed, set by triggers
    #: in the database (migration 0022); availability reuses busy time it read under the same
    #: version (services/availability.py). NULL: never written since, nothing reused.
    schedule_version: Mapped[int | None] = mapped_column(sa.BigInteger)

    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="location",
        cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )
    bays: Mapped[list[Bay]] = relationship(
        back_populates="location", order_by="(Bay.sort_order, Bay.id)"
    )

    __table_args__ = (
        sa.CheckConstraint(
            bounds.SLOT_INTERVAL_MINUTES.sql("slot_interval_minutes"), name="slot_interval_range"
        ),
        sa.CheckConstraint(
            bounds.MINIMUM_NOTICE_MINUTES.sql("minimum_notice_minutes"), name="notice_range"
        ),
        sa.CheckConstraint(bounds.HORIZON_DAYS.sql("horizon_days"), name="horizon_range"),
        sa.CheckConstraint(bounds.BUFFER_MINUTES.sql("buffer_minutes"), name="buffer_range"),
        sa.CheckConstraint(
            bounds.CANCELLATION_CUTOFF_HOURS.sql("cancellation_cutoff_hours"), name="cutoff_range"
        ),
        *(sa.CheckConstraint(sql, name=name) for name, sql in visit_caps_checks()),
        *(
            sa.CheckConstraint(reminder_leads_sql(dialect), name="reminder_leads_range").ddl_if(
                dialect=dialect
            )
            for dialect in ("sqlite", "postgresql")
        ),
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
        sa.CheckConstraint(within_years_sql("starts_at", "ends_at"), name="within_years"),
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

    __table_args__ = (
        sa.UniqueConstraint("location_id", "name"),
        sa.CheckConstraint(bounds.SORT_ORDER.sql("sort_order"), name="sort_order_range"),
    )

    def __repr__(self) -> str:
        return f"<Bay {self.name}>"


class BayDowntime(Base):
    """A bay out of service for a period (lift inspection, repair): nothing may be booked in it."""

    __tablename__ = "bay_downtimes"

    id: Mapped[int] = mapped_column(primary_key=True)
    bay_id: Mapped[int] = mapped_column(sa.ForeignKey("bays.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    bay: Mapped[Bay] = relationship()

    __table_args__ = (
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        sa.CheckConstraint(within_years_sql("starts_at", "ends_at"), name="within_years"),
        sa.Index("ix_bay_downtimes_bay_ends", "bay_id", "ends_at"),
    )

    def __repr__(self) -> str:
        return f"<BayDowntime bay={self.bay_id} {self.starts_at}..{self.ends_at}>"
