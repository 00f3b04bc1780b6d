"""The join form: which day, which window, and who (a signed-in customer's saved vehicle, or a
guest's contact details and car). Each parser returns what it read and {field: message}."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from email_validator import EmailNotValidError, validate_email
from werkzeug.datastructures import MultiDict

from autoshop.domain import bounds
from autoshop.i18n import _
from autoshop.models import Location
from autoshop.security_forms import normalize_phone
from autoshop.services.waitlist import GuestDetails
from autoshop.web.booking.forms import FlowInput, parse_day, parse_service_ids

FIELDS = ("day", "earliest", "latest", "vehicle", "name", "email", "phone", "year", "make", "model")
#: Shown when the day has no opening hours (a closed weekday): a plain working day's choices.
FALLBACK_HOURS = (time(7, 0), time(19, 0))


@dataclass(frozen=True)
class JoinInput:
    service_ids: list[int]
    day: date
    earliest: time
    latest: time
    vehicle_id: int | None
    guest: GuestDetails | None


def window_options(location: Location, day: date | None) -> list[time]:
    """The start times the window selects offer: the day's opening hours on the slot grid."""
    step = timedelta(minutes=location.slot_interval_minutes or 30)
    intervals = [
        (h.opens, h.closes)
        for h in location.opening_hours
        if day is not None and h.weekday == day.weekday()
    ] or [FALLBACK_HOURS]
    options: set[time] = set()
    for opens, closes in intervals:
        moment = datetime.combine(date(2000, 1, 3), opens)
        end = datetime.combine(date(2000, 1, 3), closes)
        while moment < end:
            options.add(moment.time())
            moment += step
    return sorted(options)


def _time(raw: str) -> time | None:
    try:
        value = time.fromisoformat(raw) if raw and len(raw) <= 8 else None
    except ValueError:
        return None
    return value.replace(second=0, microsecond=0) if value else None


def parse_join(
    form: MultiDict[str, str],
    *,
    saved_ids: set[int] | None,
    phone_region: str,
    next_year: int,
) -> tuple[JoinInput | None, dict[str, str]]:
    """`saved_ids` are a signed-in customer's vehicles; None for a guest."""
    errors: dict[str, str] = {}
    ids, problems = parse_service_ids(FlowInput.read(form))
    errors.update(problems)
    day = parse_day(form.get("day", "").strip())
    if day is None:
        errors["day"] = _("Choose the day you'd like, e.g. 2026-12-08.")
    earliest, latest = _time(form.get("earliest", "")), _time(form.get("latest", ""))
    if earliest is None:
        errors["earliest"] = _("Choose the earliest start that suits you.")
    if latest is None:
        errors["latest"] = _("Choose the latest start that suits you.")
    vehicle_id: int | None = None
    guest: GuestDetails | None = None
    if saved_ids is not None:
        raw = form.get("vehicle", "")
        if not raw.isdecimal() or int(raw) not in saved_ids:
            errors["vehicle"] = _("Choose one of your vehicles.")
        else:
            vehicle_id = int(raw)
    else:
        guest = _guest(form, errors, phone_region=phone_region, next_year=next_year)
    if errors or day is None or earliest is None or latest is None:
        return None, errors
    return JoinInput(ids, day, earliest, latest, vehicle_id, guest), {}


def _guest(
    form: MultiDict[str, str], errors: dict[str, str], *, phone_region: str, next_year: int
) -> GuestDetails | None:
    values = {name: form.get(name, "").strip() for name in FIELDS}
    for name, missing, limit in (
        ("name", _("Enter your name."), 120),
        ("make", _("Enter the make, e.g. Honda."), 40),
        ("model", _("Enter the model, e.g. Civic."), 60),
    ):
        if not values[name]:
            errors[name] = missing
        elif len(values[name]) > limit:
            errors[name] = _("Use at most %(limit)s characters.", limit=limit)
        elif problem := bounds.text_problem(values[name], single_line=True):
            errors[name] = problem
    email = values["email"]
    if not email:
        errors["email"] = _("Enter your email address: we send the offer there.")
    else:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = _("Enter an email address like name@example.com.")
    phone = values["phone"]
    if not phone:
        errors["phone"] = _("Enter a phone number, so the shop can reach you.")
    else:
        try:
            phone = normalize_phone(phone, phone_region)
        except ValueError as exc:
            errors["phone"] = str(exc)
    year = int(values["year"]) if values["year"].isdecimal() and len(values["year"]) < 6 else None
    if year is None or not bounds.MODEL_YEAR.low <= year <= next_year:
        errors["year"] = _(
            "Enter a model year from %(oldest)s to %(newest)s.",
            oldest=bounds.MODEL_YEAR.low,
            newest=next_year,
        )
    if errors or year is None:
        return None
    return GuestDetails(
        name=values["name"],
        email=email,
        phone=phone,
        vehicle_year=year,
        vehicle_make=values["make"],
        vehicle_model=values["model"],
    )
