"""The customer booking flow at /book.

`/book` is a sequence of GET forms (services, vehicle, day and time, details, review), each carrying
the answers so far in the query string: it works with JavaScript off, and every step can be
bookmarked or reached with the back button. With htmx, the same URLs answer with a fragment when
`HX-Request` is present (the running total, the calendar with its time list). Confirming is a POST
that calls services.booking.book().
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain import bounds
from autoshop.domain.choices import VisitMode
from autoshop.domain.vehicles import latest_model_year
from autoshop.extensions import limiter
from autoshop.i18n import _, _l, current_language
from autoshop.models import Appointment, Location, Service, ServiceCategory, User, Vehicle
from autoshop.services import (
    booking,
    catalog,
    customers,
    idempotency,
    manage_links,
    shop,
    vehicles,
)
from autoshop.services.availability import AvailabilityError, find_availability
from autoshop.timeutil import utcnow
from autoshop.web.booking import CHANGE_LIMIT, bp, forms
from autoshop.web.booking.calendar import (
    Calendar,
    month_calendar,
    month_in_view,
)
from autoshop.web.booking.forms import FlowInput
from autoshop.web.booking.rendering import (
    Totals,
    fragment,
    is_htmx,
    page,
    time_label,
    totals_of,
    when_label,
)

STEPS = ("services", "vehicle", "when", "details", "review")
#: Staff taking a phone or walk-in booking first say who it is for.
STAFF_STEPS = ("customer", *STEPS)
GUEST = "guest"
STEP_TITLES = {
    "customer": _l("Customer"),
    "services": _l("Choose services"),
    "vehicle": _l("Your vehicle"),
    "when": _l("Day and time"),
    "details": _l("Visit details"),
    "review": _l("Review and confirm"),
}
#: The same steps in the words of staff booking for someone else.
STAFF_STEP_TITLES = {
    **STEP_TITLES,
    "vehicle": _l("The customer's car"),
}
#: Where a BookingError's `field` is shown: (step, form field).
ERROR_PLACES = {
    "services": ("services", "services"),
    "vehicle": ("vehicle", "vehicle"),
    "starts_at": ("when", "start"),
    "guest": ("details", "email"),
    "concern": ("details", "concern"),
}


#: The review step's one-time nonce: `secrets.token_urlsafe(18)`, or what a client sent back.
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass
class Flow:
    """The answers so far, what they mean, and each step's problems."""

    input: FlowInput
    location: Location
    zone: ZoneInfo
    now: datetime
    categories: list[ServiceCategory]
    saved_vehicles: list[Vehicle] | None
    #: Who takes the booking when it's staff, and the customer they chose (None: not yet, or a
    #: new customer or walk-in, whose contact comes with the details).
    staff: User | None = None
    customer: User | None = None
    services: list[Service] = field(default_factory=list)
    vehicle: forms.VehicleChoice | None = None
    start: datetime | None = None
    #: Drop off or wait, chosen with the time (the calendar offers what fits the mode's caps).
    mode: VisitMode = VisitMode.DROP_OFF
    details: forms.Details | None = None
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def steps(self) -> tuple[str, ...]:
        return STAFF_STEPS if self.staff is not None else STEPS

    @property
    def walk_in(self) -> bool:
        """Staff booking for someone without a chosen account (a new customer or a walk-in)."""
        return self.staff is not None and self.input.get("customer") == GUEST

    def complete(self, step: str) -> bool:
        return {
            "customer": self.customer is not None or self.walk_in,
            "services": bool(self.services),
            "vehicle": self.vehicle is not None,
            "when": self.start is not None,
            "details": self.details is not None and self.input.answered("details"),
            "review": False,
        }[step]

    @property
    def guest(self) -> bool:
        return self.saved_vehicles is None

    @property
    def totals(self) -> Totals:
        return totals_of(self.services)

    @property
    def vehicle_label(self) -> str:
        if self.vehicle is None:
            return ""
        if self.vehicle.details is not None:
            d = self.vehicle.details
            return f"{d.year} {d.make} {d.model}"
        saved = {v.id: v for v in self.saved_vehicles or []}
        vehicle = saved.get(self.vehicle.vehicle_id or 0)
        return vehicle.label if vehicle else ""

    def url(self, exclude: Iterable[str] = (), **extra: str) -> str:
        return url_for("booking.book", **self.input.params(exclude, **extra))


