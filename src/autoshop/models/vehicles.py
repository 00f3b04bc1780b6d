"""Customers' vehicles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain import bounds
from autoshop.models.accounts import User
from autoshop.models.base import Base


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
    plate: Mapped[str] = mapped_column(sa.String(16), default="")
    mileage: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    owner: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(bounds.MODEL_YEAR.sql("year"), name="year_range"),
        sa.CheckConstraint(
            f"mileage IS NULL OR {bounds.MILEAGE.sql('mileage')}", name="mileage_range"
        ),
    )

    @property
    def label(self) -> str:
        """'2019 Honda CR-V EX', always on one line (rows older than the bounds may hold breaks)."""
        return bounds.one_line(
            " ".join(str(p) for p in (self.year, self.make, self.model, self.trim) if p)
        )
