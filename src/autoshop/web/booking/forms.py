"""The booking flow's input: every step lives in query parameters, read and checked here.

The flow is plain GET forms, one step at a time, each carrying the earlier answers as hidden
fields, so it works without JavaScript and every step can be bookmarked. The final POST carries
the same fields (plus the CSRF token) and is read by the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from werkzeug.datastructures import MultiDict

from autoshop.domain import bounds
from autoshop.domain.choices import VisitMode
from autoshop.domain.vehicles import normalize_plate
from autoshop.domain.vin import normalize_vin
from autoshop.i18n import _
from autoshop.security_forms import normalize_phone
from autoshop.services.booking import MAX_CONCERN_LENGTH, GuestContact, VehicleDetails

#: Each step and the fields it asks for, in the order the customer meets them.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    # Staff only: the customer they book for (an account id, or "guest" for a new customer or a
    # walk-in, whose contact details come with the visit details).
    "customer": ("customer",),
    "services": ("services",),
    "vehicle": ("vehicle", "year", "make", "model", "plate", "vin", "mileage"),
    # How the customer visits comes with the time: a location may cap waiting customers and
    # drop-offs, so the calendar offers the times that fit the chosen mode.
    "when": ("mode", "day", "start"),
    # "details" is the details form's own mark: with every field optional (a logged-in customer
    # may leave the concern empty), it tells that the customer has been through the step.
    "details": ("concern", "name", "email", "phone", "sms", "details"),
}
STATE_FIELDS = tuple(f for fields in STEP_FIELDS.values() for f in fields)
OLDEST_YEAR = bounds.MODEL_YEAR.low
MAX_MILEAGE = bounds.MILEAGE.high


@dataclass(frozen=True)
class FlowInput:
    """The flow's answers so far (blank values dropped) and the step just submitted, if any."""

    values: MultiDict[str, str]
    submitted: str | None = None

    @classmethod
    def read(cls, source: Mapping[str, str] | MultiDict[str, str]) -> FlowInput:
        values: MultiDict[str, str] = MultiDict()
        getlist = source.getlist if isinstance(source, MultiDict) else None
        for name in STATE_FIELDS:
            raw = getlist(name) if getlist else [source.get(name, "")]
            for value in raw:
                value = value.strip() if name != "concern" else value.strip("\r\n ")
                if value:
                    values.add(name, value)
        step = source.get("step")
        return cls(values, step if step in STEP_FIELDS else None)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def getlist(self, name: str) -> list[str]:
        return self.values.getlist(name)

    def answered(self, step: str) -> bool:
        return any(name in self.values for name in STEP_FIELDS[step])

    def pairs(self, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
        """(name, value) of every answer except `exclude`: hidden fields, link parameters."""
        skip = set(exclude)
        return [(k, v) for k, v in self.values.items(multi=True) if k not in skip]

    def params(self, exclude: Iterable[str] = (), **extra: str) -> dict[str, list[str]]:
        """url_for keyword arguments for these answers, with `extra` replacing same-named ones."""
        out: dict[str, list[str]] = {}
        for name, value in self.pairs(exclude):
            if name not in extra:
                out.setdefault(name, []).append(value)
        for name, value in extra.items():
            out[name] = [value]
        return out


# --- parsers: each returns what it read and {field: message} for what it couldn't ----------------


def parse_service_ids(flow: FlowInput) -> tuple[list[int], dict[str, str]]:
    ids: list[int] = []
    for raw in flow.getlist("services"):
        if not raw.isdecimal() or int(raw) not in bounds.ID:
            return [], {"services": _("One of the chosen services isn't valid; choose again.")}
        if int(raw) not in ids:
            ids.append(int(raw))
    if not ids:
        return [], {"services": _("Choose at least one service.")}
    return ids, {}


@dataclass(frozen=True)
class VehicleChoice:
    vehicle_id: int | None
    details: VehicleDetails | None


def parse_vehicle(
    flow: FlowInput, saved_ids: set[int] | None, *, next_year: int
) -> tuple[VehicleChoice | None, dict[str, str]]:
    """A saved vehicle (customers) or a new one; `saved_ids` is None for a guest."""
    choice = flow.get("vehicle")
    if saved_ids and choice != "new":
        if not choice:
            return None, {"vehicle": _("Choose one of your vehicles, or enter a different one.")}
        if not choice.isdecimal() or int(choice) not in saved_ids:
            return None, {"vehicle": _("Choose one of your own vehicles.")}
        return VehicleChoice(int(choice), None), {}
    errors: dict[str, str] = {}
    year = _int(flow.get("year"))
    if not flow.get("year"):
        errors["year"] = _("Enter the vehicle's model year.")
    elif year is None or not OLDEST_YEAR <= year <= next_year:
        errors["year"] = _(
            "Enter a model year from %(oldest)s to %(newest)s.",
            oldest=OLDEST_YEAR,
            newest=next_year,
        )
    make, model = flow.get("make"), flow.get("model")
    if not make:
        errors["make"] = _("Enter the make, e.g. Honda.")
    elif len(make) > 40:
        errors["make"] = _("Enter the make in at most 40 characters.")
    if not model:
        errors["model"] = _("Enter the model, e.g. Civic.")
    elif len(model) > 60:
        errors["model"] = _("Enter the model in at most 60 characters.")
    plate = normalize_plate(flow.get("plate"))
    if len(plate) > 16:
        errors["plate"] = _("A plate has at most 16 characters.")
    for name in ("make", "model", "plate", "vin"):
        if problem := bounds.text_problem(flow.get(name), single_line=True):
            errors[name] = problem
    vin: str | None = None
    if flow.get("vin"):
        try:
            vin = normalize_vin(flow.get("vin"), latest_year=next_year)
        except ValueError as exc:
            errors["vin"] = str(exc)
    mileage: int | None = None
    if flow.get("mileage"):
        mileage = _int(flow.get("mileage").replace(",", ""))
        if mileage is None or not 0 <= mileage <= MAX_MILEAGE:
            errors["mileage"] = _("Enter the mileage as a whole number of miles, e.g. 42000.")
    if errors or year is None:
        return None, errors
    details = VehicleDetails(
        year=year, make=make, model=model, plate=plate, vin=vin, mileage=mileage
    )
    return VehicleChoice(None, details), {}


def parse_day(raw: str) -> date | None:
    """A day from the query string; None unless valid and within bounds.YEARS."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and bounds.day_in_range(day) else None


def parse_month(raw: str) -> date | None:
    return parse_day(raw + "-01") if len(raw) == 7 else None


def parse_start(flow: FlowInput) -> tuple[datetime | None, dict[str, str]]:
    raw = flow.get("start")
    if not raw:
        return None, {"start": _("Choose one of the free times.")}
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        return None, {"start": _("That time isn't valid; choose one of the free times.")}
    if start.tzinfo is None or not bounds.instant_in_range(start):
        return None, {"start": _("That time isn't valid; choose one of the free times.")}
    return start, {}


@dataclass(frozen=True)
class Details:
    mode: VisitMode
    concern: str
    guest: GuestContact | None


def parse_mode(flow: FlowInput) -> tuple[VisitMode, dict[str, str]]:
    """Drop-off (the default, until the customer chooses) or wait; an unknown value is an error
    of the "when" step, where the choice is made."""
    raw = flow.get("mode")
    if not raw:
        return VisitMode.DROP_OFF, {}
    try:
        return VisitMode(raw), {}
    except ValueError:
        return VisitMode.DROP_OFF, {
            "mode": _("Choose whether you drop the car off or wait for it.")
        }


def parse_details(
    flow: FlowInput, *, guest: bool, phone_region: str
) -> tuple[Details | None, dict[str, str]]:
    errors: dict[str, str] = {}
    mode, _mode_errors = parse_mode(flow)
    concern = flow.get("concern")
    if problem := bounds.text_problem(concern):
        errors["concern"] = problem
    elif len(concern) > MAX_CONCERN_LENGTH:
        errors["concern"] = _(
            "Describe the concern in at most %(limit)s characters (this is %(length)s).",
            limit=MAX_CONCERN_LENGTH,
            length=len(concern),
        )
    contact: GuestContact | None = None
    if guest:
        name, email, phone = flow.get("name"), flow.get("email"), flow.get("phone")
        if not name:
            errors["name"] = _("Enter your name.")
        elif len(name) > 120:
            errors["name"] = _("Enter your name in at most 120 characters.")
        elif problem := bounds.text_problem(name, single_line=True):
            errors["name"] = problem
        if not email:
            errors["email"] = _("Enter your email address: we send the confirmation there.")
        else:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                errors["email"] = _("Enter an email address like name@example.com.")
        if not phone:
            errors["phone"] = _("Enter a phone number, so the shop can reach you about the car.")
        else:
            try:
                phone = normalize_phone(phone, phone_region)
            except ValueError as exc:
                errors["phone"] = str(exc)
        if not errors:
            contact = GuestContact(
                name=name, email=email, phone=phone, sms_opt_in=flow.get("sms") == "1"
            )
    if errors:
        return None, errors
    return Details(mode=mode, concern=concern, guest=contact), {}


def _int(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None
