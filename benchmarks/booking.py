"""Booking under load: 100 concurrent HTTP clients booking on PostgreSQL through gunicorn.

Reports bookings per second (201s) beside the request rate of a bare Flask route served the
same way, and counts double bookings left in the database afterwards (must be 0).

    python -m benchmarks.booking [--database-url URL] [--requests 3000] [--clients 100]
                                 [--database-name autoshop_bench_booking]

It creates (and drops afterwards) its own database, `autoshop_bench_booking` unless
--database-name says otherwise, on the server of --database-url (default: the local PostgreSQL).
The ratio the target is set on is booking requests/s over the bare route's, both measured in
the same run (the bare route before and after the bookings, their mean). Two rows after it give
the floor under that ratio on this machine: routes that do nothing but run a booking's and a
refusal's number of statements (`SELECT 1`), served the same way (benchmarks/floor_app.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from autoshop.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("America/New_York")
DB_NAME = "autoshop_bench_booking"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(server_url: str, name: str = DB_NAME) -> str:
    admin = sa.create_engine(
        server_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, name: str = DB_NAME) -> None:
    admin = sa.create_engine(
        server_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def seed(url: str) -> tuple[int, date]:
    from autoshop import create_app
    from autoshop.domain.choices import Capability, PriceKind
    from autoshop.extensions import db
    from autoshop.models import Bay, Location, OpeningHours, Service, ServiceCategory

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTOSHOP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-0000",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        location = Location(
            name="Bench Auto", timezone="America/New_York", minimum_notice_minutes=0
        )
        db.session.add(location)
        for day in range(7):
            db.session.add(
                OpeningHours(location=location, weekday=day, opens=time(7), closes=time(19))
            )
        lift = [Capability.LIFT.value, Capability.GENERAL.value]
        db.session.add_all(
            [Bay(location=location, name=f"Lift {i}", capabilities=lift) for i in range(8)]
        )
        service = Service(
            category=ServiceCategory(name="Bench"),
            name="Oil change",
            duration_minutes=30,
            price_kind=PriceKind.FIXED,
            price_min_cents=5000,
            price_max_cents=5000,
            capability=Capability.LIFT,
        )
        db.session.add(service)
        db.session.commit()
        today = utcnow().astimezone(ZONE).date()
        return service.id, today + timedelta(days=1)


def server_pythonpath() -> str:
    """The app's code for the server's processes, ahead of what the caller's path already has
    (e.g. `make test-future-date`'s sitecustomize, which the server needs as much as the tests)."""
    inherited = os.environ.get("PYTHONPATH", "")
    parts = [str(ROOT / "src"), str(ROOT)]
    parts += [str((ROOT / p).resolve()) for p in inherited.split(os.pathsep) if p]
    return os.pathsep.join(parts)


def serve(
    app_path: str,
    env: dict[str, str],
    port: int,
    *,
    workers: int = 4,
    threads: int = 8,
    ready_path: str = "/",
) -> subprocess.Popen:
    """gunicorn (gthread) serving `app_path`, returned once a worker answers `ready_path`."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app_path,
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    # Ready when the app answers, not when the port is bound: gunicorn binds before its workers
    # have imported the app, which can take many seconds on a loaded machine.
    deadline = clock.monotonic() + 300
    while clock.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", ready_path)
            conn.getresponse().read()
            return process
        except OSError:
            clock.sleep(0.2)
        finally:
            conn.close()  # also when the app isn't up yet: no socket left to the collector
    process.kill()
    raise RuntimeError("the server did not start")


def hammer(port: int, clients: int, total: int, make_request) -> tuple[float, dict[int, int]]:
    counts: dict[int, int] = {}
    lock = threading.Lock()
    remaining = [total]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        rng = random.Random(n)
        try:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                    i = remaining[0]
                method, path, body = make_request(rng, i)
                headers = {"Content-Type": "application/json"} if body is not None else {}
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                with lock:
                    counts[response.status] = counts.get(response.status, 0) + 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = clock.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clock.perf_counter() - start, counts


def double_bookings(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        overlapping = conn.exec_driver_sql(
            "SELECT count(*) FROM appointments a JOIN appointments b ON a.bay_id = b.bay_id "
            "AND a.id < b.id AND a.starts_at < b.block_ends_at AND b.starts_at < a.block_ends_at "
            "WHERE a.status = 'scheduled' AND b.status = 'scheduled'"
        ).scalar()
    engine.dispose()
    return overlapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument(
        "--database-name",
        default=DB_NAME,
        help="The scratch database to create and drop (one per person running it at once).",
    )
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    url = prepare_database(args.database_url, args.database_name)
    try:
        service_id, first_day = seed(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "AUTOSHOP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-0000",
            "RATELIMIT_ENABLED": "false",
            "PYTHONPATH": server_pythonpath(),
        }
        # Starts every 15 minutes over four days: ~8 bays x 4 x 48 = 1,536 free bay-slots,
        # so the 3,000 attempts collide often, as on a busy booking day.
        starts = [
            datetime.combine(first_day + timedelta(days=d), time(7), ZONE)
            + timedelta(minutes=15 * k)
            for d in range(4)
            for k in range(46)
        ]

        def booking_request(rng: random.Random, i: int):
            body = {
                "services": [service_id],
                "start": rng.choice(starts).isoformat(),
                "vehicle": {"year": 2020, "make": "Bench", "model": f"Car {i}"},
                "guest": {
                    "name": f"Client {i}",
                    "email": f"c{i}@example.com",
                    "phone": "+12015550100",
                },
            }
            return "POST", "/api/v1/appointments", json.dumps(body)

        def route_rate(app_path: str, **extra: str) -> float:
            """A GET route's requests/s, the same number of requests from as many clients."""
            port = free_port()
            route = serve(app_path, {**env, **extra}, port)
            try:
                # Warmed up first: every worker thread has its connection and compiled code.
                hammer(port, args.clients, args.requests // 10, lambda rng, i: ("GET", "/", None))
                elapsed, counts = hammer(
                    port, args.clients, args.requests, lambda rng, i: ("GET", "/", None)
                )
            finally:
                route.terminate()
                route.wait(timeout=30)
            return counts.get(200, 0) / elapsed

        def bare_route() -> float:
            return route_rate("benchmarks.bare_app:app")

        # The bare route before and after the bookings: on a machine shared with other work the
        # load changes during a long booking run, and a single short bare run would catch only
        # one moment of it. The ratio uses their mean.
        bare_before = bare_route()
        port = free_port()
        server = serve("autoshop.wsgi:app", env, port)
        try:
            elapsed, counts = hammer(port, args.clients, args.requests, booking_request)
        finally:
            server.terminate()
            server.wait(timeout=30)
        booked = counts.get(201, 0)
        # The floor: routes that only run as many trivial statements as a booking (12) and a
        # refusal (5) do, in one transaction each (benchmarks/floor_app.py).
        floors = {
            n: route_rate("benchmarks.floor_app:app", FLOOR_STATEMENTS=str(n)) for n in (12, 5)
        }
        bare_after = bare_route()
        doubles = double_bookings(url)
    finally:
        drop_database(args.database_url, args.database_name)

    booking_rate = args.requests / elapsed
    bare_rate = (bare_before + bare_after) / 2
    table = "\n".join(
        [
            "| what | figure |",
            "|---|---|",
            f"| booking attempts ({args.clients} clients) | {args.requests} in {elapsed:.1f} s: "
            f"{booking_rate:.0f} requests/s |",
            f"| bookings made (201) | {booked}: {booked / elapsed:.0f} bookings/s |",
            f"| answered taken (409) | {counts.get(409, 0)}: "
            f"{counts.get(409, 0) / elapsed:.0f} refusals/s |",
            f"| other answers | { {k: v for k, v in counts.items() if k not in (201, 409)} } |",
            f"| bare Flask route, same server (before, after the bookings) | "
            f"{bare_rate:.0f} requests/s ({bare_before:.0f}, {bare_after:.0f}) |",
            f"| booking requests/s ÷ bare route requests/s | {booking_rate / bare_rate:.0%} |",
            *(
                f"| floor: a route running only {n} `SELECT 1` in a transaction | "
                f"{rate:.0f} requests/s: {rate / bare_rate:.0%} of the bare route |"
                for n, rate in floors.items()
            ),
            f"| double bookings found afterwards | {doubles} |",
            f"| machine load (1-minute load average, before and after) | "
            f"{load_before:.1f}, {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores |",
        ]
    )
    print(table)
    if args.write:
        text = args.write.read_text()
        begin, end = "<!-- booking:begin -->", "<!-- booking:end -->"
        block = (
            f"{begin}\nMeasured {utcnow().date().isoformat()} with `python -m benchmarks.booking` "
            f"(PostgreSQL, gunicorn 4 workers x 8 threads, {args.clients} clients):\n\n"
            f"{table}\n{end}"
        )
        if begin in text:
            text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
        else:
            text += "\n" + block + "\n"
        args.write.write_text(text)
    if doubles:
        raise SystemExit(f"{doubles} double bookings found")


if __name__ == "__main__":
    main()
