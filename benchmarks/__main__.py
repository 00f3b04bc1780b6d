"""Availability benchmark: a generated shop with 8 bays, 10,000 appointments, and a variant with
1,000,000 past appointments. Times the engine alone and the HTTP endpoint for a 30-day month and a
3-service visit, and counts SQL statements per request.

    python -m benchmarks [--history 1000000] [--runs 200] [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import tempfile
import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine
from werkzeug.serving import make_server

from autoshop import create_app
from autoshop.domain import availability as engine
from autoshop.domain.choices import Capability, PriceKind
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import (
    Appointment,
    Bay,
    Location,
    OpeningHours,
    Service,
    ServiceCategory,
    Vehicle,
)
from autoshop.services import availability as queries
from autoshop.timeutil import utcnow

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday morning in New York; March has DST
MONTH = (date(2026, 3, 2), date(2026, 3, 31))
ZONE = ZoneInfo("America/New_York")
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]


def build_shop(url: str, future: int, history: int) -> tuple[object, list[int]]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTOSHOP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-0000",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        location = Location(name="Bench Auto", timezone="America/New_York")
        db.session.add(location)
        for day in range(5):
            for opens, closes in [(time(7, 30), time(12)), (time(12, 30), time(18))]:
                db.session.add(
                    OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
                )
        db.session.add(OpeningHours(location=location, weekday=5, opens=time(8), closes=time(14)))
        bays = [
            Bay(location=location, name=f"Lift {i}", capabilities=LIFT, sort_order=i)
            for i in range(7)
        ]
        bays.append(
            Bay(location=location, name="Rack", capabilities=["alignment", *LIFT], sort_order=8)
        )
        db.session.add_all(bays)
        category = ServiceCategory(name="Bench")
        services = [
            Service(
                category=category,
                name=f"Job {m}",
                duration_minutes=m,
                price_kind=PriceKind.FIXED,
                price_min_cents=5000,
                price_max_cents=5000,
                capability=Capability.LIFT,
            )
            for m in (30, 60, 90)
        ]
        db.session.add_all(services)
        db.session.commit()
        _insert_appointments(location, [b.id for b in bays], future, history)
        return app, [s.id for s in services]


#: Consecutive jobs of one bay share a vehicle (they never overlap), a hundred to a vehicle:
#: the database refuses a vehicle in two places at once, as it refuses a bay.
JOBS_PER_VEHICLE = 100


def _insert_appointments(location: Location, bay_ids: list[int], future: int, history: int) -> None:
    """`future` bay-holding appointments from the month on, `history` completed ones before it."""
    rng = random.Random(7)
    table = Appointment.__table__
    rows = []
    start = datetime.combine(MONTH[0], time(7, 30), ZONE).astimezone(UTC)
    per_vehicle = len(bay_ids) * JOBS_PER_VEHICLE
    count = len(bay_ids) * (-(-(future + history) // per_vehicle))
    db.session.execute(
        Vehicle.__table__.insert(),
        [
            {"year": 2020, "make": "Bench", "model": f"Car {i}", "trim": "", "plate": ""}
            for i in range(count)
        ],
    )
    vehicle_ids = list(db.session.scalars(sa.select(Vehicle.id).order_by(Vehicle.id)))

    def row(n: int, starts: datetime, minutes: int, status: AppointmentStatus) -> dict:
        ends = starts + timedelta(minutes=minutes)
        return {
            "reference": f"B{n:010d}"[:12],
            "vehicle_id": vehicle_ids[n % len(bay_ids) + len(bay_ids) * (n // per_vehicle)],
            "location_id": location.id,
            "bay_id": bay_ids[n % len(bay_ids)],
            "starts_at": starts,
            "ends_at": ends,
            "block_ends_at": ends + timedelta(minutes=10),
            "status": status.value,
            "mode": "drop_off",
            "concern": "",
            "staff_notes": "",
            "guest_name": "",
            "guest_email": "",
            "guest_phone": "",
            "sequence": 0,
        }

    # Future work spread over four months, one job per bay per slot at most.
    free_from: dict[int, datetime] = {}  # each bay's previous block end
    for n in range(future):
        bay = bay_ids[n % len(bay_ids)]
        at = free_from.get(bay, start) + timedelta(minutes=rng.choice((0, 30, 60, 150)))
        if at.astimezone(ZONE).hour >= 17:
            at = datetime.combine(
                at.astimezone(ZONE).date() + timedelta(days=1), time(7, 30), ZONE
            ).astimezone(UTC)
        minutes = rng.choice((30, 60, 90))
        free_from[bay] = at + timedelta(minutes=minutes + 10)
        rows.append(row(n, at, minutes, AppointmentStatus.SCHEDULED))
    past = []
    for n in range(history):
        at = start - timedelta(minutes=40 * (n // len(bay_ids) + 1))
        past.append(row(future + n, at, 30, AppointmentStatus.COMPLETED))
    # Oldest first: each insert's overlap check (the database's) then looks at a few neighbours
    # instead of every later row of its bay.
    rows = past[::-1] + rows
    for i in range(0, len(rows), 20_000):
        db.session.execute(table.insert(), rows[i : i + 20_000])
        db.session.commit()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_engine(app, service_ids: list[int], runs: int) -> float:
    with app.app_context():
        location = queries.load_location(None)
        visit = queries.load_visit(service_ids)
        bays = queries.load_bays(location)
        start_at, end_at = queries.range_bounds(*MONTH, ZONE)
        busy = queries.load_busy(location, start_at, end_at)
        closures = queries.load_closures(location, start_at, end_at)
        hours = [
            engine.OpeningInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours
        ]
        rules = queries.rules_of(location)
        samples = []
        for _ in range(runs):
            t0 = clock.perf_counter()
            engine.free_slots(
                opening_hours=hours,
                closures=closures,
                bays=bays,
                busy=busy,
                duration=visit.duration,
                capabilities=visit.capabilities,
                rules=rules,
                zone=ZONE,
                start=MONTH[0],
                end=MONTH[1],
                now=NOW,
            )
            samples.append(clock.perf_counter() - t0)
        return median_ms(samples)


def bench_http(app, service_ids: list[int], runs: int) -> tuple[float, int, int]:
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    path = (
        f"/api/v1/availability?services={','.join(map(str, service_ids))}"
        f"&start={MONTH[0]}&end={MONTH[1]}"
    )
    samples, slots = [], 0
    try:
        with time_machine.travel(NOW, tick=False):
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
            for i in range(runs + 5):
                statements.clear()
                t0 = clock.perf_counter()
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                elapsed = clock.perf_counter() - t0
                assert response.status == 200, body[:300]
                if i >= 5:  # warm-up requests don't count
                    samples.append(elapsed)
            slots = sum(len(d["slots"]) for d in json.loads(body)["days"])
            selects = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))
    finally:
        server.shutdown()
    return median_ms(samples), selects, slots


def run(history: int, runs: int, future: int = 10_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        t0 = clock.perf_counter()
        app, service_ids = build_shop(url, future=future, history=history)
        built = clock.perf_counter() - t0
        engine_ms = bench_engine(app, service_ids, runs)
        http_ms, selects, slots = bench_http(app, service_ids, runs)
        with app.app_context():
            db.engine.dispose()
    return {
        "history": history,
        "engine_ms": engine_ms,
        "http_ms": http_ms,
        "selects": selects,
        "slots": slots,
        "build_s": built,
    }


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--write", type=Path, help="rewrite this PERFORMANCE.md's availability table"
    )
    args = parser.parse_args()
    results = [run(0, args.runs), run(args.history, args.runs)]
    lines = [
        "| appointments | engine, month (median) | HTTP GET, month (median) "
        "| SELECTs/request | slots |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        label = "10,000 future" + (f" + {r['history']:,} past" if r["history"] else "")
        lines.append(
            f"| {label} | {r['engine_ms']:.2f} ms | {r['http_ms']:.2f} ms | "
            f"{r['selects']} | {r['slots']} |"
        )
    ratio = results[1]["http_ms"] / results[0]["http_ms"]
    lines.append("")
    lines.append(f"HTTP with the history / without: {ratio:.2f}x")
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = args.write.read_text() if args.write.exists() else ""
        begin, end = "<!-- availability:begin -->", "<!-- availability:end -->"
        measured = utcnow().date().isoformat()
        block = f"{begin}\nMeasured {measured} with `make bench`:\n\n{table}\n{end}"
        if begin in text:
            text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
        else:
            text += "\n" + block + "\n"
        args.write.write_text(text)


if __name__ == "__main__":
    main()
