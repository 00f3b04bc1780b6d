"""The API's schemas (marshmallow): one description per shape, shared by validation and OpenAPI.

Every number, id, date and piece of text a client sends has the documented bound of
domain/bounds.py, so the OpenAPI document states it (minimum/maximum, maxLength, pattern) and the
schema refuses what is outside it with a 422 before any service runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from autoshop.domain import bounds
from autoshop.i18n import _l

YEARS_NOTE = f"Within the years {bounds.YEARS.low}–{bounds.YEARS.high}."


def in_range(range_: bounds.Range) -> validate.Range:
    """A number field's bound, stated in the OpenAPI document as minimum and maximum."""
    return validate.Range(min=range_.low, max=range_.high, error=f"Must be {range_.describe()}.")


def ident(**kwargs: Any) -> fields.Integer:
    """An id: a positive 64-bit integer."""
    return fields.Integer(validate=in_range(bounds.ID), **kwargs)


class SingleLine(validate.Regexp):
    """Text on one line without control characters; the OpenAPI document carries the pattern."""

    def __init__(self) -> None:
        super().__init__(bounds.SINGLE_LINE_PATTERN)

    def __call__(self, value: str) -> str:  # type: ignore[override]
        if problem := bounds.text_problem(value, single_line=True):
            raise ValidationError(problem)
        return value


class StorableText(validate.Regexp):
    """Free text (line breaks allowed) without NUL bytes or lone surrogates."""

    def __init__(self) -> None:
        super().__init__(bounds.TEXT_PATTERN)

    def __call__(self, value: str) -> str:  # type: ignore[override]
        if problem := bounds.text_problem(value):
            raise ValidationError(problem)
        return value


def _within_years(value: date | datetime) -> None:
    inside = (
        bounds.instant_in_range(value)
        if isinstance(value, datetime)
        else bounds.day_in_range(value)
    )
    if not inside:
        raise ValidationError(bounds.date_range_message())


def _with_years_note(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The years in the description and, as a `pattern` on the ISO text, in the schema."""
    metadata = dict(kwargs.pop("metadata", {}))
    description = metadata.get("description", "").rstrip(".")
    metadata["description"] = f"{description}. {YEARS_NOTE}" if description else YEARS_NOTE
    metadata["pattern"] = bounds.YEARS_PATTERN
    return {**kwargs, "metadata": metadata, "validate": _within_years}


def sane_date(**kwargs: Any) -> fields.Date:
    """A local date (YYYY-MM-DD) within bounds.YEARS."""
    return fields.Date(**_with_years_note(kwargs))


def sane_instant(**kwargs: Any) -> fields.AwareDateTime:
    """A time with its UTC offset, within bounds.YEARS (judged as written, before converting)."""
    return fields.AwareDateTime(**_with_years_note(kwargs))


PRICE_KINDS = ["fixed", "range", "diagnosis"]


class RatingSchema(Schema):
    average = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "Mean of 1-5 star ratings (two decimals); null without reviews",
            "example": 4.5,
        },
    )
    count = fields.Integer(
        required=True,
        metadata={"description": "Visible reviews of completed visits with this service"},
    )


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
    rating = fields.Nested(
        RatingSchema,
        required=True,
        metadata={"description": "What customers rated visits that included this service"},
    )


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
            error=_l("Give service ids as a comma-separated list, e.g. services=3,7."),
        ),
        metadata={"description": "Comma-separated service ids, e.g. `3,7`.", "example": "3,7"},
    )
    start = sane_date(required=True, metadata={"description": "First local date (YYYY-MM-DD)."})
    end = sane_date(
        required=True, metadata={"description": "Last local date, inclusive (YYYY-MM-DD)."}
    )
    location = ident(
        load_default=None,
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
    mode = fields.String(
        load_default="drop_off",
        validate=validate.OneOf(["drop_off", "wait"], error=_l("Give mode=drop_off or mode=wait.")),
        metadata={
            "description": "How the customer visits, as booked: `drop_off` (the default) or "
            "`wait`. Where the location caps waiting customers per interval or drop-offs per "
            "morning, only the starts with room for one more visit of this mode are returned.",
            "example": "wait",
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
    request_id = fields.String(
        metadata={
            "description": "The request's id, as in the X-Request-ID header and the logs",
            "example": "70d684d7ec86460c92d674e4f47998cb",
        }
    )
    current_status = fields.String(
        metadata={"description": "changed-meanwhile: the appointment's status now"}
    )


def _line(min_length: int, max_length: int, **kwargs: Any) -> fields.String:
    """A single-line text field of `min_length` to `max_length` characters."""
    return fields.String(
        validate=[validate.Length(min=min_length, max=max_length), SingleLine()], **kwargs
    )


class VehicleInSchema(Schema):
    id = ident(metadata={"description": "One of your saved vehicles; or give the details"})
    year = fields.Integer(validate=in_range(bounds.MODEL_YEAR))
    make = _line(1, 40)
    model = _line(1, 60)
    trim = _line(0, 60, load_default="")
    plate = _line(0, 16, load_default="")
    vin = _line(0, 24, load_default=None, allow_none=True)
    mileage = fields.Integer(load_default=None, allow_none=True, validate=in_range(bounds.MILEAGE))


class GuestSchema(Schema):
    name = _line(1, 120, required=True)
    email = _line(3, 254, required=True)
    phone = _line(3, 32, required=True)
    sms_opt_in = fields.Boolean(
        load_default=False,
        metadata={"description": "The guest agrees to texts about this visit at `phone`"},
    )


class BookingInSchema(Schema):
    services = fields.List(ident(), required=True, validate=validate.Length(min=1, max=10))
    start = sane_instant(
        required=True,
        metadata={
            "description": "A start offered by /availability, with its offset",
            "example": "2026-12-01T09:00:00-05:00",
        },
    )
    mode = fields.String(load_default="drop_off", validate=validate.OneOf(["drop_off", "wait"]))
    concern = fields.String(load_default="", validate=[validate.Length(max=2000), StorableText()])
    vehicle = fields.Nested(VehicleInSchema, required=True)
    guest = fields.Nested(GuestSchema, metadata={"description": "Required when not logged in"})
    location = ident(load_default=None, allow_none=True)


class RescheduleInSchema(Schema):
    start = sane_instant(required=True, metadata={"example": "2026-12-02T13:00:00-05:00"})


class CancelInSchema(Schema):
    reason = fields.String(load_default="", validate=[validate.Length(max=500), StorableText()])


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
    start = sane_date(metadata={"description": "Staff: from this local date"})
    end = sane_date(metadata={"description": "Staff: to this local date, inclusive"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class TakenProblemSchema(ProblemSchema):
    alternatives = fields.List(fields.String(), metadata={"description": "Nearest free starts"})


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Regexp(
            r"^[\x21-\x7e]{1,255}$",
            error=_l("Give an Idempotency-Key of 1 to 255 visible ASCII characters, e.g. a UUID."),
        ),
        metadata={
            "description": (
                "Makes the booking safe to retry: a fresh random value (a UUID) per booking. "
                "Sending the same key again (same caller, same body) within 24 hours books "
                "nothing new and answers with the first booking's status and body "
                "(`Idempotent-Replayed: true`); a request still running with that key is "
                "waited for. The same key with a different body is refused with 422 "
                "(`idempotency-key-reused`). Only a booking that was made is kept: after a "
                "4xx answer the same key may be sent again."
            ),
            "example": "5f1c9a2e-3b7d-4c1e-9f7a-2d8e6b0c4a11",
        },
    )
