"""Racing writers for real: threads with their own connections (PostgreSQL), or processes
against one database file (SQLite), released together; each racer's outcome as a word.

    outcomes = race_threads(app, [lambda n=n: booking.book(req(n), now=NOW) for n in range(30)])
    outcomes = race_processes(database_url, book_one, [(service_id, n) for n in range(6)])

An outcome is "booked" (the job returned), what `outcome_of` makes of the exception it raised
("taken" for a refused start by default), or "error: ..." for anything else: a test asserting
the counts of the expected words reports the unexpected one.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask

from autoshop.extensions import db
from autoshop.services.booking import SlotTaken

Job = Callable[[], Any]


def refused_as_taken(exc: Exception) -> str | None:
    """The default reading of a refusal: a start taken (or a cap reached) is "taken"."""
    return "taken" if isinstance(exc, SlotTaken) else None


def refused_by_kind(exc: Exception) -> str | None:
    """A refused start by its kind ("taken", "waiting-room-full", "drop-offs-full")."""
    return exc.kind if isinstance(exc, SlotTaken) else None


def outcome(job: Job, outcome_of: Callable[[Exception], str | None] = refused_as_taken) -> str:
    try:
        job()
    except Exception as exc:  # an unexpected one is reported as an error outcome
        return outcome_of(exc) or f"error: {exc!r}"
    return "booked"


def race_threads(
    app: Flask,
    jobs: Sequence[Job],
    *,
    outcome_of: Callable[[Exception], str | None] = refused_as_taken,
    timeout: float = 120,
) -> list[str]:
    """Run each job in a thread of its own with an app context of its own (its own session and
    connection), all released at once by a barrier."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job: Job) -> None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                result = outcome(job, outcome_of)
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes


def _in_a_new_app(
    url: str,
    job: Callable[..., Any],
    args: tuple[Any, ...],
    outcome_of: Callable[[Exception], str | None],
    results: Any,
) -> None:
    from autoshop import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        results.put(outcome(lambda: job(*args), outcome_of))


def race_processes(
    url: str,
    job: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    *,
    outcome_of: Callable[[Exception], str | None] = refused_as_taken,
    timeout: float = 120,
) -> list[str]:
    """`job(*args)` for each of `arguments`, each in a process of its own (spawned: its own app
    and connection) against the database at `url`. `job` and `outcome_of` must be module-level
    functions (they are sent to the processes by name)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=_in_a_new_app, args=(url, job, args, outcome_of, results))
        for args in arguments
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return outcomes
