"""The demo shop `autoshop seed-demo` creates: believable data to click through."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from autoshop.domain.choices import BookingSource, Capability, PriceKind, Role, VisitMode
from autoshop.domain.status import AppointmentStatus
from autoshop.domain.visit_desk import NoteAudience
from autoshop.extensions import db
from autoshop.models import (
    Appointment,
    AppointmentNote,
    AppointmentService,
    Bay,
    BayDowntime,
    Location,
    OpeningHours,
    Review,
    ReviewEvent,
    Service,
    ServiceCategory,
    StatusChange,
    User,
    Vehicle,
)
from autoshop.services.accounts import add_user
from autoshop.services.references import new_reference
from autoshop.services.transactions import write_transaction

DEMO_PASSWORD = "garage-demo-2026"
ZONE = "America/New_York"


def database_is_empty() -> bool:
    """No shop and no accounts yet (roles created by the migration don't count)."""
    has_location = db.session.scalar(sa.select(sa.func.count()).select_from(Location))
    has_users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    return not has_location and not has_users


def load_catalog_rows() -> list[dict[str, str]]:
    text = resources.files("autoshop.data").joinpath("service-catalog.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _catalog() -> list[Service]:
    services: list[Service] = []
    categories: dict[str, ServiceCategory] = {}
    for order, row in enumerate(load_catalog_rows()):
        name = row["category"]
        if name not in categories:
            categories[name] = ServiceCategory(name=name, sort_order=len(categories))
            db.session.add(categories[name])
        low, high = int(row["price_min_usd"]) * 100, int(row["price_max_usd"]) * 100
        kind = (
            PriceKind.DIAGNOSIS
            if row["priced_after_diagnosis"] == "yes"
            else (PriceKind.FIXED if low == high else PriceKind.RANGE)
        )
        service = Service(
            category=categories[name],
            name=row["service"],
            description=row["description"].replace(";", ","),
            duration_minutes=int(row["duration_minutes"]),
            price_kind=kind,
            price_min_cents=low,
            price_max_cents=high,
            capability=Capability(row["bay_capability"]),
            sort_order=order,
        )
        db.session.add(service)
        services.append(service)
    return services


def _shop() -> tuple[Location, list[Bay]]:
    location = Location(
        name="Main Street Auto Care",
        address="1200 Main Street, Springfield, NJ 07081",
        phone="+19735550123",
        email="service@example.com",
        timezone=ZONE,
    )
    db.session.add(location)
    weekday = [(time(7, 30), time(12, 0)), (time(12, 30), time(18, 0))]
    for day in range(5):
        for opens, closes in weekday:
            db.session.add(OpeningHours(location=location, weekday=day, opens=opens, closes=closes))
    db.session.add(OpeningHours(location=location, weekday=5, opens=time(8), closes=time(14)))
    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    bays = [
        Bay(location=location, name=f"Lift {n}", capabilities=lift, sort_order=n)
        for n in range(1, 5)
    ]
    bays.append(
        Bay(
            location=location,
            name="Alignment rack",
            capabilities=[Capability.ALIGNMENT.value, *lift],
            sort_order=5,
        )
    )
    bays.append(
        Bay(
            location=location,
            name="General bay",
            capabilities=[Capability.GENERAL.value],
            sort_order=6,
        )
    )
    db.session.add_all(bays)
    return location, bays


_CUSTOMERS = [
    (
        "maria.garcia@example.com",
        "Maria",
        "Garcia",
        "+12015550147",
        (2019, "Honda", "CR-V", "EX", "2HKRW2H8XKH612384", "NJK4821", 48200),
    ),
    (
        "james.wilson@example.com",
        "James",
        "Wilson",
        "+12015550188",
        (2016, "Ford", "F-150", "XLT", "1FTEW1EP5GFA80421", "WLS2290", 97350),
    ),
    (
        "aisha.khan@example.com",
        "Aisha",
        "Khan",
        None,
        (2021, "Toyota", "Camry", "SE", "4T1B11HK7MU013579", "AK7713", 22900),
    ),
]

#: Further saved cars (VINs valid under the check digit, decoding to the car's year): what the
#: customer step of a phone booking and the account's car list show.
_MORE_CARS: dict[str, tuple[dict[str, Any], ...]] = {
    "james.wilson@example.com": (
        {
            "year": 1987,
            "make": "Mercedes-Benz",
            "model": "300E",
            "colour": "Silver",
            "nickname": "The classic",
            "vin": "WDBEA30D3HA391172",
            "plate": "JW1987",
            "mileage": 211400,
        },
    ),
    "maria.garcia@example.com": (
        {
            "year": 2021,
            "make": "Mazda",
            "model": "CX-5",
            "trim": "Touring",
            "colour": "Soul Red",
            "vin": "JM3KFBDM0M0412786",
            "plate": "MGX5521",
            "mileage": 18750,
        },
    ),
}


_MECHANICS = [
    ("mike.chen@example.com", "Mike", "Chen"),
    ("sam.okafor@example.com", "Sam", "Okafor"),
]
ADMIN_EMAIL = "admin@example.com"
DEMO_LOGINS = (
    [("admin", ADMIN_EMAIL)]
    + [("mechanic", email) for email, _, _ in _MECHANICS]
    + [("customer", email) for email, *_ in _CUSTOMERS]
)


def has_demo_accounts() -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == ADMIN_EMAIL)) is not None


