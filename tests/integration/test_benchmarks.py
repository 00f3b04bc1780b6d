"""The benchmarks still run at tiny sizes: make bench is not in CI, so this keeps it working."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_DATABASE_URL


def test_the_availability_benchmark_runs():
    from benchmarks.__main__ import run

    result = run(history=200, runs=2, future=400)
    assert result["selects"] <= 5
    assert result["engine_ms"] > 0 and result["http_ms"] > 0


def test_the_scale_benchmark_runs_on_sqlite():
    from benchmarks.scale import run, table

    result = run(engines=["sqlite"], runs=2, chain_appointments=0, bay_counts=(2, 4), technicians=2)
    rows = result["rows"]
    assert [(r["bays"], r["minutes"]) for r in rows] == [
        (b, m) for b in (2, 4, 8) for m in (15, 60, 120)
    ]
    bays_only, with_people = rows[:6], rows[6:]
    assert all(r["free"] > 0 and r["median"] > 0 and r["p10"] <= r["p90"] for r in bays_only)
    # Longer visits fit fewer starts into a month 70 % full.
    assert bays_only[0]["free"] > bays_only[1]["free"] > bays_only[2]["free"]
    assert "| sqlite | 4 bays | 60 min |" in table(result)
    # Two mechanics (one skilled) for eight bays 70 % full: eight bays alone would leave more
    # quarter-hour starts than four; the one skilled mechanic's gaps leave fewer.
    assert all(r["label"] == "8 bays, 2 technicians" for r in with_people)
    assert 0 < with_people[0]["free"] < bays_only[3]["free"]
    assert any("visits assigned to them" in note for note in result["notes"])


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="the chain needs PostgreSQL")
def test_the_scale_benchmark_runs_a_chain_on_postgresql():
    from benchmarks.scale import run

    # Its own databases beside the test database (several worktrees share the server).
    server, name = TEST_DATABASE_URL.rsplit("/", 1)
    result = run(
        engines=["postgresql"],
        runs=2,
        chain_appointments=600,
        chain_locations=3,
        bay_counts=(2,),
        server_url=server.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
        database_prefix=name,
    )
    labels = [r["label"] for r in result["rows"]]
    assert labels == ["2 bays"] * 3 + ["chain of 3, one location's 8 bays"] * 3
    assert any("600 appointments" in note for note in result["notes"])


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="the contention run needs PostgreSQL")
def test_the_contention_benchmark_runs():
    from benchmarks.contention import run

    # Its own database beside the test database (several worktrees share the server).
    name = TEST_DATABASE_URL.rsplit("/", 1)[1] + "_contention"
    figures = run(
        server_url=TEST_DATABASE_URL, requests=12, clients=6, starts=1, database_name=name
    )
    answered = figures["booked"] + figures["taken"] + figures["server_errors"]
    assert answered + sum(figures["other"].values()) == 12
    assert figures["booked"] == figures["stored"] <= figures["capacity"] == 8
    assert figures["doubles"] == 0
    assert figures["retry_replayed"] == figures["booked"]
    assert figures["new_from_retries"] == 0


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="the booking run needs PostgreSQL")
def test_the_booking_benchmark_runs_with_its_floor():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # Its own database beside the test database (several worktrees share the server).
    name = TEST_DATABASE_URL.rsplit("/", 1)[1] + "_booking"
    command = [sys.executable, "-m", "benchmarks.booking", "--requests", "40", "--clients", "4"]
    command += ["--database-url", TEST_DATABASE_URL, "--database-name", name]
    out = subprocess.run(
        command,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    assert "| double bookings found afterwards | 0 |" in out
    assert "| booking requests/s ÷ bare route requests/s |" in out
    for statements in (12, 5):
        assert f"| floor: a route running only {statements} `SELECT 1` in a transaction |" in out
