"""Use cases: the one layer that opens transactions and commits."""
