"""Customers' vehicles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain import bounds
from autoshop.models.accounts import User
from autoshop.models.base import Base, trigram_index

_ACTIVE_VIN = "archived_at IS NULL AND owner_id IS NOT NULL AND vin IS NOT NULL"
_ACTIVE_PLATE = "archived_at IS NULL AND owner_id IS NOT NULL AND plate <> ''"


class Vehicle(Base):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a guest's vehicle (owned through the guest's appointment).
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    make: Mapped[str] = mapped_column(sa.String(40))
    model: Mapped[str] = mapped_column(sa.String(60))
    trim: Mapped[str] = mapped_column(sa.String(60), default="")
    vin: Mapped[str | None] = mapped_column(sa.String(17))
    #: Upper-case without spaces or dashes (domain/vehicles.py: normalize_plate), so that one
    #: plate typed two ways is one car.
    plate: Mapped[str] = mapped_column(sa.String(16), default="")
    mileage: Mapped[int | None]
    colour: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    #: What the customer calls the car ("Mum's car"), shown before its label.
    nickname: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    #: Set instead of deleting a car that has visits: it leaves the customer's list and frees its
    #: VIN and plate for a new entry, while its visits keep pointing at it.
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    owner: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(bounds.MODEL_YEAR.sql("year"), name="year_range"),
        sa.CheckConstraint(
            f"mileage IS NULL OR {bounds.MILEAGE.sql('mileage')}", name="mileage_range"
        ),
        # One car per VIN and per plate in an account, among the cars not archived.
        sa.Index(
            "uq_vehicles_owner_vin",
            "owner_id",
            "vin",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_VIN),
            sqlite_where=sa.text(_ACTIVE_VIN),
        ),
        sa.Index(
            "uq_vehicles_owner_plate",
            "owner_id",
            "plate",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_PLATE),
            sqlite_where=sa.text(_ACTIVE_PLATE),
        ),
        # PostgreSQL: the staff search looks for cars by part of a plate or VIN.
        trigram_index("vehicles", "plate"),
        trigram_index("vehicles", "vin"),
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def display_name(self) -> str:
        """'Blue Honda · 2019 Honda CR-V EX' with a nickname, else the label."""
        return f"{self.nickname} · {self.label}" if self.nickname else self.label

    @property
    def label(self) -> str:
        """'2019 Honda CR-V EX', always on one line (rows older than the bounds may hold breaks)."""
        return bounds.one_line(
            " ".join(str(p) for p in (self.year, self.make, self.model, self.trim) if p)
        )