def current_customer() -> User | None:
    """The signed-in customer booking for themselves; staff book for someone else."""
    if current_user.is_authenticated and not current_user.is_staff:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def current_staff() -> User | None:
    """Staff taking a phone or walk-in booking: they give the customer's contact details."""
    if current_user.is_authenticated and current_user.is_staff:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def build_flow(
    flow_input: FlowInput, location: Location, now: datetime, *, check_start: bool = True
) -> Flow:
    """Read the answers; `check_start=False` leaves the start to booking.book() (the POST), which
    answers a time taken meanwhile with the nearest free alternatives."""
    zone = ZoneInfo(location.timezone)
    staff = current_staff()
    customer = current_customer() or (_chosen_customer(flow_input) if staff else None)
    flow = Flow(
        input=flow_input,
        location=location,
        zone=zone,
        now=now,
        categories=catalog.active_catalog(),
        saved_vehicles=vehicles.saved_vehicles(customer) if customer else None,
        staff=staff,
        customer=customer,
    )
    flow.errors["customer"] = (
        {}
        if flow.complete("customer") or staff is None
        else {"customer": _("Find the customer, or book for a new customer or walk-in.")}
    )
    ids, errors = forms.parse_service_ids(flow_input)
    if not errors:
        offered = {s.id: s for c in flow.categories for s in c.services}
        if any(i not in offered for i in ids):
            errors = {
                "services": _(
                    "One of the chosen services isn't offered online any more; "
                    "choose from the list."
                )
            }
        else:
            flow.services = [offered[i] for i in ids]
    flow.errors["services"] = errors

    saved_ids = {v.id for v in flow.saved_vehicles} if flow.saved_vehicles is not None else None
    flow.vehicle, flow.errors["vehicle"] = forms.parse_vehicle(
        flow_input, saved_ids, next_year=latest_model_year(now)
    )

    flow.mode, mode_errors = forms.parse_mode(flow_input)
    flow.errors["when"] = dict(mode_errors)
    if flow.services and not mode_errors:
        start, errors = forms.parse_start(flow_input)
        if start is not None:
            errors = _check_offered(flow, start) if check_start else {}
            flow.start = None if errors else start.astimezone(zone)
        flow.errors["when"] = errors

    flow.details, flow.errors["details"] = forms.parse_details(
        flow_input, guest=flow.guest, phone_region=current_app.config["DEFAULT_PHONE_REGION"]
    )
    return flow


def _chosen_customer(flow_input: FlowInput) -> User | None:
    raw = flow_input.get("customer")
    if not raw.isdecimal() or int(raw) not in bounds.ID:
        return None
    return customers.customer_for_booking(int(raw))


def _check_offered(flow: Flow, start: datetime) -> dict[str, str]:
    day = start.astimezone(flow.zone).date()
    try:
        result = find_availability(
            [s.id for s in flow.services],
            day,
            day,
            now=flow.now,
            location_id=flow.location.id,
            by_staff=current_staff() is not None,
            vehicle_id=flow.vehicle.vehicle_id if flow.vehicle else None,
            mode=flow.mode,
        )
    except AvailabilityError as exc:
        return {"start": str(exc)}
    if any(slot.starts_at == start for d in result.days for slot in d.slots):
        return {}
    return {"start": _("That time isn't free for this visit; choose one of the free times.")}


def current_step(flow: Flow, edit: str | None = None) -> str:
    steps = flow.steps
    first_open = next((s for s in steps if not flow.complete(s)), "review")
    if edit in steps and steps.index(edit) < steps.index(first_open):
        return edit
    return first_open


