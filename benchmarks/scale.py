"""Availability at scale, over HTTP under gunicorn: a month for shops 70 % full.

Cases (each for single 15-, 60- and 120-minute services on a 15-minute grid):

* 8, 32 and 128 bays, one location each, 70 % of their open bay-time booked over the month
  (on PostgreSQL and, with `--engines postgresql,sqlite`, on SQLite too);
* 8 bays with 5 technicians as capacity too (`--technicians`): the shop's hours, skills, a day and
  an afternoon off, the month's visits assigned to whoever is free;
* a chain of 50 locations x 8 bays holding 1,000,000 appointments (a year and a half of history
  and the month ahead, PostgreSQL): one location's month, against the single 8-bay shop.

Every row: the number of free starts the month has, the HTTP median and p10-p90 of `--runs`
sequential keep-alive requests (after 5 warm-up ones) to gunicorn (gthread, 2 workers x 4
threads), the median of the service call (`find_availability`) in-process as the requests meet
it and cold (as the first request after a write to the location's schedule meets it: the busy
time read afresh), and the HTTP time per bay-month. With `--baseline-src DIR` (another
checkout's src/, e.g. main's), a second server runs that code on the same data, measured request
for request beside this one.

    python -m benchmarks.scale [--runs 60] [--engines postgresql] [--chain-appointments 1000000]
                               [--quick] [--write docs/PERFORMANCE.md]

PostgreSQL runs on the server of --database-url (default: the local one) in databases of its
own, `autoshop_bench_scale` and `autoshop_bench_chain`, created and dropped here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import tempfile
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from autoshop.timeutil import utcnow
from benchmarks import booking
from benchmarks.booking import drop_database, free_port, prepare_database
from benchmarks.booking import server_pythonpath as pythonpath

ZONE = ZoneInfo("America/New_York")
BUFFER = 10  # minutes, the location's default
SERVICE_MINUTES = (15, 60, 120)
JOB_MINUTES = (15, 30, 60, 90, 120)  # what the generated bookings last
WEEKDAY = [(time(7, 30), time(12)), (time(12, 30), time(18))]
HOURS = {d: WEEKDAY for d in range(5)} | {5: [(time(8), time(14))]}
#: Chance that the next 15 minutes of a bay start a booking rather than stay free: ~70 % full.
BOOKING_CHANCE = 0.46
JOBS_PER_VEHICLE = 100


def month_ahead(today: date) -> tuple[date, date]:
    """30 days from the first Monday after tomorrow: all of it bookable whatever the hour."""
    first = today + timedelta(days=2)
    first += timedelta(days=(7 - first.weekday()) % 7)
    return first, first + timedelta(days=29)


# --- data ------------------------------------------------------------------------------------


def make_app(url: str):
    from autoshop import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTOSHOP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-0000",
            "RATELIMIT_ENABLED": False,
        }
    )


def add_locations(bay_counts: list[int]) -> list[tuple[int, list[int]]]:
    """Locations with the given numbers of bays (one in eight an alignment rack): (id, bays)."""
    from autoshop.domain.choices import Capability
    from autoshop.extensions import db
    from autoshop.models import Bay, Location, OpeningHours

    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    made = []
    for n, count in enumerate(bay_counts):
        location = Location(name=f"Bench {n + 1} ({count} bays)", timezone=ZONE.key)
        db.session.add(location)
        for day, intervals in HOURS.items():
            for opens, closes in intervals:
                db.session.add(
                    OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
                )
        bays = [
            Bay(
                location=location,
                name=f"Bay {i + 1}",
                capabilities=["alignment", *lift] if i % 8 == 7 else lift,
                sort_order=i,
            )
            for i in range(count)
        ]
        db.session.add_all(bays)
        db.session.flush()
        made.append((location.id, [b.id for b in bays]))
    db.session.commit()
    return made


def add_services() -> list[int]:
    from autoshop.domain.choices import Capability, PriceKind
    from autoshop.extensions import db
    from autoshop.models import Service, ServiceCategory

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
        for m in SERVICE_MINUTES
    ]
    db.session.add_all(services)
    db.session.commit()
    return [s.id for s in services]


def bay_day(rng: random.Random, day: date) -> Iterator[tuple[datetime, int]]:
    """One bay's bookings on a local day: (start in UTC, minutes), on the 15-minute grid."""
    for opens, closes in HOURS.get(day.weekday(), []):
        t = datetime.combine(day, opens)
        end = datetime.combine(day, closes)
        while t < end:
            if rng.random() < BOOKING_CHANCE:
                minutes = rng.choice(JOB_MINUTES)
                if t + timedelta(minutes=minutes) <= end:
                    yield t.replace(tzinfo=ZONE).astimezone(UTC), minutes
                    step = -(-(minutes + BUFFER) // 15) * 15
                    t += timedelta(minutes=step)
                    continue
            t += timedelta(minutes=15)


def generate(
    rng: random.Random, bay_ids: list[int], days: list[date], limit: int | None = None
) -> Iterator[tuple[int, datetime, int]]:
    """(bay, start, minutes) for each bay over `days`, at most `limit` per bay."""
    for bay in bay_ids:
        count = 0
        for day in days:
            for starts, minutes in bay_day(rng, day):
                yield bay, starts, minutes
                count += 1
                if limit is not None and count >= limit:
                    break
            if limit is not None and count >= limit:
                break


def insert_appointments(
    location_of: dict[int, int], jobs: list[tuple[int, datetime, int]], today: datetime
) -> None:
    """Bulk insert: vehicles first (a hundred consecutive jobs of a bay to a vehicle), then the
    appointments, by COPY on PostgreSQL and by multi-row INSERTs on SQLite. Jobs that start
    before `today` are completed, the others scheduled."""
    from autoshop.extensions import db
    from autoshop.models import Appointment, Vehicle

    n_vehicles = -(-len(jobs) // JOBS_PER_VEHICLE) + len(location_of)
    vehicles = [
        {"year": 2020, "make": "Bench", "model": f"Car {i}", "trim": "", "plate": ""}
        for i in range(n_vehicles)
    ]
    for i in range(0, len(vehicles), 20_000):
        db.session.execute(Vehicle.__table__.insert(), vehicles[i : i + 20_000])
    vehicle_ids = list(db.session.scalars(sa.select(Vehicle.id).order_by(Vehicle.id)))
    db.session.commit()
    columns = [
        *("reference", "vehicle_id", "location_id", "bay_id", "starts_at", "ends_at"),
        *("block_ends_at", "status", "mode", "concern", "staff_notes", "guest_name"),
        *("guest_email", "guest_phone", "sequence", "source"),
    ]
    jobs.sort(key=lambda j: (j[0], j[1]))  # a vehicle's jobs follow each other on one bay
    vehicle, previous_bay, on_vehicle = -1, None, JOBS_PER_VEHICLE

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal vehicle, previous_bay, on_vehicle
        for n, (bay, starts, minutes) in enumerate(jobs):
            if bay != previous_bay or on_vehicle == JOBS_PER_VEHICLE:
                vehicle, previous_bay, on_vehicle = vehicle + 1, bay, 0
            on_vehicle += 1
            ends = starts + timedelta(minutes=minutes)
            status = "completed" if starts < today else "scheduled"
            yield (
                f"S{n:011d}",
                vehicle_ids[vehicle],
                location_of[bay],
                bay,
                starts,
                ends,
                ends + timedelta(minutes=BUFFER),
                status,
                "drop_off",
                "",
                "",
                "",
                "",
                "",
                0,
                "online",
            )

    if db.engine.dialect.name == "postgresql":
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                copy_sql = f"COPY appointments ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
                    for row in rows():
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        return
    table = Appointment.__table__
    batch: list[dict[str, Any]] = []
    for row in rows():
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) == 20_000:
            db.session.execute(table.insert(), batch)
            batch.clear()
    if batch:
        db.session.execute(table.insert(), batch)
    db.session.commit()


def build(url: str, bay_counts: list[int], days: list[date], limit: int | None) -> dict:
    """The database at `url`: locations, services and 70 %-full bookings over `days`."""
    from flask_migrate import upgrade

    from autoshop.extensions import db

    app = make_app(url)
    with app.app_context():
        upgrade()
        locations = add_locations(bay_counts)
        services = add_services()
        rng = random.Random(11)
        location_of = {bay: loc for loc, bays in locations for bay in bays}
        jobs = list(generate(rng, list(location_of), days, limit))
        insert_appointments(location_of, jobs, utcnow())
        db.engine.dispose()
    return {"locations": locations, "services": services, "appointments": len(jobs)}


def add_technicians(url: str, location_id: int, count: int, days: list[date]) -> str:
    """`count` mechanics at the location, as a shop enters them: the shop's weekday hours (the
    first two also Saturdays), all but the last skilled in the category of the benchmark's
    services, the first with a whole day off and the second with an afternoon off in the month.
    Each of the location's bookings, in start order, goes to a mechanic free then (some stay
    unassigned when all are busy), so the mechanics are about as busy as the bays."""
    import uuid

    from autoshop.extensions import db
    from autoshop.models import (
        Appointment,
        Role,
        Service,
        TechnicianHours,
        TechnicianProfile,
        TechnicianTimeOff,
        User,
    )
    from autoshop.models.technicians import technician_skills

    app = make_app(url)
    with app.app_context():
        mechanic = db.session.scalar(sa.select(Role).where(Role.name == "mechanic"))
        category_id = db.session.scalar(sa.select(Service.category_id).limit(1))
        staff = []
        for i in range(count):
            user = User(
                email=f"tech{i + 1}.{location_id}@bench.example",
                fs_uniquifier=uuid.uuid4().hex,
                first_name=f"Tech{i + 1}",
                last_name="Bench",
                active=True,
                roles=[mechanic],
            )
            db.session.add(user)
            db.session.flush()
            staff.append(user.id)
            db.session.add(TechnicianProfile(user_id=user.id, location_id=location_id))
            db.session.flush()
            for weekday, intervals in HOURS.items():
                if weekday == 5 and i >= 2:
                    continue
                for opens, closes in intervals:
                    db.session.add(
                        TechnicianHours(
                            user_id=user.id,
                            weekday=weekday,
                            starts_minute=opens.hour * 60 + opens.minute,
                            ends_minute=closes.hour * 60 + closes.minute,
                        )
                    )
            if i < count - 1:
                db.session.execute(
                    technician_skills.insert().values(user_id=user.id, category_id=category_id)
                )
        off_day = datetime.combine(days[8], time(), ZONE)
        db.session.add(
            TechnicianTimeOff(
                user_id=staff[0],
                starts_at=off_day,
                ends_at=off_day + timedelta(days=1),
                reason="Day off",
            )
        )
        if count > 1:
            afternoon = datetime.combine(days[10], time(12, 30), ZONE)
            db.session.add(
                TechnicianTimeOff(
                    user_id=staff[1],
                    starts_at=afternoon,
                    ends_at=afternoon + timedelta(hours=5, minutes=30),
                    reason="Training",
                )
            )
        free_from = dict.fromkeys(staff, datetime.min.replace(tzinfo=UTC))
        assigned = []
        visits = db.session.execute(
            sa.select(Appointment.id, Appointment.starts_at, Appointment.ends_at)
            .where(Appointment.location_id == location_id)
            .order_by(Appointment.starts_at)
        )
        for appointment_id, starts_at, ends_at in visits:
            tech = next((t for t in staff if free_from[t] <= starts_at), None)
            if tech is not None:
                free_from[tech] = ends_at
                assigned.append({"aid": appointment_id, "mid": tech})
        if assigned:
            db.session.execute(
                sa.update(Appointment.__table__)
                .where(Appointment.__table__.c.id == sa.bindparam("aid"))
                .values(mechanic_id=sa.bindparam("mid")),
                assigned,
            )
        db.session.commit()
        db.engine.dispose()
    return f"{count} technicians, {len(assigned):,} of the location's visits assigned to them"


def fullness(jobs_minutes: int, bays: int, days: list[date]) -> float:
    """Booked share of open bay-time (each booking's block includes the buffer)."""
    open_minutes = sum(
        (datetime.combine(d, b) - datetime.combine(d, a)).seconds // 60
        for d in days
        for a, b in HOURS.get(d.weekday(), [])
    )
    return jobs_minutes / (bays * open_minutes)


def booked_minutes(url: str, location_id: int, start: date, end: date) -> int:
    engine = sa.create_engine(url)
    lo = datetime.combine(start, time(0), ZONE)
    hi = datetime.combine(end + timedelta(days=1), time(0), ZONE)
    from autoshop.models import Appointment

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Appointment.starts_at, Appointment.block_ends_at).where(
                Appointment.location_id == location_id,
                Appointment.starts_at >= lo,
                Appointment.starts_at < hi,
            )
        ).all()
    engine.dispose()
    return sum(int((e - s).total_seconds()) // 60 for s, e in rows)


# --- measuring -------------------------------------------------------------------------------


def spread(samples: list[float]) -> tuple[float, float, float]:
    """Median, p10 and p90 in milliseconds."""
    deciles = statistics.quantiles(samples, n=10, method="inclusive")
    return statistics.median(samples) * 1000, deciles[0] * 1000, deciles[-1] * 1000


WORKERS, THREADS = 2, 4


def serve(env: dict[str, str], port: int):
    """gunicorn as benchmarks.booking starts it, with 2 workers x 4 threads (one client here)."""
    return booking.serve(
        "autoshop.wsgi:app",
        env,
        port,
        workers=WORKERS,
        threads=THREADS,
        ready_path="/api/v1/service-categories",
    )


def measure_http(port: int, path: str, runs: int) -> tuple[tuple[float, float, float], int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    samples = []
    body = b""
    try:
        for i in range(runs + 5):
            t0 = clock.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            elapsed = clock.perf_counter() - t0
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
            if i >= 5:
                samples.append(elapsed)
    finally:
        conn.close()
    free = sum(len(d["slots"]) for d in json.loads(body)["days"])
    return spread(samples), free


def measure_service(
    url: str, location_id: int, service_id: int, month, runs: int
) -> tuple[float, float]:
    """Medians of the service call in-process: as the requests above meet it (busy time read
    once, then reused while nothing is written), and cold, as the first request after a write
    to the location's schedule meets it (the cache emptied before each call)."""
    from autoshop.services import availability as queries

    app = make_app(url)
    samples: dict[bool, list[float]] = {False: [], True: []}
    with app.app_context():
        now = utcnow()
        for cold in (False, True):
            for _ in range(runs + 2):
                if cold:
                    queries.busy_cache.clear()
                t0 = clock.perf_counter()
                queries.find_availability([service_id], *month, now=now, location_id=location_id)
                samples[cold].append(clock.perf_counter() - t0)
        from autoshop.extensions import db

        db.engine.dispose()
    return (
        statistics.median(samples[False][2:]) * 1000,
        statistics.median(samples[True][2:]) * 1000,
    )


def server_env(url: str, baseline: str | None = None) -> dict[str, str]:
    path = pythonpath() if baseline is None else os.pathsep.join([baseline, pythonpath()])
    return {
        **os.environ,
        "DATABASE_URL": url,
        "AUTOSHOP_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-0000",
        "RATELIMIT_ENABLED": "false",
        "PYTHONPATH": path,
    }


def measure(
    url: str,
    shop: dict,
    which: list[tuple[str, int]],
    month: tuple[date, date],
    runs: int,
    baseline: str | None = None,
) -> list[dict]:
    """HTTP (gunicorn) and the service call for each (label, location) and service; with a
    baseline, the same requests to a server running that code, just before each of ours."""
    port = free_port()
    server = serve(server_env(url), port)
    other = None
    if baseline is not None:
        other_port = free_port()
        other = serve(server_env(url, baseline), other_port)
    results = []
    try:
        for label, location_id in which:
            bays = next(len(b) for loc, b in shop["locations"] if loc == location_id)
            for minutes, service_id in zip(SERVICE_MINUTES, shop["services"], strict=True):
                path = (
                    f"/api/v1/availability?services={service_id}&location={location_id}"
                    f"&start={month[0]}&end={month[1]}"
                )
                before = measure_http(other_port, path, runs) if other is not None else None
                (median, p10, p90), free = measure_http(port, path, runs)
                if before is not None and before[1] != free:
                    raise RuntimeError(f"{path}: {free} free starts, the baseline {before[1]}")
                service_ms, cold_ms = measure_service(url, location_id, service_id, month, runs)
                results.append(
                    {
                        "label": label,
                        "bays": bays,
                        "minutes": minutes,
                        "free": free,
                        "median": median,
                        "p10": p10,
                        "p90": p90,
                        "service": service_ms,
                        "cold": cold_ms,
                        "before": before[0] if before is not None else None,
                    }
                )
                print(results[-1], flush=True)
    finally:
        for process in (server, other):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    return results


# --- the run ---------------------------------------------------------------------------------


def run(
    *,
    engines: list[str],
    runs: int,
    chain_appointments: int,
    chain_locations: int = 50,
    bay_counts: tuple[int, ...] = (8, 32, 128),
    technicians: int = 0,
    server_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    database_prefix: str = "autoshop_bench",
    baseline: str | None = None,
) -> dict:
    today = utcnow().astimezone(ZONE).date()
    month = month_ahead(today)
    days = [month[0] + timedelta(days=i) for i in range((month[1] - month[0]).days + 3)]
    rows: list[dict] = []
    notes: list[str] = []
    for name in engines:
        t0 = clock.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            if name == "postgresql":
                db_name = f"{database_prefix}_scale"
                url = prepare_database(server_url, db_name)
            else:
                db_name, url = "", f"sqlite:///{Path(tmp) / 'scale.sqlite3'}"
            try:
                # With technicians: one more 8-bay location, whose mechanics are capacity too.
                counts = list(bay_counts) + ([8] if technicians else [])
                shop = build(url, counts, days, None)
                labels = [f"{n} bays" for n in bay_counts]
                if technicians:
                    labels.append(f"8 bays, {technicians} technicians")
                    tech_location = shop["locations"][-1][0]
                    note = add_technicians(url, tech_location, technicians, days)
                    notes.append(f"{name}, 8 bays with technicians: {note}")
                built = clock.perf_counter() - t0
                for loc, bays in shop["locations"]:
                    full = fullness(booked_minutes(url, loc, *month), len(bays), days[:30])
                    notes.append(f"{name}, {len(bays)} bays: {full:.0%} of open bay-time booked")
                made = shop["appointments"]
                notes.append(f"{name}: {made:,} appointments built in {built:.0f} s")
                which = [
                    (label, loc) for label, (loc, _) in zip(labels, shop["locations"], strict=True)
                ]
                for r in measure(url, shop, which, month, runs, baseline):
                    rows.append({"engine": name, **r})
            finally:
                if name == "postgresql":
                    drop_database(server_url, db_name)
    if chain_appointments and "postgresql" in engines:
        db_name = f"{database_prefix}_chain"
        url = prepare_database(server_url, db_name)
        try:
            per_bay = chain_appointments // (chain_locations * 8)
            # Enough days back for `per_bay` bookings a bay (about 5 a bay-day at 70 %).
            back = int(per_bay / 5 * 7 / 6) + 40
            chain_days = [month[1] + timedelta(days=2 - i) for i in range(back)]
            t0 = clock.perf_counter()
            shop = build(url, [8] * chain_locations, chain_days, per_bay)
            notes.append(
                f"chain: {chain_locations} locations x 8 bays, {shop['appointments']:,} "
                f"appointments from {min(chain_days)} on, "
                f"built in {clock.perf_counter() - t0:.0f} s"
            )
            middle = shop["locations"][len(shop["locations"]) // 2][0]
            which = [(f"chain of {chain_locations}, one location's 8 bays", middle)]
            for r in measure(url, shop, which, month, runs, baseline):
                rows.append({"engine": "postgresql", **r})
        finally:
            drop_database(server_url, db_name)
    return {"rows": rows, "notes": notes, "month": month}


def table(result: dict) -> str:
    rows = result["rows"]
    compared = any(r["before"] for r in rows)
    lines = [
        "| engine | shop | service | free starts | HTTP median | HTTP p10–p90 "
        "| service call (median) | service call after a write | HTTP per bay-month |"
        + (" baseline HTTP median (p10–p90) |" if compared else ""),
        "|---|---|---|---|---|---|---|---|---|" + ("---|" if compared else ""),
    ]
    for r in rows:
        line = (
            f"| {r['engine']} | {r['label']} | {r['minutes']} min | {r['free']:,} "
            f"| {r['median']:.1f} ms | {r['p10']:.1f}–{r['p90']:.1f} ms "
            f"| {r['service']:.1f} ms | {r['cold']:.1f} ms | {r['median'] / r['bays']:.2f} ms |"
        )
        if compared:
            b_median, b_p10, b_p90 = r["before"]
            line += f" {b_median:.1f} ms ({b_p10:.1f}–{b_p90:.1f}) |"
        lines.append(line)
    lines.append("")
    base = {
        (r["engine"], r["minutes"]): r for r in rows if r["label"] == "8 bays" and r["bays"] == 8
    }
    for r in rows:
        b = base.get((r["engine"], r["minutes"]))
        if b is None or r is b:
            continue
        per_bay = (r["median"] / r["bays"]) / (b["median"] / b["bays"])
        lines.append(
            f"- {r['engine']}, {r['label']}, {r['minutes']} min: {r['median'] / b['median']:.2f}x "
            f"the 8-bay shop's time, {per_bay:.2f}x its time per bay-month"
        )
    lines.append("")
    lines.extend(f"- {n}" for n in result["notes"])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--chain-appointments", type=int, default=1_000_000)
    parser.add_argument(
        "--technicians", type=int, default=5, help="mechanics of the extra 8-bay shop (0: none)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: 8 and 16 bays, a 3-location chain"
    )
    parser.add_argument("--write", type=Path, help="rewrite this PERFORMANCE.md's scale block")
    parser.add_argument(
        "--baseline-src", help="another checkout's src/ to measure beside this one (same data)"
    )
    args = parser.parse_args()
    options: dict[str, Any] = {
        "engines": args.engines.split(","),
        "runs": args.runs,
        "chain_appointments": args.chain_appointments,
        "technicians": args.technicians,
        "server_url": args.database_url,
        "baseline": args.baseline_src,
    }
    if args.quick:
        options |= {"runs": 3, "chain_appointments": 2_000, "chain_locations": 3}
        options |= {"bay_counts": (8, 16)}
    result = run(**options)
    text = table(result)
    print(text)
    if args.write:
        page = args.write.read_text()
        begin, end = "<!-- availability-scale:begin -->", "<!-- availability-scale:end -->"
        month = result["month"]
        block = (
            f"{begin}\nMeasured {utcnow().date().isoformat()} with `make bench` "
            f"(month {month[0]}..{month[1]}, {options['runs']} requests a row after 5 "
            f"warm-up ones, gunicorn gthread 2 workers x 4 threads):\n\n{text}\n{end}"
        )
        if begin in page:
            page = page[: page.index(begin)] + block + page[page.index(end) + len(end) :]
        else:
            page += "\n" + block + "\n"
        args.write.write_text(page)


if __name__ == "__main__":
    main()