def seed(*, now: datetime) -> list[tuple[str, str]]:
    """Create the demo shop in one transaction; return (role, email) pairs for its logins."""
    with write_transaction():
        return _seed(now)


def _seed(now: datetime) -> list[tuple[str, str]]:
    location, bays = _shop()
    services = _catalog()
    db.session.flush()
    logins: list[tuple[str, str]] = []
    admin = add_user(
        ADMIN_EMAIL, DEMO_PASSWORD, roles=[Role.ADMIN], first_name="Dana", last_name="Reyes"
    )
    logins.append(("admin", admin.email))
    mechanics = []
    for email, first, last in _MECHANICS:
        mechanics.append(
            add_user(email, DEMO_PASSWORD, roles=[Role.MECHANIC], first_name=first, last_name=last)
        )
        logins.append(("mechanic", email))
    customers = []
    for email, first, last, phone, car in _CUSTOMERS:
        user = add_user(
            email,
            DEMO_PASSWORD,
            roles=[Role.CUSTOMER],
            first_name=first,
            last_name=last,
            phone=phone,
        )
        year, make, model, trim, vin, plate, mileage = car
        vehicle = Vehicle(
            owner=user,
            year=year,
            make=make,
            model=model,
            trim=trim,
            vin=vin,
            plate=plate,
            mileage=mileage,
        )
        db.session.add(vehicle)
        for extra in _MORE_CARS.get(email, ()):
            db.session.add(Vehicle(owner=user, **extra))
        customers.append((user, vehicle))
        logins.append(("customer", email))
    db.session.flush()
    _appointments(location, bays, services, customers, mechanics, now, admin=admin)
    _downtime(location, bays, admin, now)
    db.session.flush()
    _reviews(admin, now)
    return logins


def _downtime(location: Location, bays: list[Bay], admin: User, now: datetime) -> None:
    """Lift 4 (which the demo visits leave free) out of service from today's lunch break to the
    end of the next weekday: a lift repair the calendar and the availability both show."""
    db.session.flush()
    zone = ZoneInfo(location.timezone)
    today = now.astimezone(zone).date()
    back = today + timedelta(days=1)
    while back.weekday() >= 5:
        back += timedelta(days=1)
    db.session.add(
        BayDowntime(
            bay=next(b for b in bays if b.name == "Lift 4"),
            starts_at=datetime.combine(today, time(12), zone),
            ends_at=datetime.combine(back, time(18), zone),
            reason="Hydraulic leak on the lift: waiting for the seal kit",
            created_by_id=admin.id,
            created_at=now,
        )
    )


#: (rating, comment, the shop's reply) for the demo's reviews of past visits.
_REVIEWS = [
    (
        5,
        "In and out in under an hour, and they showed me the old filter.",
        "Thanks, Sam! See you at the next change.",
    ),
    (
        4,
        "Good work on the brakes. The waiting room coffee could be better.",
        "Noted on the coffee, we're on it.",
    ),
    (5, "They found the loose gas cap instead of selling me a new sensor. Honest shop.", ""),
    (
        3,
        "Alignment is fine now but I waited 20 minutes past my time.",
        "Sorry about the wait; a job before yours ran long. Thanks for your patience.",
    ),
    (5, "A/C blows cold again. Clear price before they started.", ""),
    (4, "Friendly, quick, fair price.", "Thank you!"),
]


def _reviews(admin: User, now: datetime) -> None:
    """Reviews of some completed visits, most with a reply from the shop."""
    done = db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.status == AppointmentStatus.COMPLETED)
        .order_by(Appointment.starts_at)
    ).all()
    for visit, (rating, comment, reply) in zip(done[::2], _REVIEWS, strict=False):
        written = min(visit.ends_at + timedelta(hours=5), now)
        review = Review(appointment_id=visit.id, rating=rating, comment=comment, created_at=written)
        if reply:
            review.staff_reply = reply
            review.replied_at = min(written + timedelta(hours=18), now)
            review.replied_by_id = admin.id
            review.events = [ReviewEvent(action="replied", actor_id=admin.id, at=review.replied_at)]
        db.session.add(review)


