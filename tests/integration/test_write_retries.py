"""run_write(): a transaction that loses to a concurrent one (deadlock, serialization failure,
lock timeout on PostgreSQL) is run again from the start, a bounded number of times, and then
answered as a conflict (409), never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from autoshop.extensions import db
from autoshop.models import Bay
from autoshop.services.transactions import ATTEMPTS, Contended, run_write


class _Deadlock(Exception):
    sqlstate = "40P01"


def _lost_race() -> OperationalError:
    return OperationalError("INSERT ...", {}, _Deadlock("deadlock detected"))


def test_a_transient_conflict_is_retried_from_the_start(factories):
    location = factories.location()
    calls = []

    def work(session):
        calls.append(1)
        bay = session.get(Bay, location.bays[0].id)
        bay.name = f"Lift renamed {len(calls)}"
        session.flush()
        if len(calls) == 1:
            raise _lost_race()  # what the first attempt wrote is rolled back
        return bay.name

    assert run_write(work) == "Lift renamed 2"
    db.session.expire_all()
    assert db.session.get(Bay, location.bays[0].id).name == "Lift renamed 2"
    assert len(calls) == 2


def test_a_conflict_that_keeps_coming_back_ends_as_contended(factories):
    location = factories.location()
    before = location.bays[0].name
    calls = []

    def work(session):
        calls.append(1)
        session.get(Bay, location.bays[0].id).name = "never saved"
        session.flush()
        raise _lost_race()

    with pytest.raises(Contended):
        run_write(work)
    assert len(calls) == ATTEMPTS
    db.session.expire_all()
    assert db.session.scalar(sa.select(Bay.name).where(Bay.id == location.bays[0].id)) == before


def test_other_database_errors_are_not_retried(factories):
    calls = []

    def work(session):
        calls.append(1)
        session.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(sa.exc.DBAPIError):
        run_write(work)
    assert len(calls) == 1
