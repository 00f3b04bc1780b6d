"""schemathesis against the generated OpenAPI: no 5xx and no response that breaks its schema,
for every availability, catalog and booking operation (anonymous, as most customers arrive).

All of schemathesis' checks run except "schema-valid data must be accepted": a well-formed
request for a service id that doesn't exist or a time already taken is rightly a 4xx here.

The document states the bounds of domain/bounds.py (minimum/maximum, lengths, single-line and
year patterns), so the fuzzing covers them twice: inside them (positive mode) nothing may fail on
our side, and outside them (negative mode) every request must be refused with a 4xx.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from autoshop.domain import bounds
from autoshop.domain.choices import Capability

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
EXAMPLES = 40


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_errors_and_keeps_its_schema(app, factories, mode):
    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    location = factories.location(bays=[("Lift 1", lift), ("Rack", ["alignment", *lift])])
    factories.service("Oil change", duration_minutes=30)
    factories.service("Alignment", duration_minutes=90, capability=Capability.ALIGNMENT)
    factories.appointment(location=location, starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC))
    app.config["RATELIMIT_ENABLED"] = False
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert {
        "GET /api/v1/availability",
        "POST /api/v1/appointments",
        "POST /api/v1/appointments/{reference}/reschedule",
        "POST /api/v1/appointments/{reference}/cancel",
    } <= labels

    fuzzed: set[str] = set()
    for operation in operations:
        takes_input = any(
            len(part) for part in (operation.query, operation.body, operation.path_parameters)
        )
        if mode is GenerationMode.NEGATIVE and not takes_input:
            continue  # nothing a client sends can be out of bounds

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            with time_machine.travel(NOW, tick=False):
                case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Unsatisfiable:
            # Negative mode can't build a wrong value for a free-text path part ({reference}).
            if mode is GenerationMode.POSITIVE:
                raise
        else:
            fuzzed.add(operation.label)
    assert {
        "GET /api/v1/availability",
        "POST /api/v1/appointments",
        "GET /api/v1/appointments",
        "POST /api/v1/appointments/{reference}/reschedule",
        "POST /api/v1/appointments/{reference}/cancel",
    } <= fuzzed


def test_the_openapi_document_states_the_bounds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    vehicle = schemas["VehicleIn"]["properties"]
    assert (vehicle["year"]["minimum"], vehicle["year"]["maximum"]) == (1950, 2100)
    assert vehicle["mileage"]["maximum"] == bounds.MILEAGE.high
    assert vehicle["id"]["maximum"] == 2**63 - 1
    for name in ("make", "model", "trim", "plate", "vin"):
        assert vehicle[name]["pattern"] == bounds.SINGLE_LINE_PATTERN
    assert schemas["Guest"]["properties"]["name"]["pattern"] == bounds.SINGLE_LINE_PATTERN
    booking = schemas["BookingIn"]["properties"]
    assert booking["services"]["items"]["maximum"] == 2**63 - 1
    assert booking["start"]["pattern"] == bounds.YEARS_PATTERN
    assert booking["concern"]["pattern"] == bounds.TEXT_PATTERN
    assert schemas["RescheduleIn"]["properties"]["start"]["pattern"] == bounds.YEARS_PATTERN
    query = {
        p["name"]: p["schema"] for p in spec["paths"]["/api/v1/availability"]["get"]["parameters"]
    }
    assert query["start"]["pattern"] == query["end"]["pattern"] == bounds.YEARS_PATTERN
    assert query["location"]["maximum"] == 2**63 - 1
