"""Managing the service catalog: categories and services, deactivated rather than deleted.

Appointments keep a snapshot of each service (AppointmentService), so editing or deactivating a
service never rewrites history.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.domain import bounds
from autoshop.domain.choices import Capability, PriceKind
from autoshop.domain.schedule_rules import ValidationFailed, check_price
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Service, ServiceCategory
from autoshop.services.transactions import unique_write, write_transaction

__all__ = [
    "ValidationFailed",
    "all_categories",
    "all_services",
    "save_category",
    "save_service",
    "set_service_active",
]


def all_categories() -> list[ServiceCategory]:
    """Every category with all its services (active or not), in display order."""
    return list(
        db.session.scalars(
            sa.select(ServiceCategory)
            .options(selectinload(ServiceCategory.services))
            .order_by(ServiceCategory.sort_order, ServiceCategory.name)
        )
    )


def all_services() -> list[Service]:
    return list(
        db.session.scalars(
            sa.select(Service)
            .join(Service.category)
            .order_by(ServiceCategory.sort_order, ServiceCategory.name, Service.sort_order)
        )
    )


def _in_range(value: int, range_: bounds.Range, field: str, what: str) -> None:
    if problem := range_.problem(value, what):
        raise ValidationFailed(problem, field)


def save_category(
    category: ServiceCategory | None, *, name: str, description: str, sort_order: int
) -> ServiceCategory:
    """Create (category None) or update a category; names are unique, ignoring case."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Enter a name."), "name")
    _in_range(sort_order, bounds.SORT_ORDER, "sort_order", _("The order"))
    clash = sa.select(ServiceCategory.id).where(sa.func.lower(ServiceCategory.name) == name.lower())
    if category is not None and category.id is not None:
        clash = clash.where(ServiceCategory.id != category.id)
    if db.session.scalar(clash) is not None:
        raise ValidationFailed(_("There is already a category called %(name)s.", name=name), "name")
    with unique_write(
        _("There is already a category called %(name)s.", name=name), "name"
    ) as session:
        if category is None:
            category = ServiceCategory()
            session.add(category)
        category.name = name
        category.description = description.strip()
        category.sort_order = sort_order
    return category


def save_service(
    service: Service | None,
    *,
    category_id: int,
    name: str,
    description: str,
    duration_minutes: int,
    price_kind: PriceKind,
    price_min_cents: int | None,
    price_max_cents: int | None,
    capability: Capability,
    active: bool,
    sort_order: int,
) -> Service:
    """Create (service None) or update a service after checking every rule; commits."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors.setdefault("name", []).append(_("Enter a name."))
    category = db.session.get(ServiceCategory, category_id)
    if category is None:
        errors.setdefault("category_id", []).append(_("Choose a category."))
    for field, value, range_, what in (
        ("duration_minutes", duration_minutes, bounds.SERVICE_DURATION_MINUTES, _("The duration")),
        ("sort_order", sort_order, bounds.SORT_ORDER, _("The order")),
    ):
        if problem := range_.problem(value, what):
            errors.setdefault(field, []).append(problem)
    try:
        price_min_cents, price_max_cents = check_price(price_kind, price_min_cents, price_max_cents)
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            errors.setdefault(field, []).extend(messages)
    if name and category is not None:
        clash = sa.select(Service.id).where(
            Service.category_id == category.id, sa.func.lower(Service.name) == name.lower()
        )
        if service is not None:
            clash = clash.where(Service.id != service.id)
        if db.session.scalar(clash) is not None:
            errors.setdefault("name", []).append(
                _(
                    "%(category)s already has a service called %(name)s.",
                    category=category.name,
                    name=name,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    assert category is not None
    clash_message = _(
        "%(category)s already has a service called %(name)s.", category=category.name, name=name
    )
    with unique_write(clash_message, "name") as session:
        if service is None:
            service = Service()
            session.add(service)
        service.category = category
        service.name = name
        service.description = description.strip()
        service.duration_minutes = duration_minutes
        service.price_kind = price_kind
        service.price_min_cents = price_min_cents
        service.price_max_cents = price_max_cents
        service.capability = capability
        service.active = active
        service.sort_order = sort_order
    return service


def set_service_active(service: Service, active: bool) -> None:
    """Deactivate (hidden from customers, kept for history) or bring a service back."""
    with write_transaction():
        service.active = active