def visible_errors(flow: Flow, step: str, *, force: bool = False) -> dict[str, str]:
    """A step's problems, once the customer has answered or submitted it (not on a first visit)."""
    errors = flow.errors.get(step, {})
    if step == "review" or not errors:
        return {}
    if force or flow.input.submitted == step:
        return errors
    if step == "when":
        return errors if flow.input.get("start") else {}
    return errors if flow.input.answered(step) else {}


def _selected_day(flow: Flow) -> date | None:
    if flow.input.get("start"):
        start, _errors = forms.parse_start(flow.input)
        if start is not None:
            return start.astimezone(flow.zone).date()
    return forms.parse_day(flow.input.get("day"))


def flow_calendar(flow: Flow) -> Calendar:
    selected = _selected_day(flow)
    chosen, _errors = forms.parse_start(flow.input)
    return month_calendar(
        [s.id for s in flow.services],
        location=flow.location,
        month=month_in_view(request.args.get("month", ""), selected, flow.now, flow.zone),
        selected=selected,
        chosen=chosen,
        now=flow.now,
        day_url=lambda d: flow.url(("day", "start"), day=d.isoformat()),
        month_url=lambda m: flow.url(("day", "start"), month=f"{m:%Y-%m}"),
        by_staff=current_staff() is not None,
        vehicle_id=flow.vehicle.vehicle_id if flow.vehicle else None,
        full_days_open=True,
        mode=flow.mode,
    )


def render_flow(
    flow: Flow,
    step: str,
    *,
    status: int = 200,
    force_errors: bool = False,
    extra_errors: dict[str, str] | None = None,
    taken: booking.SlotTaken | None = None,
) -> Response:
    errors = {**visible_errors(flow, step, force=force_errors), **(extra_errors or {})}
    context: dict[str, Any] = {
        "flow": flow,
        "step": step,
        "steps": flow.steps,
        "step_titles": STAFF_STEP_TITLES if flow.staff else STEP_TITLES,
        "errors": errors,
        "taken": taken,
        "zone": flow.zone,
        "when_label": when_label,
        "time_label": time_label,
    }
    if step == "review":
        context["nonce"] = form_nonce()
    if step == "customer":
        query = request.args.get("q", "").strip()[: customers.MAX_QUERY]
        context["query"] = query
        context["matches"] = (
            customers.search_customers(query) if len(query) >= customers.MIN_QUERY else None
        )
    if step == "when":
        cal = flow_calendar(flow)
        context["cal"] = cal
        if cal.selected and cal.selected_full and not cal.times:
            context["waitlist_url"] = url_for(
                "waitlist.join_form",
                **flow.input.params(("day", "start"), day=cal.selected.isoformat()),
            )
        context["time_form"] = {
            "action": url_for("booking.book"),
            "method": "get",
            # The mode as the calendar read it, so the time goes on with the mode it fits.
            "hidden": [
                *flow.input.pairs(exclude=forms.STEP_FIELDS["when"]),
                ("mode", flow.mode.value),
            ],
            "step": "when",
            "button": _("Continue"),
        }
        if is_htmx("when"):
            return fragment("booking/_when_swap.html", **context)
    return page(render_template("booking/book.html", **context), status)


@bp.get("/book")
def book() -> Response:
    location = shop.primary_location()
    if location is None:
        return page(render_template("booking/not_ready.html"), 503)
    flow = build_flow(FlowInput.read(request.args), location, utcnow())
    if is_htmx("totals"):
        return fragment("booking/_totals.html", totals=flow.totals)
    step = current_step(flow, request.args.get("edit"))
    if is_htmx("when") and step != "when":
        # An earlier answer needs fixing first: leave the fragment swap for a full page.
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = flow.url(edit=step) if step != "review" else flow.url()
        return response
    return render_flow(flow, step)


