"""What the shop sells: service categories and services."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain import bounds
from autoshop.domain.choices import Capability, PriceKind
from autoshop.models.base import Base


def price_checks() -> tuple[sa.CheckConstraint, ...]:
    """Each price bound, when given, lies in the documented range (domain/bounds.py)."""
    return tuple(
        sa.CheckConstraint(
            f"{column} IS NULL OR {bounds.PRICE_CENTS.sql(column)}", name=f"{column}_range"
        )
        for column in ("price_min_cents", "price_max_cents")
    )


class ServiceCategory(Base):
    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    services: Mapped[list[Service]] = relationship(
        back_populates="category", order_by="(Service.sort_order, Service.name)"
    )

    __table_args__ = (
        sa.CheckConstraint(bounds.SORT_ORDER.sql("sort_order"), name="sort_order_range"),
    )


class Service(Base):
    """A bookable job. Prices are whole cents; `price_kind` says how to read them."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("service_categories.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    duration_minutes: Mapped[int]
    price_kind: Mapped[PriceKind] = mapped_column(
        sa.Enum(
            PriceKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        )
    )
    price_min_cents: Mapped[int | None]
    price_max_cents: Mapped[int | None]
    capability: Mapped[Capability] = mapped_column(
        sa.Enum(
            Capability, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        )
    )
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    category: Mapped[ServiceCategory] = relationship(back_populates="services")

    __table_args__ = (
        sa.CheckConstraint(
            bounds.SERVICE_DURATION_MINUTES.sql("duration_minutes"), name="duration_range"
        ),
        sa.CheckConstraint(
            "price_min_cents IS NULL OR price_max_cents IS NULL "
            "OR price_min_cents <= price_max_cents",
            name="price_range_ordered",
        ),
        *price_checks(),
        sa.CheckConstraint(bounds.SORT_ORDER.sql("sort_order"), name="sort_order_range"),
        sa.UniqueConstraint("category_id", "name"),
    )

    def __repr__(self) -> str:
        return f"<Service {self.name}>"
