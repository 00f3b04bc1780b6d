"""The API's schemas (marshmallow): one description per shape, shared by validation and OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

PRICE_KINDS = ["fixed", "range", "diagnosis"]


class ServiceSchema(Schema):
    id = fields.Integer(required=True)
    category_id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    price_kind = fields.String(required=True, validate=validate.OneOf(PRICE_KINDS))
    price_min_cents = fields.Integer(required=True, allow_none=True)
    price_max_cents = fields.Integer(required=True, allow_none=True)
    price_label = fields.String(required=True, metadata={"example": "$50–$75"})
    capability = fields.String(required=True, metadata={"example": "lift"})


class ServiceCategorySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    sort_order = fields.Integer(required=True)
    service_ids = fields.List(fields.Integer(), required=True)


class AvailabilityQuerySchema(Schema):
    services = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^\s*\d{1,9}(\s*,\s*\d{1,9})*\s*$",
            error="Give service ids as a comma-separated list, e.g. services=3,7.",
        ),
        metadata={"description": "Comma-separated service ids, e.g. `3,7`.", "example": "3,7"},
    )
    start = fields.Date(required=True, metadata={"description": "First local date (YYYY-MM-DD)."})
    end = fields.Date(
        required=True, metadata={"description": "Last local date, inclusive (YYYY-MM-DD)."}
    )
    location = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Location id; the shop's first location when omitted."},
    )
    vehicle = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={
            "description": "One of your saved vehicles (logged in): the times at which it is "
            "already in another visit are left out, as booking them would fail."
        },
    )


class SlotSchema(Schema):
    start = fields.String(
        required=True,
        metadata={"description": "Local start with offset", "example": "2026-12-01T09:00:00-05:00"},
    )
    end = fields.String(required=True, metadata={"example": "2026-12-01T10:30:00-05:00"})
    free_bays = fields.Integer(required=True, metadata={"example": 2})


class DaySchema(Schema):
    date = fields.String(required=True, metadata={"example": "2026-12-01"})
    open = fields.Boolean(required=True)
    closed_reason = fields.String(required=True, allow_none=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True)


class AvailabilityLocationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True, metadata={"example": "America/New_York"})


class AvailabilitySchema(Schema):
    location = fields.Nested(AvailabilityLocationSchema, required=True)
    services = fields.List(fields.Integer(), required=True)
    duration_minutes = fields.Integer(required=True)
    days = fields.List(fields.Nested(DaySchema), required=True)


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Field errors from schema validation"})
    field = fields.String(metadata={"description": "The request field the problem is about"})


class VehicleInSchema(Schema):
    id = fields.Integer(metadata={"description": "One of your saved vehicles; or give the details"})
    year = fields.Integer(validate=validate.Range(min=1950, max=2100))
    make = fields.String(validate=validate.Length(min=1, max=40))
    model = fields.String(validate=validate.Length(min=1, max=60))
    trim = fields.String(load_default="", validate=validate.Length(max=60))
    plate = fields.String(load_default="", validate=validate.Length(max=16))
    vin = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=24))
    mileage = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=2_000_000)
    )


class GuestSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=32))


class BookingInSchema(Schema):
    services = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    start = fields.AwareDateTime(
        required=True,
        metadata={
            "description": "A start offered by /availability, with its offset",
            "example": "2026-12-01T09:00:00-05:00",
        },
    )
    mode = fields.String(load_default="drop_off", validate=validate.OneOf(["drop_off", "wait"]))
    concern = fields.String(load_default="", validate=validate.Length(max=2000))
    vehicle = fields.Nested(VehicleInSchema, required=True)
    guest = fields.Nested(GuestSchema, metadata={"description": "Required when not logged in"})
    location = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1)
    )


class RescheduleInSchema(Schema):
    start = fields.AwareDateTime(required=True, metadata={"example": "2026-12-02T13:00:00-05:00"})


class CancelInSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class AppointmentServiceOutSchema(Schema):
    name = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    price_label = fields.String(required=True)


class AppointmentOutSchema(Schema):
    reference = fields.String(required=True, metadata={"example": "7KQ2M9XA"})
    status = fields.String(required=True)
    start = fields.String(required=True, metadata={"example": "2026-12-01T09:00:00-05:00"})
    end = fields.String(required=True)
    mode = fields.String(required=True)
    concern = fields.String(required=True)
    services = fields.List(fields.Nested(AppointmentServiceOutSchema), required=True)
    vehicle = fields.String(required=True, metadata={"example": "2019 Honda CR-V"})
    location = fields.Nested(AvailabilityLocationSchema, required=True)
    address = fields.String(required=True)
    manage_url = fields.String(required=True)
    can_change = fields.Boolean(required=True)


class AppointmentListQuerySchema(Schema):
    status = fields.String(
        validate=validate.OneOf(
            [
                "scheduled",
                "checked_in",
                "in_progress",
                "waiting_on_parts",
                "ready_for_pickup",
                "completed",
                "cancelled",
                "no_show",
            ]
        )
    )
    start = fields.Date(metadata={"description": "Staff: from this local date"})
    end = fields.Date(metadata={"description": "Staff: to this local date, inclusive"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class TakenProblemSchema(ProblemSchema):
    alternatives = fields.List(fields.String(), metadata={"description": "Nearest free starts"})
