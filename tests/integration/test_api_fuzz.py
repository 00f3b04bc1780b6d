"""schemathesis against the generated OpenAPI: no 5xx and no response that breaks its schema,
for every availability, catalog and booking operation (anonymous, as most customers arrive).

All of schemathesis' checks run except "schema-valid data must be accepted": a well-formed
request for a service id that doesn't exist or a time already taken is rightly a 4xx here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import schemathesis
import time_machine
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from autoshop.domain.choices import Capability

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
EXAMPLES = 40


def test_api_never_errors_and_keeps_its_schema(app, factories):
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

    for operation in operations:

        @given(case=operation.as_strategy())
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

        check()
