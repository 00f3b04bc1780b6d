"""Contention: 200 bookings from 100 clients over 5 starts, on PostgreSQL through gunicorn.

Every answer must be 201 (booked) or 409 (taken, with alternatives): the report counts 201s,
409s and 5xx, the appointments stored (must equal the 201s), and the double bookings found
afterwards (must be 0). The shop has 8 bays, so the 5 starts hold 40 visits and most requests
lose a race. Each request carries its own Idempotency-Key; afterwards every client sends its
requests again with the same keys, and no retry may book anything new.

    python -m benchmarks.contention [--database-url URL] [--requests 200] [--clients 100]
                                    [--starts 5] [--write docs/PERFORMANCE.md]

It creates (and drops afterwards) its own database, `autoshop_bench_contention` (or
--database-name), on the server of --database-url (default: the local PostgreSQL). It exits
with status 1 when an answer was 5xx or a double booking was found, after printing the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time as clock
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.booking import (
    ZONE,
    double_bookings,
    drop_database,
    free_port,
    prepare_database,
    seed,
    serve,
    server_pythonpath,
)

DB_NAME = "autoshop_bench_contention"
BAYS = 8  # what benchmarks.booking.seed() builds
BEGIN, END = "<!-- contention:begin -->", "<!-- contention:end -->"


@dataclass
class Tally:
    """Answers by status, and how many of them said they were replays of a stored answer."""

    statuses: dict[int, int] = field(default_factory=dict)
    replayed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, replayed: bool) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.replayed += replayed

    def count(self, low: int, high: int | None = None) -> int:
        high = low + 1 if high is None else high
        return sum(n for status, n in self.statuses.items() if low <= status < high)


def burst(port: int, clients: int, requests: list[tuple[str, str]]) -> tuple[float, Tally]:
    """Client n sends requests n, n + clients, ... over one keep-alive connection; all clients
    start together (a barrier), so the first wave hits the server at once."""
    tally = Tally()
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        for key, body in requests[n::clients]:
            headers = {"Content-Type": "application/json", "Idempotency-Key": key}
            try:
                conn.request("POST", "/api/v1/appointments", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                replayed = response.getheader("Idempotent-Replayed") == "true"
            except (OSError, http.client.HTTPException):
                conn.close()  # the connection broke: count it as a server failure
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, replayed = 599, False
            tally.add(status, replayed)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = clock.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return clock.perf_counter() - started, tally


def warm_up(port: int, connections: int = 16, rounds: int = 4) -> None:
    """Wait until the app answers, then keep several connections busy for a moment, so the
    gunicorn workers have imported the app before the burst is timed."""
    deadline = clock.monotonic() + 60
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status < 500:
                break
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        if clock.monotonic() > deadline:
            raise RuntimeError("the app did not answer within a minute")
        clock.sleep(0.2)

    def poke() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(rounds):
            conn.request("GET", "/api/v1/health")
            conn.getresponse().read()
            conn.close()

    threads = [threading.Thread(target=poke) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def stored_appointments(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.exec_driver_sql(
            "SELECT count(*) FROM appointments WHERE status = 'scheduled'"
        ).scalar()
    engine.dispose()
    return int(count or 0)


def run(
    *,
    server_url: str,
    requests: int = 200,
    clients: int = 100,
    starts: int = 5,
    database_name: str = DB_NAME,
) -> dict[str, object]:
    """The contention run; returns its figures."""
    for prefix in ("postgresql://", "postgres://"):  # the driver the app uses
        if server_url.startswith(prefix):
            server_url = "postgresql+psycopg://" + server_url.removeprefix(prefix)
    url = prepare_database(server_url, database_name)
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
        # An hour apart, so the 30-minute visit and its buffer never reach the next start.
        times = [
            datetime.combine(first_day, time(9), ZONE) + timedelta(hours=h) for h in range(starts)
        ]
        bodies = [
            (
                f"contention-{i:05d}",
                json.dumps(
                    {
                        "services": [service_id],
                        "start": times[i % starts].isoformat(),
                        "vehicle": {"year": 2020, "make": "Bench", "model": f"Car {i}"},
                        "guest": {
                            "name": f"Client {i}",
                            "email": f"c{i}@example.com",
                            "phone": "+12015550100",
                        },
                    }
                ),
            )
            for i in range(requests)
        ]
        port = free_port()
        phase = clock.perf_counter()
        server = serve("autoshop.wsgi:app", env, port)
        try:
            warm_up(port)
            print(f"server up in {clock.perf_counter() - phase:.1f} s", file=sys.stderr)
            elapsed, first = burst(port, clients, bodies)
            stored = stored_appointments(url)
            _retry_elapsed, retry = burst(port, clients, bodies)
            stored_after_retries = stored_appointments(url)
        finally:
            phase = clock.perf_counter()
            server.terminate()
            server.wait(timeout=60)
            print(f"server stopped in {clock.perf_counter() - phase:.1f} s", file=sys.stderr)
        doubles = double_bookings(url)
    finally:
        drop_database(server_url, database_name)
    return {
        "requests": requests,
        "clients": clients,
        "starts": starts,
        "capacity": BAYS * starts,
        "seconds": elapsed,
        "booked": first.count(201),
        "taken": first.count(409),
        "server_errors": first.count(500, 600),
        "other": {
            k: v for k, v in sorted(first.statuses.items()) if k not in (201, 409) and k < 500
        },
        "stored": stored,
        "doubles": doubles,
        "retry_replayed": retry.replayed,
        "retry_taken": retry.count(409),
        "retry_server_errors": retry.count(500, 600),
        "new_from_retries": stored_after_retries - stored,
    }


def table(f: dict[str, object]) -> str:
    return "\n".join(
        [
            "| what | figure |",
            "|---|---|",
            f"| booking attempts | {f['requests']} from {f['clients']} clients over "
            f"{f['starts']} start{'s' if f['starts'] != 1 else ''} "
            f"(room for {f['capacity']}) in {f['seconds']:.1f} s |",
            f"| booked (201) | {f['booked']} |",
            f"| taken (409) | {f['taken']} |",
            f"| server errors (5xx, must be 0) | {f['server_errors']} |",
            f"| other answers | {f['other'] or 'none'} |",
            f"| appointments stored (must equal the 201s) | {f['stored']} |",
            f"| double bookings found afterwards (must be 0) | {f['doubles']} |",
            f"| every request again with its Idempotency-Key | {f['retry_replayed']} replayed, "
            f"{f['retry_taken']} taken, {f['retry_server_errors']} × 5xx; "
            f"{f['new_from_retries']} new appointments (must be 0) |",
        ]
    )


def write_block(path: Path, text_table: str, when: str) -> None:
    text = path.read_text()
    block = (
        f"{BEGIN}\nMeasured {when} with `make bench` "
        "(PostgreSQL, gunicorn 4 workers x 8 threads):\n\n"
        f"{text_table}\n{END}"
    )
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text += "\n" + block + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--database-name", default=DB_NAME)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()

    figures = run(
        server_url=args.database_url,
        requests=args.requests,
        clients=args.clients,
        starts=args.starts,
        database_name=args.database_name,
    )
    text_table = table(figures)
    print(text_table)
    if args.write:
        from autoshop.timeutil import utcnow

        write_block(args.write, text_table, utcnow().date().isoformat())
    failures = []
    if figures["server_errors"] or figures["retry_server_errors"]:
        failures.append("answers were 5xx")
    if figures["doubles"] or figures["new_from_retries"]:
        failures.append("bays or keys were booked twice")
    if figures["stored"] != figures["booked"]:
        failures.append("the stored appointments don't match the 201s")
    if failures:
        raise SystemExit("contention: " + "; ".join(failures))


if __name__ == "__main__":
    main()
