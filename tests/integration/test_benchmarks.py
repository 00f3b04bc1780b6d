"""The benchmarks still run at tiny sizes: make bench is not in CI, so this keeps it working."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_DATABASE_URL


def test_the_availability_benchmark_runs():
    from benchmarks.__main__ import run

    result = run(history=200, runs=2, future=400)
    assert result["selects"] <= 5
    assert result["engine_ms"] > 0 and result["http_ms"] > 0


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
