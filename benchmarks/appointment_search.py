"""Appointment search: 100,000 appointments over four years, the staff list searched in-process.

Times the median of a search by plate and by part of a customer's name over a year (the widest
range the list takes), and a filtered week page (two statuses, one mechanic, sorted by customer),
each as the service call (`services.appointment_search.search`) and as a request through the
Flask test client (a logged-in admin, the whole page rendered). Runs on SQLite and, when the
local PostgreSQL answers, on PostgreSQL too.

    python -m benchmarks.appointment_search [--appointments 100000] [--runs 50]
        [--database-url URL] [--no-postgres] [--write docs/PERFORMANCE.md]

On PostgreSQL it creates (and drops afterwards) its own database, `autoshop_bench_search`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time as clock
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine

from autoshop import create_app
from autoshop.domain.choices import Capability, PriceKind
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import (
    Appointment,
    AppointmentService,
    Bay,
    Location,
    OpeningHours,
    Service,
    ServiceCategory,
    User,
    Vehicle,
)
from autoshop.services import appointment_search as finder
from autoshop.timeutil import utcnow
from benchmarks.booking import drop_database, prepare_database

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 15, 14, 0, tzinfo=UTC)  # a Monday morning in New York
SLOTS_PER_BAY_DAY = 9
DB_NAME = "autoshop_bench_search"
PASSWORD = "bench-password-0000-xyz"
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
BAYS = 8
BEGIN, END = "<!-- appointment-search:begin -->", "<!-- appointment-search:end -->"

FIRST_NAMES = [
    "Maria", "James", "Aisha", "Wei", "Olu", "Sofia", "Liam", "Priya", "Mateo", "Hannah",
    "Kenji", "Fatima", "Noah", "Chloe", "Ivan", "Zara", "Diego", "Mei", "Omar", "Grace",
]  # fmt: skip
LAST_NAMES = [
    "Garcia", "Wilson", "Khan", "Chen", "Bankole", "Rossi", "Murphy", "Patel", "Lopez",
    "Schmidt", "Tanaka", "Haddad", "Brown", "Dubois", "Petrov", "Ahmed", "Silva", "Wang",
    "Nguyen", "Okafor", "Kowalski", "Jensen", "Moreau", "Costa", "Fischer",
]  # fmt: skip


def build(url: str, count: int) -> tuple[Any, dict[str, Any]]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTOSHOP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-0000",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": {
                "argon2__memory_cost": 8,
                "argon2__rounds": 1,
                "argon2__parallelism": 1,
            },
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        facts = _seed(count)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    return app, facts


def _seed(count: int) -> dict[str, Any]:
    from flask_security import hash_password

    from autoshop.extensions import security

    rng = random.Random(11)
    location = Location(name="Bench Auto", timezone="America/New_York")
    db.session.add(location)
    for day in range(6):
        db.session.add(OpeningHours(location=location, weekday=day, opens=time(7), closes=time(19)))
    bays = [Bay(location=location, name=f"Lift {i + 1}", capabilities=LIFT) for i in range(BAYS)]
    db.session.add_all(bays)
    category = ServiceCategory(name="Bench")
    services = [
        Service(
            category=category,
            name=name,
            duration_minutes=minutes,
            price_kind=PriceKind.FIXED,
            price_min_cents=5000,
            price_max_cents=5000,
            capability=Capability.LIFT,
        )
        for name, minutes in (("Oil change", 30), ("Brake pads", 60), ("Diagnosis", 90))
    ]
    db.session.add_all(services)
    datastore = security.datastore
    admin = datastore.create_user(
        email="admin@bench.example",
        password=hash_password(PASSWORD),
        first_name="Dana",
        last_name="Reyes",
        confirmed_at=NOW,
        roles=[datastore.find_or_create_role("admin")],
    )
    mechanics = [
        datastore.create_user(
            email=f"mechanic{i}@bench.example",
            password=None,
            first_name=FIRST_NAMES[i],
            last_name="Mechanic",
            confirmed_at=NOW,
            roles=[datastore.find_or_create_role("mechanic")],
        )
        for i in range(6)
    ]
    db.session.commit()

    customers = count // 5
    db.session.execute(
        User.__table__.insert(),
        [
            {
                "email": f"customer{i}@example.com",
                "password": None,
                "active": True,
                "fs_uniquifier": uuid.uuid4().hex,
                "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
                "last_name": _last_name(i),
                "phone": f"+1201{i:07d}",
                "email_opt_in": True,
                "sms_opt_in": False,
            }
            for i in range(customers)
        ],
    )
    customer_ids = list(
        db.session.scalars(sa.select(User.id).where(User.email.like("customer%")).order_by(User.id))
    )
    # One vehicle per customer, and guests' vehicles (a guest per fifth visit).
    vehicles = len(customer_ids) * 2
    db.session.execute(
        Vehicle.__table__.insert(),
        [
            {
                "owner_id": customer_ids[i] if i < len(customer_ids) else None,
                "year": 2005 + i % 20,
                "make": "Bench",
                "model": f"Model {i % 50}",
                "trim": "",
                "plate": _plate(i),
                "vin": f"1HGBH41JXMN{i:06d}",
            }
            for i in range(vehicles)
        ],
    )
    vehicle_ids = list(db.session.scalars(sa.select(Vehicle.id).order_by(Vehicle.id)))
    db.session.commit()

    # Each bay takes visits back to back through the day, every day but Sunday, until `count`
    # visits exist (100,000: about four and a half years of a busy eight-bay shop), three
    # quarters of them before NOW.
    days_needed = count / (BAYS * SLOTS_PER_BAY_DAY) * 7 / 6
    first_day = NOW.date() - timedelta(days=int(days_needed * 0.75))
    rows, snapshots = [], []
    day, n = first_day, 0
    while n < count:
        if day.weekday() != 6:
            for bay_index, bay in enumerate(bays):
                at = datetime.combine(day, time(7), ZONE).astimezone(UTC)
                for _slot in range(SLOTS_PER_BAY_DAY):
                    if n >= count:
                        break
                    minutes = rng.choice((30, 60, 90))
                    guest = n % 5 == 4
                    vehicle_index = (
                        len(customer_ids) + n % len(customer_ids)
                        if guest
                        else (n * 7919) % len(customer_ids)
                    )
                    ends = at + timedelta(minutes=minutes)
                    past = ends < NOW
                    status = (
                        AppointmentStatus.COMPLETED
                        if past and n % 17
                        else AppointmentStatus.NO_SHOW
                        if past
                        else AppointmentStatus.SCHEDULED
                    )
                    rows.append(
                        {
                            "reference": f"R{n:07d}",
                            "customer_id": None if guest else customer_ids[vehicle_index],
                            "guest_name": f"Guest Walker{n}" if guest else "",
                            "guest_email": f"guest{n}@example.net" if guest else "",
                            "guest_phone": f"+1973{n:07d}" if guest else "",
                            "vehicle_id": vehicle_ids[vehicle_index],
                            "location_id": location.id,
                            "bay_id": bay.id,
                            "starts_at": at,
                            "ends_at": ends,
                            "block_ends_at": ends + timedelta(minutes=10),
                            "mode": "drop_off",
                            "concern": "",
                            "staff_notes": "",
                            "mechanic_id": mechanics[(n + bay_index) % len(mechanics)].id
                            if n % 3
                            else None,
                            "status": status.value,
                            "source": "staff" if n % 4 == 0 else "online",
                            "sequence": 0,
                        }
                    )
                    at = ends + timedelta(minutes=10)
                    n += 1
        day += timedelta(days=1)
    # The vehicle overlap rule: a customer's car is never in two places at once here, as the
    # visits of one vehicle are thousands of slots apart.
    for i in range(0, len(rows), 10_000):
        db.session.execute(Appointment.__table__.insert(), rows[i : i + 10_000])
        db.session.commit()
    ids = db.session.execute(sa.select(Appointment.id, Appointment.reference)).all()
    by_reference = dict((r, i) for i, r in ids)
    for n, row in enumerate(rows):
        service = services[n % 3]
        snapshots.append(
            {
                "appointment_id": by_reference[row["reference"]],
                "service_id": service.id,
                "position": 0,
                "name": service.name,
                "duration_minutes": service.duration_minutes,
                "price_kind": "fixed",
                "price_min_cents": 5000,
                "price_max_cents": 5000,
            }
        )
    for i in range(0, len(snapshots), 10_000):
        db.session.execute(AppointmentService.__table__.insert(), snapshots[i : i + 10_000])
        db.session.commit()
    sample = next(
        r for r in reversed(rows) if r["starts_at"] < NOW - timedelta(days=60) and r["customer_id"]
    )
    last_name = db.session.scalar(sa.select(User.last_name).where(User.id == sample["customer_id"]))
    plate = db.session.scalar(sa.select(Vehicle.plate).where(Vehicle.id == sample["vehicle_id"]))
    return {
        "admin_email": admin.email,
        "mechanic_id": mechanics[1].id,
        "plate": f"{plate[:3]}-{plate[3:]}",  # as typed at the desk; stored without the dash
        "name": last_name[2:-2].lower(),  # part of a last name: 'rcia-wils' of 'Garcia-Wilson'
        "days": (day - first_day).days,
    }


def _last_name(i: int) -> str:
    """625 double-barrelled surnames ('Garcia-Wilson'), about 32 customers each."""
    first, second = divmod(i // len(FIRST_NAMES), len(LAST_NAMES))
    return f"{LAST_NAMES[second]}-{LAST_NAMES[first % len(LAST_NAMES)]}"


def _plate(i: int) -> str:
    """'ABC0123'-style plates, all different, stored as the app stores them (no spaces or
    dashes: domain.vehicles.normalize_plate)."""
    letters = "".join(chr(65 + (i // 26**k) % 26) for k in range(3))
    return f"{letters}{i % 10000:04d}"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def cases(facts: dict[str, Any]) -> dict[str, tuple[finder.SearchFilters, str]]:
    year_start, today = date(2025, 6, 16), date(2026, 6, 15)
    week_end = today + timedelta(days=7)
    return {
        "plate, a year": (
            finder.SearchFilters(start=year_start, end=today, text=facts["plate"]),
            f"start={year_start}&end={today}&q={facts['plate']}",
        ),
        "part of a name, a year": (
            finder.SearchFilters(start=year_start, end=today, text=facts["name"]),
            f"start={year_start}&end={today}&q={facts['name']}",
        ),
        "filtered week page": (
            finder.SearchFilters(
                start=today,
                end=week_end,
                statuses=frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN}),
                mechanic_id=facts["mechanic_id"],
                sort=finder.SortKey.CUSTOMER,
            ),
            f"start={today}&end={week_end}&status=scheduled&status=checked_in"
            f"&mechanic={facts['mechanic_id']}&sort=customer",
        ),
    }


def measure(app: Any, facts: dict[str, Any], runs: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with time_machine.travel(NOW, tick=False):
        client = app.test_client()
        response = client.post(
            "/account/login", data={"email": facts["admin_email"], "password": PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        for name, (filters, query) in cases(facts).items():
            service_samples, request_samples, rows = [], [], 0
            for i in range(runs + 3):
                with app.app_context():
                    t0 = clock.perf_counter()
                    page = finder.search(filters, per_page=25)
                    elapsed = clock.perf_counter() - t0
                    rows = page.total
                if i >= 3:  # warm-up runs don't count
                    service_samples.append(elapsed)
                t0 = clock.perf_counter()
                response = client.get(f"/admin/appointments?{query}")
                elapsed = clock.perf_counter() - t0
                assert response.status_code == 200
                if i >= 3:
                    request_samples.append(elapsed)
            assert rows > 0, f"{name}: nothing matched"
            results[name] = {
                "service": median_ms(service_samples),
                "request": median_ms(request_samples),
                "rows": rows,
            }
    return results


def run(url: str, count: int, runs: int) -> tuple[dict[str, dict[str, float]], float, int]:
    t0 = clock.perf_counter()
    app, facts = build(url, count)
    built = clock.perf_counter() - t0
    results = measure(app, facts, runs)
    with app.app_context():
        db.engine.dispose()
    return results, built, facts["days"]


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()

    engines: dict[str, tuple[dict[str, dict[str, float]], float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engines["SQLite"] = run(url, args.appointments, args.runs)
    if not args.no_postgres:
        try:
            url = prepare_database(args.database_url, DB_NAME)
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL skipped: {exc.orig}")
        else:
            try:
                engines["PostgreSQL"] = run(url, args.appointments, args.runs)
            finally:
                drop_database(args.database_url, DB_NAME)

    lines = [
        "| engine | search | matches | service call (median) | page request (median) |",
        "|---|---|---|---|---|",
    ]
    for engine, (results, _built, _days) in engines.items():
        for name, r in results.items():
            lines.append(
                f"| {engine} | {name} | {int(r['rows']):,} | {r['service']:.1f} ms "
                f"| {r['request']:.1f} ms |"
            )
    days = next(iter(engines.values()))[2]
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = args.write.read_text() if args.write.exists() else ""
        block = (
            f"{BEGIN}\nMeasured {utcnow().date().isoformat()} with `python -m "
            f"benchmarks.appointment_search` ({args.appointments:,} appointments over {days:,} "
            f"days, {args.runs} runs each):\n\n{table}\n{END}"
        )
        if BEGIN in text:
            text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
        else:
            text += "\n" + block + "\n"
        args.write.write_text(text)


if __name__ == "__main__":
    main()