@bp.post("/book")
@limiter.limit(CHANGE_LIMIT)
def confirm() -> Response:
    location = shop.primary_location()
    if location is None:
        return page(render_template("booking/not_ready.html"), 503)
    now = utcnow()
    flow = build_flow(FlowInput.read(request.form), location, now, check_start=False)
    step = current_step(flow)
    if step != "review":
        return render_flow(flow, step, status=422, force_errors=True)
    assert flow.start is not None and flow.vehicle is not None and flow.details is not None
    customer = current_customer() or flow.customer
    req = booking.BookingRequest(
        service_ids=[s.id for s in flow.services],
        starts_at=flow.start,
        mode=flow.details.mode,
        concern=flow.details.concern,
        customer=customer,
        guest=flow.details.guest,
        vehicle_id=flow.vehicle.vehicle_id,
        vehicle=flow.vehicle.details,
        location_id=location.id,
        by_staff=current_staff(),
    )
    if req.by_staff is None:  # staff booking for a caller: the caller's language isn't the page's
        req.language = current_language()
    key = _confirm_key(flow)
    try:
        outcome = idempotency.book_once(req, now=now, key=key, respond=lambda a: (303, a.reference))
    except booking.SlotTaken as exc:
        return render_flow(flow, "review", status=409, taken=exc)
    except booking.BookingError as exc:
        place, name = ERROR_PLACES.get(exc.field or "", ("review", "form"))
        if exc.kind == "vehicle-busy" and flow.vehicle.vehicle_id is not None:
            # The saved vehicle was booked elsewhere meanwhile: the time is what to change (the
            # calendar no longer offers it), not the vehicle.
            place, name = ERROR_PLACES["starts_at"]
        return render_flow(flow, place, status=exc.status, extra_errors={name: exc.message})
    if isinstance(outcome, idempotency.Stored):
        # The same form sent again (a double click, a reload): the visit it booked.
        appointment = idempotency.appointment_of(outcome)
        if appointment is None:  # pragma: no cover - the key goes with its appointment
            return redirect(flow.url(), 303)
    else:
        appointment = outcome
    return _booked(appointment, flow.zone, by_staff=req.by_staff is not None)


def _booked(appointment: Appointment, zone: ZoneInfo, *, by_staff: bool) -> Response:
    if by_staff:
        flash(
            _(
                "Booked for %(name)s: %(when)s. The confirmation goes to %(email)s.",
                name=appointment.contact_name,
                when=when_label(appointment.starts_at, zone),
                email=appointment.contact_email,
            ),
            "success",
        )
        return redirect(url_for("booking.detail", reference=appointment.reference), 303)
    flash(
        _(
            "Your visit is booked: %(when)s. We've sent a confirmation to %(email)s.",
            when=when_label(appointment.starts_at, zone),
            email=appointment.contact_email,
        ),
        "success",
    )
    if appointment.customer_id is not None:
        return redirect(url_for("booking.detail", reference=appointment.reference), 303)
    return redirect(url_for("booking.manage", token=manage_links.make_token(appointment)), 303)


def form_nonce() -> str:
    """The nonce for the confirm form: the one just posted when the review step comes back
    (a retry after "taken" is the same action), else a new one."""
    posted = request.form.get("nonce", "") if request.method == "POST" else ""
    return posted if NONCE.fullmatch(posted) else secrets.token_urlsafe(18)


def _confirm_key(flow: Flow) -> idempotency.Key | None:
    """The confirm form's nonce as an idempotency key, scoped to the signed-in user (or guests).
    A form without a valid nonce (a page from before nonces) books as before."""
    nonce = request.form.get("nonce", "")
    if not NONCE.fullmatch(nonce):
        return None
    scope = (
        f"book-form:user:{current_user.id}"
        if current_user.is_authenticated
        else "book-form:anonymous"
    )
    return idempotency.Key(scope, nonce, idempotency.fingerprint(flow.input.pairs()))
