"""Reading the service catalog."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, with_loader_criteria

from autoshop.extensions import db
from autoshop.models import Service, ServiceCategory


def active_catalog() -> list[ServiceCategory]:
    """Categories with active services, each holding only its active ones, in display order."""
    stmt = (
        sa.select(ServiceCategory)
        .where(ServiceCategory.services.any(Service.active.is_(True)))
        .options(
            selectinload(ServiceCategory.services),
            with_loader_criteria(Service, Service.active.is_(True)),
        )
        .order_by(ServiceCategory.sort_order, ServiceCategory.name)
    )
    return list(db.session.scalars(stmt))
