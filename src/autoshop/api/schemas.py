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
    errors = fields.Dict()
