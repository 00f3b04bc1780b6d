"""Where a booking request spends its time: the JSON booking endpoint in-process (Flask test
client) on PostgreSQL, under cProfile, with the SQL statements each request runs.

    python -m benchmarks.booking_profile [--database-url URL] [--requests 300] [--top 25]
                                         [--database-name autoshop_bench_booking_profile]

Books the same mix as benchmarks.booking (random starts over four days, most of them taken
once the days fill up) and prints, for booked (201) and taken (409) answers apart, the mean
time and statements per request, then the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import random
import statistics
import time as clock
from collections import defaultdict
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from benchmarks.booking import ZONE, drop_database, prepare_database, seed

DB_NAME = "autoshop_bench_booking_profile"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--database-name", default=DB_NAME)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--show-sql", action="store_true", help="Print the statements of one booking."
    )
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="Time the requests without cProfile (whose overhead inflates Python-heavy code).",
    )
    args = parser.parse_args()

    from autoshop import create_app
    from autoshop.extensions import db

    url = prepare_database(args.database_url, args.database_name)
    try:
        service_id, first_day = seed(url)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "AUTOSHOP_ENV": "testing",
                "SECRET_KEY": "bench-secret-key-0000",
                "RATELIMIT_ENABLED": False,
            }
        )
        starts = [
            datetime.combine(first_day + timedelta(days=d), time(7), ZONE)
            + timedelta(minutes=15 * k)
            for d in range(4)
            for k in range(46)
        ]
        statements = [0]
        shown: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:
            statements[0] += 1
            shown.append(" ".join(statement.split())[:160])

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
        logging.getLogger("autoshop.access").setLevel(logging.WARNING)
        client = app.test_client()
        rng = random.Random(1)
        times: dict[int, list[float]] = defaultdict(list)
        counts: dict[int, list[int]] = defaultdict(list)
        aggregated: dict[int, pstats.Stats] = {}
        for i in range(args.requests):
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
            before = statements[0]
            shown.clear()
            profile = cProfile.Profile()
            started = clock.perf_counter()
            if not args.no_profile:
                profile.enable()
            response = client.post("/api/v1/appointments", json=body)
            profile.disable()
            elapsed = clock.perf_counter() - started
            status = response.status_code
            if status not in (201, 409) and status not in times:
                print(status, response.get_data(as_text=True)[:500])
            if args.show_sql and status == 201 and 201 not in times:
                print("The statements of one booking:", *shown, sep="\n  ")
            times[status].append(elapsed)
            counts[status].append(statements[0] - before)
            if args.no_profile:
                pass
            elif status in aggregated:
                aggregated[status].add(profile)
            else:
                aggregated[status] = pstats.Stats(profile)
        for status in sorted(times):
            n = len(times[status])
            print(
                f"{status}: {n} requests, mean {1000 * sum(times[status]) / n:.1f} ms, "
                f"median {1000 * statistics.median(times[status]):.1f} ms, "
                f"{sum(counts[status]) / n:.1f} SQL statements each"
            )
        for status, stats in sorted(aggregated.items()):
            print(f"\n--- {status}: cumulative time ---")
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
    finally:
        drop_database(args.database_url, args.database_name)


if __name__ == "__main__":
    main()
