"""Callable factories: a test states only what matters to it, the rest gets sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_security import hash_password

from autoshop.domain.choices import Capability, PriceKind, Role
from autoshop.domain.status import AppointmentStatus
from autoshop.domain.vehicles import normalize_plate
from autoshop.extensions import db, security
from autoshop.models import (
    Appointment,
    AppointmentService,
    Bay,
    BayDowntime,
    Closure,
    Location,
    OpeningHours,
    Review,
    Service,
    ServiceCategory,
    User,
    Vehicle,
)
from autoshop.services.references import new_reference

_counter = itertools.count(1)


class Factories:
    PASSWORD = "correct-horse-battery-staple-42"

    def user(
        self,
        email: str | None = None,
        *,
        roles: tuple[str, ...] = ("customer",),
        password: str | None = None,
        confirmed: bool = True,
        **fields: Any,
    ) -> User:
        n = next(_counter)
        datastore = security.datastore
        user = datastore.create_user(
            email=email or f"person{n}@example.com",
            password=hash_password(password or self.PASSWORD),
            first_name=fields.pop("first_name", f"First{n}"),
            last_name=fields.pop("last_name", f"Last{n}"),
            confirmed_at=datetime(2026, 1, 1, tzinfo=UTC) if confirmed else None,
            roles=[datastore.find_or_create_role(r) for r in roles],
            **fields,
        )
        db.session.commit()
        return user

    def customer(self, **kw: Any) -> User:
        return self.user(roles=(Role.CUSTOMER.value,), **kw)

    def mechanic(self, **kw: Any) -> User:
        return self.user(roles=(Role.MECHANIC.value,), **kw)

    def admin(self, **kw: Any) -> User:
        return self.user(roles=(Role.ADMIN.value,), **kw)

    def location(
        self,
        *,
        hours: dict[int, list[tuple[time, time]]] | None = None,
        bays: list[tuple[str, list[str]]] | None = None,
        **fields: Any,
    ) -> Location:
        """A shop; by default Mon-Fri 07:30-12:00 + 12:30-18:00, Sat 08:00-14:00, two lift bays."""
        location = Location(
            name=fields.pop("name", f"Shop {next(_counter)}"),
            timezone=fields.pop("timezone", "America/New_York"),
            address=fields.pop("address", "1 Test Street, Springfield"),
            **fields,
        )
        db.session.add(location)
        if hours is None:
            weekday = [(time(7, 30), time(12)), (time(12, 30), time(18))]
            hours = {d: weekday for d in range(5)} | {5: [(time(8), time(14))]}
        for day, intervals in hours.items():
            for opens, closes in intervals:
                db.session.add(
                    OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
                )
        lift = [Capability.LIFT.value, Capability.GENERAL.value]
        for i, (name, caps) in enumerate(bays or [("Lift 1", lift), ("Lift 2", lift)]):
            db.session.add(Bay(location=location, name=name, capabilities=caps, sort_order=i))
        db.session.commit()
        return location

    def category(self, name: str | None = None, **fields: Any) -> ServiceCategory:
        category = ServiceCategory(name=name or f"Category {next(_counter)}", **fields)
        db.session.add(category)
        db.session.commit()
        return category

    def service(
        self,
        name: str | None = None,
        *,
        category: ServiceCategory | None = None,
        duration_minutes: int = 60,
        price_kind: PriceKind = PriceKind.FIXED,
        price_min_cents: int | None = 9900,
        price_max_cents: int | None = None,
        capability: Capability = Capability.LIFT,
        **fields: Any,
    ) -> Service:
        service = Service(
            name=name or f"Service {next(_counter)}",
            category=category or self.category(),
            duration_minutes=duration_minutes,
            price_kind=price_kind,
            price_min_cents=price_min_cents,
            price_max_cents=price_max_cents if price_max_cents is not None else price_min_cents,
            capability=capability,
            **fields,
        )
        db.session.add(service)
        db.session.commit()
        return service

    def vehicle(self, owner: User | None = None, **fields: Any) -> Vehicle:
        if "plate" in fields:  # stored as every write path stores it
            fields["plate"] = normalize_plate(fields["plate"])
        vehicle = Vehicle(
            owner=owner,
            year=fields.pop("year", 2018),
            make=fields.pop("make", "Honda"),
            model=fields.pop("model", "Civic"),
            **fields,
        )
        db.session.add(vehicle)
        db.session.commit()
        return vehicle

    def appointment(
        self,
        *,
        starts_at: datetime | None = None,
        services: list[Service] | None = None,
        customer: User | None = None,
        vehicle: Vehicle | None = None,
        location: Location | None = None,
        bay: Bay | None = None,
        status: AppointmentStatus = AppointmentStatus.SCHEDULED,
        **fields: Any,
    ) -> Appointment:
        location = location or self.location()
        bay = bay or location.bays[0]
        services = services or [self.service()]
        if customer is None and not fields.get("guest_email"):
            customer = self.customer()
        vehicle = vehicle or self.vehicle(owner=customer)
        starts_at = starts_at or datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
        ends_at = starts_at + timedelta(minutes=sum(s.duration_minutes for s in services))
        appointment = Appointment(
            reference=fields.pop("reference", new_reference()),
            customer=customer,
            vehicle=vehicle,
            location=location,
            bay=bay,
            starts_at=starts_at,
            ends_at=ends_at,
            block_ends_at=ends_at + timedelta(minutes=location.buffer_minutes),
            status=status,
            **fields,
        )
        appointment.services = [AppointmentService.snapshot(s, i) for i, s in enumerate(services)]
        db.session.add(appointment)
        db.session.commit()
        return appointment

    def bay(
        self, location: Location, name: str | None = None, *, capabilities: list[str] | None = None
    ) -> Bay:
        bay = Bay(
            location=location,
            name=name or f"Bay {next(_counter)}",
            capabilities=capabilities or [Capability.GENERAL.value],
        )
        db.session.add(bay)
        db.session.commit()
        return bay

    def closure(
        self, location: Location, *, starts_at: datetime, ends_at: datetime, reason: str = "Holiday"
    ) -> Closure:
        closure = Closure(
            location_id=location.id, starts_at=starts_at, ends_at=ends_at, reason=reason
        )
        db.session.add(closure)
        db.session.commit()
        return closure

    def booking_shop(self) -> dict[str, Any]:
        """The small shop the booking tests use: two lifts, an oil change (a price range), brake
        pads (fixed) and a diagnosis priced after inspection, in two categories."""
        location = self.location(name="Main Street Auto", address="12 Main Street, Springfield")
        maintenance = self.category("Maintenance", sort_order=0)
        brakes = self.category("Brakes", sort_order=1)
        return {
            "location": location,
            "oil": self.service(
                "Oil change",
                category=maintenance,
                duration_minutes=30,
                price_kind=PriceKind.RANGE,
                price_min_cents=5000,
                price_max_cents=7500,
            ),
            "pads": self.service("Brake pads", category=brakes, duration_minutes=90),
            "diag": self.service(
                "Noise diagnosis",
                category=brakes,
                duration_minutes=60,
                price_kind=PriceKind.DIAGNOSIS,
                price_min_cents=None,
            ),
        }

    def downtime(
        self, bay: Bay, *, starts_at: datetime, ends_at: datetime, reason: str = "Lift inspection"
    ) -> BayDowntime:
        """A bay out of service over [starts_at, ends_at)."""
        downtime = BayDowntime(bay_id=bay.id, starts_at=starts_at, ends_at=ends_at, reason=reason)
        db.session.add(downtime)
        db.session.commit()
        return downtime

    def review(
        self,
        appointment: Appointment | None = None,
        *,
        rating: int = 5,
        comment: str = "",
        created_at: datetime | None = None,
        **fields: Any,
    ) -> Review:
        """A review of a completed visit (one is made for it when none is given)."""
        appointment = appointment or self.appointment(status=AppointmentStatus.COMPLETED)
        review = Review(
            appointment_id=appointment.id,
            rating=rating,
            comment=comment,
            created_at=created_at or datetime(2026, 12, 1, 20, 0, tzinfo=UTC),
            **fields,
        )
        db.session.add(review)
        db.session.commit()
        return review
