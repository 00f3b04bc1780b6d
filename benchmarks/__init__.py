"""`make bench`: figures for docs/PERFORMANCE.md (benchmarks, never timed tests)."""
