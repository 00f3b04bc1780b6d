"""The benchmarks still run at tiny sizes: make bench is not in CI, so this keeps it working."""

from __future__ import annotations


def test_the_availability_benchmark_runs():
    from benchmarks.__main__ import run

    result = run(history=200, runs=2, future=400)
    assert result["selects"] <= 5
    assert result["engine_ms"] > 0 and result["http_ms"] > 0