def _appointments(
    location: Location,
    bays: list[Bay],
    services: list[Service],
    customers: list[tuple[User, Vehicle]],
    mechanics: list[User],
    now: datetime,
    *,
    admin: User,
) -> None:
    """Past visits, today's jobs and coming ones on weekdays at 8:00, 10:00 and 14:00; every
    third one was booked by the admin on the phone, the others online."""
    zone = ZoneInfo(location.timezone)
    today = now.astimezone(zone).date()
    by_name = {s.name: s for s in services}
    plans = [
        ["Oil change (full synthetic)", "Tire rotation"],
        ["Brake pads (one axle)"],
        ["Check-engine light diagnostic"],
        ["Four-wheel alignment"],
        ["A/C performance check and recharge"],
        ["Oil change (conventional)", "Cabin and engine air filters"],
    ]
    buffer = timedelta(minutes=location.buffer_minutes)
    n = 0
    for offset in range(-14, 15):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for slot, start_time in enumerate((time(8), time(10), time(14))):
            if offset != 0 and (offset + slot) % 2:
                continue  # a full day today, every other slot on other days
            customer, vehicle = customers[n % len(customers)]
            chosen = [by_name[name] for name in plans[n % len(plans)]]
            needs = {s.capability.value for s in chosen}
            bay = next(b for b in bays if needs <= set(b.capabilities) and b.sort_order > slot)
            _book(
                location,
                bay,
                chosen,
                customer,
                vehicle,
                # Some coming visits wait for a mechanic to take them ("Unassigned jobs").
                None if offset > 0 and n % 3 == 0 else mechanics[n % 2],
                day,
                start_time,
                zone,
                buffer,
                now=now,
                phoned_in_to=admin if n % 3 == 2 else None,
            )
            n += 1


def _book(
    location: Location,
    bay: Bay,
    chosen: list[Service],
    customer: User,
    vehicle: Vehicle,
    mechanic: User | None,
    day: date,
    start_time: time,
    zone: ZoneInfo,
    buffer: timedelta,
    *,
    now: datetime,
    phoned_in_to: User | None = None,
) -> None:
    starts_at = datetime.combine(day, start_time, zone)
    ends_at = starts_at + timedelta(minutes=sum(s.duration_minutes for s in chosen))
    if ends_at <= now:
        status = AppointmentStatus.COMPLETED
    elif starts_at <= now:
        status = AppointmentStatus.IN_PROGRESS
    else:
        status = AppointmentStatus.SCHEDULED
    past = status is not AppointmentStatus.SCHEDULED
    waits = len(chosen) == 1 and chosen[0].duration_minutes <= 45
    mode = VisitMode.WAIT if waits else VisitMode.DROP_OFF
    appointment = Appointment(
        reference=new_reference(),
        customer=customer,
        vehicle=vehicle,
        location=location,
        bay=bay,
        starts_at=starts_at,
        ends_at=ends_at,
        block_ends_at=ends_at + buffer,
        mode=mode,
        concern="Routine visit booked for the demo.",
        mechanic=mechanic,
        status=status,
        mileage=_odometer(vehicle, starts_at, now),
        # Drop-offs are promised for an hour after the work ends; waiting customers leave with it.
        promised_at=ends_at + timedelta(hours=1) if mode is VisitMode.DROP_OFF else None,
        source=BookingSource.STAFF if phoned_in_to else BookingSource.ONLINE,
        booked_by=phoned_in_to,
    )
    appointment.services = [AppointmentService.snapshot(s, i) for i, s in enumerate(chosen)]
    appointment.status_changes = [
        StatusChange(
            from_status=None,
            to_status=AppointmentStatus.SCHEDULED,
            changed_by=phoned_in_to or customer,
            changed_at=min(starts_at - timedelta(days=3), now),
            note="Booked by staff." if phoned_in_to else "Booked online.",
        )
    ]
    if past:  # the floor steps so far, as a mechanic would have recorded them
        steps = [
            (AppointmentStatus.CHECKED_IN, starts_at, ""),
            (AppointmentStatus.IN_PROGRESS, starts_at + timedelta(minutes=5), ""),
        ]
        if status is AppointmentStatus.COMPLETED:
            steps.append((status, ends_at, "All done. Thanks for coming in!"))
        previous = AppointmentStatus.SCHEDULED
        for target, at, note in steps:
            appointment.status_changes.append(
                StatusChange(
                    from_status=previous,
                    to_status=target,
                    changed_by=mechanic,
                    changed_at=at,
                    note=note,
                )
            )
            previous = target
    if status is AppointmentStatus.IN_PROGRESS:  # a job under way: a promise and the desk's notes
        appointment.promised_at = ends_at + timedelta(hours=1)
        noted_at = min(starts_at + timedelta(minutes=10), now)
        appointment_notes = [
            AppointmentNote(
                appointment=appointment,
                audience=NoteAudience.INTERNAL,
                body="Rear pads are near 3 mm too; ask the customer before replacing them.",
                author=mechanic,
                created_at=noted_at,
            ),
            AppointmentNote(
                appointment=appointment,
                audience=NoteAudience.CUSTOMER,
                body="Your car is on the lift now; we'll call if we find anything else.",
                author=mechanic,
                created_at=noted_at,
            ),
        ]
        db.session.add_all(appointment_notes)
    db.session.add(appointment)


def _odometer(vehicle: Vehicle, starts_at: datetime, now: datetime) -> int | None:
    """The car's mileage at a visit: its mileage today less about 35 miles a day since."""
    if vehicle.mileage is None:
        return None
    days = max((now - starts_at).days, 0)
    return max(vehicle.mileage - 35 * days, 0)
