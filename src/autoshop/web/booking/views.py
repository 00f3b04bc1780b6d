"""The customer booking flow and the customer's appointment pages.

`/book` is a sequence of GET forms (services, vehicle, day and time, details, review), each carrying
the answers so far in the query string: it works with JavaScript off, and every step can be
bookmarked or reached with the back button. With htmx, the same URLs answer with a fragment when
`HX-Request` is present (the running total, the calendar with its time list). Confirming is a POST
that calls services.booking.book(); the appointment pages reschedule and cancel through the same
service, for signed-in customers (and staff) by reference, and for guests by signed link.
"""

from __future__ import annotations

import calendar as monthcal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from autoshop.domain.durations import format_minutes
from autoshop.domain.money import describe_total
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db, limiter
from autoshop.models import Appointment, Location, Service, ServiceCategory, User, Vehicle
from autoshop.services import accounts, booking, catalog, manage_links, shop
from autoshop.services.availability import AvailabilityError, Visit, find_availability, visit_of
from autoshop.services.ics import appointment_ics
from autoshop.timeutil import utcnow
from autoshop.web.booking import bp, forms
from autoshop.web.booking.forms import FlowInput

STEPS = ("services", "vehicle", "when", "details", "review")
STEP_TITLES = {
    "services": "Choose services",
    "vehicle": "Your vehicle",
    "when": "Day and time",
    "details": "Visit details",
    "review": "Review and confirm",
}
#: Where a BookingError's `field` is shown: (step, form field).
ERROR_PLACES = {
    "services": ("services", "services"),
    "vehicle": ("vehicle", "vehicle"),
    "starts_at": ("when", "start"),
    "guest": ("details", "email"),
    "concern": ("details", "concern"),
}
CHANGE_LIMIT = "30 per 10 minutes"


# --- money and time helpers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    count: int
    minutes: int
    price: str

    @property
    def text(self) -> str:
        if not self.count:
            return "No services chosen yet."
        noun = "service" if self.count == 1 else "services"
        return f"{self.count} {noun}, about {format_minutes(self.minutes)}, {self.price}"


def totals_of(items: Iterable[Any]) -> Totals:
    """Count, duration and price of Services or AppointmentService snapshots."""
    items = list(items)
    price = describe_total((i.price_kind, i.price_min_cents, i.price_max_cents) for i in items)
    return Totals(len(items), sum(i.duration_minutes for i in items), price)


def day_label(day: date) -> str:
    return f"{day:%A, %B} {day.day}"


def time_label(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%-I:%M %p")


def when_label(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A, %B} {local.day}, {local.year} at {local:%-I:%M %p}"


def _zone_name(zone: ZoneInfo, moment: datetime) -> str:
    return moment.astimezone(zone).tzname() or str(zone)


def _is_htmx(target: str) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == target
    )


def _fragment(template: str, **context: Any) -> Response:
    response = current_app.make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def _page(html: str, status: int = 200) -> Response:
    response = current_app.make_response((html, status))
    response.vary.add("HX-Request")
    return response


# --- the month calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    date: date
    state: str  # free, full, closed, past, later
    free: int
    label: str
    note: str
    url: str | None
    selected: bool


@dataclass(frozen=True)
class TimeOption:
    value: str
    label: str
    checked: bool


@dataclass
class Calendar:
    month: date
    weeks: list[list[CalendarDay | None]]
    prev_url: str | None
    next_url: str | None
    closures: list[tuple[date, str]]
    selected: date | None
    times: dict[str, list[TimeOption]] = field(default_factory=dict)
    error: str | None = None

    @property
    def title(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def announcement(self) -> str:
        if self.error:
            return self.error
        if self.selected is not None:
            count = sum(len(v) for v in self.times.values())
            if not count:
                return f"{self.selected:%B} {self.selected.day}: no times available"
            noun = "time" if count == 1 else "times"
            return f"{self.selected:%B} {self.selected.day}: {count} {noun} available"
        free_days = sum(1 for week in self.weeks for d in week if d and d.state == "free")
        noun = "day has" if free_days == 1 else "days have"
        return f"{self.title}: {free_days} {noun} free times"


def month_calendar(
    service_ids: list[int] | Visit,
    *,
    location: Location,
    month: date,
    selected: date | None,
    chosen: datetime | None,
    now: datetime,
    day_url: Callable[[date], str],
    month_url: Callable[[date], str],
    exclude_appointment_id: int | None = None,
    by_staff: bool = False,
) -> Calendar:
    """A month of days with their free times: one availability query for the whole month."""
    zone = ZoneInfo(location.timezone)
    today = now.astimezone(zone).date()
    last_bookable = (now + timedelta(days=location.horizon_days)).astimezone(zone).date()
    first = month.replace(day=1)
    month_end = first.replace(day=monthcal.monthrange(first.year, first.month)[1])
    low, high = max(first, today), min(month_end, last_bookable)
    found: dict[date, Any] = {}
    error = None
    if low <= high:
        try:
            result = find_availability(
                service_ids,
                low,
                high,
                now=now,
                location_id=location.id,
                exclude_appointment_id=exclude_appointment_id,
                by_staff=by_staff,
            )
            found = {d.date: d for d in result.days}
        except AvailabilityError as exc:
            error = str(exc)

    closures: list[tuple[date, str]] = []
    weeks: list[list[CalendarDay | None]] = []
    for week in monthcal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row: list[CalendarDay | None] = []
        for day in week:
            if day.month != first.month:
                row.append(None)
                continue
            info = found.get(day)
            free, url, note = 0, None, ""
            if day < today:
                state, says = "past", "past"
            elif info is None:
                state, says = "later", "not open for booking yet" if day > today else "no times"
            elif not info.is_open:
                state, note = "closed", "Closed"
                says = f"closed ({info.closed_reason})" if info.closed_reason else "closed"
                if info.closed_reason:
                    closures.append((day, info.closed_reason))
            elif not info.slots:
                state, note = "full", "Full"
                says = "no times left today" if day == today else "fully booked"
            else:
                free = len(info.slots)
                state, note, url = "free", f"{free} free", day_url(day)
                says = f"{free} time{'s' if free != 1 else ''} free"
            row.append(
                CalendarDay(
                    date=day,
                    state=state,
                    free=free,
                    label=f"{day_label(day)}: {says}",
                    note=note,
                    url=url,
                    selected=day == selected,
                )
            )
        weeks.append(row)

    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = month_end + timedelta(days=1)
    cal = Calendar(
        month=first,
        weeks=weeks,
        prev_url=month_url(prev_first) if first > today.replace(day=1) else None,
        next_url=month_url(next_first) if next_first <= last_bookable else None,
        closures=closures,
        selected=selected,
        error=error,
    )
    day_info = found.get(selected) if selected else None
    if day_info is not None:
        chosen_value = chosen.astimezone(zone).isoformat() if chosen else ""
        for slot in day_info.slots:
            local = slot.starts_at.astimezone(zone)
            value = local.isoformat()
            period = "Morning" if local.hour < 12 else "Afternoon"
            cal.times.setdefault(period, []).append(
                TimeOption(value, time_label(local, zone), value == chosen_value)
            )
    return cal


def _month_in_view(raw_month: str, selected: date | None, now: datetime, zone: ZoneInfo) -> date:
    month = forms.parse_month(raw_month)
    if month is None:
        month = (selected or now.astimezone(zone).date()).replace(day=1)
    return month


# --- the booking flow ------------------------------------------------------------------------


@dataclass
class Flow:
    """The answers so far, what they mean, and each step's problems."""

    input: FlowInput
    location: Location
    zone: ZoneInfo
    now: datetime
    categories: list[ServiceCategory]
    saved_vehicles: list[Vehicle] | None
    services: list[Service] = field(default_factory=list)
    vehicle: forms.VehicleChoice | None = None
    start: datetime | None = None
    details: forms.Details | None = None
    errors: dict[str, dict[str, str]] = field(default_factory=dict)

    def complete(self, step: str) -> bool:
        return {
            "services": bool(self.services),
            "vehicle": self.vehicle is not None,
            "when": self.start is not None,
            "details": self.details is not None,
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


def _current_customer() -> User | None:
    """The signed-in customer booking for themselves; staff book for someone else."""
    if current_user.is_authenticated and not current_user.is_staff:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def _current_staff() -> User | None:
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
    customer = _current_customer()
    flow = Flow(
        input=flow_input,
        location=location,
        zone=zone,
        now=now,
        categories=catalog.active_catalog(),
        saved_vehicles=accounts.vehicles_of(customer) if customer else None,
    )
    ids, errors = forms.parse_service_ids(flow_input)
    if not errors:
        offered = {s.id: s for c in flow.categories for s in c.services}
        if any(i not in offered for i in ids):
            errors = {
                "services": "One of the chosen services isn't offered online any more; "
                "choose from the list."
            }
        else:
            flow.services = [offered[i] for i in ids]
    flow.errors["services"] = errors

    saved_ids = {v.id for v in flow.saved_vehicles} if flow.saved_vehicles is not None else None
    flow.vehicle, flow.errors["vehicle"] = forms.parse_vehicle(
        flow_input, saved_ids, next_year=now.astimezone(zone).year + 1
    )

    flow.errors["when"] = {}
    if flow.services:
        start, errors = forms.parse_start(flow_input)
        if start is not None:
            errors = _check_offered(flow, start) if check_start else {}
            flow.start = None if errors else start.astimezone(zone)
        flow.errors["when"] = errors

    flow.details, flow.errors["details"] = forms.parse_details(
        flow_input, guest=flow.guest, phone_region=current_app.config["DEFAULT_PHONE_REGION"]
    )
    return flow


def _check_offered(flow: Flow, start: datetime) -> dict[str, str]:
    day = start.astimezone(flow.zone).date()
    try:
        result = find_availability(
            [s.id for s in flow.services],
            day,
            day,
            now=flow.now,
            location_id=flow.location.id,
            by_staff=_current_staff() is not None,
        )
    except AvailabilityError as exc:
        return {"start": str(exc)}
    if any(slot.starts_at == start for d in result.days for slot in d.slots):
        return {}
    return {"start": "That time isn't free for this visit; choose one of the free times."}


def current_step(flow: Flow, edit: str | None = None) -> str:
    first_open = next((s for s in STEPS if not flow.complete(s)), "review")
    if edit in STEPS and STEPS.index(edit) < STEPS.index(first_open):
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
        start, _ = forms.parse_start(flow.input)
        if start is not None:
            return start.astimezone(flow.zone).date()
    return forms.parse_day(flow.input.get("day"))


def flow_calendar(flow: Flow) -> Calendar:
    selected = _selected_day(flow)
    chosen, _ = forms.parse_start(flow.input)
    return month_calendar(
        [s.id for s in flow.services],
        location=flow.location,
        month=_month_in_view(request.args.get("month", ""), selected, flow.now, flow.zone),
        selected=selected,
        chosen=chosen,
        now=flow.now,
        day_url=lambda d: flow.url(("day", "start"), day=d.isoformat()),
        month_url=lambda m: flow.url(("day", "start"), month=f"{m:%Y-%m}"),
        by_staff=_current_staff() is not None,
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
        "steps": STEPS,
        "step_titles": STEP_TITLES,
        "errors": errors,
        "taken": taken,
        "zone": flow.zone,
        "when_label": when_label,
        "time_label": time_label,
    }
    if step == "when":
        cal = flow_calendar(flow)
        context["cal"] = cal
        context["time_form"] = {
            "action": url_for("booking.book"),
            "method": "get",
            "hidden": flow.input.pairs(exclude=forms.STEP_FIELDS["when"]),
            "step": "when",
            "button": "Continue",
        }
        if _is_htmx("when"):
            return _fragment("booking/_when_swap.html", **context)
    return _page(render_template("booking/book.html", **context), status)


@bp.get("/book")
def book() -> Response:
    location = shop.primary_location()
    if location is None:
        return _page(render_template("booking/not_ready.html"), 503)
    flow = build_flow(FlowInput.read(request.args), location, utcnow())
    if _is_htmx("totals"):
        return _fragment("booking/_totals.html", totals=flow.totals)
    step = current_step(flow, request.args.get("edit"))
    if _is_htmx("when") and step != "when":
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
        return _page(render_template("booking/not_ready.html"), 503)
    now = utcnow()
    flow = build_flow(FlowInput.read(request.form), location, now, check_start=False)
    step = current_step(flow)
    if step != "review":
        return render_flow(flow, step, status=422, force_errors=True)
    assert flow.start is not None and flow.vehicle is not None and flow.details is not None
    customer = _current_customer()
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
        by_staff=_current_staff(),
    )
    try:
        appointment = booking.book(req, now=now)
    except booking.SlotTaken as exc:
        return render_flow(flow, "review", status=409, taken=exc)
    except booking.BookingError as exc:
        place, name = ERROR_PLACES.get(exc.field or "", ("review", "form"))
        return render_flow(flow, place, status=exc.status, extra_errors={name: exc.message})
    if req.by_staff is not None:
        flash(
            f"Booked for {appointment.contact_name}: "
            f"{when_label(appointment.starts_at, flow.zone)}. "
            f"The confirmation goes to {appointment.contact_email}.",
            "success",
        )
        return redirect(url_for("booking.detail", reference=appointment.reference), 303)
    flash(
        f"Your visit is booked: {when_label(appointment.starts_at, flow.zone)}. "
        f"We've sent a confirmation to {appointment.contact_email}.",
        "success",
    )
    if appointment.customer_id is not None:
        return redirect(url_for("booking.detail", reference=appointment.reference), 303)
    return redirect(url_for("booking.manage", token=manage_links.make_token(appointment)), 303)


# --- appointment pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """How this visitor reached the appointment: their account (or staff), or a guest link."""

    appointment: Appointment
    actor: User | None
    token: str | None = None

    @property
    def staff(self) -> bool:
        return self.actor is not None and self.actor.is_staff

    def url(self, action: str = "", **params: str) -> str:
        if self.token is not None:
            return url_for(f"booking.manage{action}", token=self.token, **params)
        return url_for(f"booking.detail{action}", reference=self.appointment.reference, **params)

    def refusal(self, now: datetime) -> str | None:
        """Why this visitor can't reschedule or cancel now, or None."""
        status = self.appointment.status
        if self.staff:
            if status is AppointmentStatus.SCHEDULED:
                return None
            return f"This appointment is {status.label.lower()}; it can't be changed here."
        return booking.customer_may_change(self.appointment, now)


def _by_reference(reference: str) -> Access:
    appointment = db.session.scalar(
        sa.select(Appointment).where(Appointment.reference == reference)
    )
    user = current_user._get_current_object()
    if appointment is None or not (user.is_staff or appointment.customer_id == user.id):
        abort(404)
    return Access(appointment, user)


def _by_token(token: str) -> Access | Response:
    try:
        appointment = manage_links.appointment_for(token)
    except manage_links.LinkInvalid as exc:
        html = render_template("booking/link_invalid.html", message=str(exc))
        return _page(html, 400)
    return Access(appointment, _current_customer(), token)


def _appointment_context(access: Access, now: datetime) -> dict[str, Any]:
    appointment = access.appointment
    zone = ZoneInfo(appointment.location.timezone)
    return {
        "access": access,
        "appointment": appointment,
        "zone": zone,
        "zone_name": _zone_name(zone, appointment.starts_at),
        "totals": totals_of(appointment.services),
        "when_label": when_label,
        "time_label": time_label,
        "refusal": access.refusal(now),
        "guest": appointment.customer_id is None,
    }


#: While the car is with the shop (or due today), its page refreshes the progress by itself.
LIVE_STATUSES = frozenset(
    {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.WAITING_ON_PARTS,
        AppointmentStatus.READY_FOR_PICKUP,
    }
)


def _live(appointment: Appointment, now: datetime) -> bool:
    if appointment.status not in LIVE_STATUSES:
        return False
    zone = ZoneInfo(appointment.location.timezone)
    return appointment.starts_at.astimezone(zone).date() <= now.astimezone(zone).date()


def _show(access: Access) -> Response:
    now = utcnow()
    context = _appointment_context(access, now)
    return _page(
        render_template("booking/appointment.html", live=_live(access.appointment, now), **context)
    )


def _progress(access: Access) -> Response:
    """The progress card alone: what the page's htmx polling swaps in."""
    now = utcnow()
    context = _appointment_context(access, now)
    html = render_template("booking/_progress.html", live=_live(access.appointment, now), **context)
    return _page(html)


def _calendar_file(access: Access) -> Response:
    appointment = access.appointment
    response = current_app.make_response(appointment_ics(appointment))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="appointment-{appointment.reference}.ics"'
    )
    return response


def _reschedule(access: Access) -> Response:
    now = utcnow()
    appointment = access.appointment
    context = _appointment_context(access, now)
    zone: ZoneInfo = context["zone"]
    errors: dict[str, str] = {}
    taken: booking.SlotTaken | None = None
    status = 200
    source = request.form if request.method == "POST" else request.args
    if request.method == "POST" and context["refusal"] is not None:
        status = 403
    elif request.method == "POST":
        start, errors = forms.parse_start(FlowInput.read(request.form))
        if start is not None:
            try:
                booking.reschedule(appointment, start, now=now, actor=access.actor)
            except booking.SlotTaken as exc:
                taken, status = exc, 409
                errors = {"start": exc.message}
            except booking.BookingError as exc:
                errors, status = {"start": exc.message}, exc.status
            else:
                flash(f"Your visit was moved to {when_label(start, zone)}.", "success")
                return redirect(access.url(), 303)
        else:
            status = 422
        context = _appointment_context(access, now)
    cal = None
    if context["refusal"] is None:
        selected = forms.parse_day(source.get("day", ""))
        chosen, _ = forms.parse_start(FlowInput.read(source))
        if chosen is not None:
            selected = chosen.astimezone(zone).date()
        cal = month_calendar(
            visit_of(appointment),
            location=appointment.location,
            month=_month_in_view(source.get("month", ""), selected, now, zone),
            selected=selected,
            chosen=chosen,
            now=now,
            day_url=lambda d: access.url("_reschedule", day=d.isoformat()),
            month_url=lambda m: access.url("_reschedule", month=f"{m:%Y-%m}"),
            exclude_appointment_id=appointment.id,
            by_staff=access.staff,
        )
    context.update(
        cal=cal,
        errors=errors,
        taken=taken,
        time_form={
            "action": access.url("_reschedule"),
            "method": "post",
            "hidden": [],
            "step": "",
            "button": "Move my visit to this time",
        },
    )
    if cal is not None and _is_htmx("when"):
        return _fragment("booking/_when_swap.html", **context)
    return _page(render_template("booking/reschedule.html", **context), status)


def _cancel(access: Access) -> Response:
    now = utcnow()
    context = _appointment_context(access, now)
    error = None
    status = 403 if request.method == "POST" and context["refusal"] is not None else 200
    if request.method == "POST" and context["refusal"] is None:
        try:
            booking.cancel(access.appointment, now=now, actor=access.actor)
        except booking.BookingError as exc:
            error, status = exc.message, exc.status
        else:
            flash("Your appointment was cancelled. We've sent you a confirmation.", "success")
            return redirect(access.url(), 303)
        context = _appointment_context(access, now)
    return _page(render_template("booking/cancel.html", error=error, **context), status)


@bp.get("/appointments")
@auth_required()
def my_appointments() -> Response:
    now = utcnow()
    everything = booking.appointments_of(current_user._get_current_object())
    upcoming = sorted(
        (a for a in everything if a.starts_at >= now), key=lambda a: a.starts_at, reverse=True
    )
    past = [a for a in everything if a.starts_at < now]
    return _page(
        render_template(
            "booking/my_appointments.html",
            upcoming=upcoming,
            past=past,
            zones={a.id: ZoneInfo(a.location.timezone) for a in everything},
            when_label=when_label,
            totals_of=totals_of,
        )
    )


@bp.get("/appointments/<reference>")
@auth_required()
def detail(reference: str) -> Response:
    return _show(_by_reference(reference))


@bp.get("/appointments/<reference>/progress")
@auth_required()
def detail_progress(reference: str) -> Response:
    return _progress(_by_reference(reference))


@bp.get("/appointments/<reference>/calendar.ics")
@auth_required()
def detail_calendar(reference: str) -> Response:
    return _calendar_file(_by_reference(reference))


@bp.route("/appointments/<reference>/reschedule", methods=["GET", "POST"])
@auth_required()
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def detail_reschedule(reference: str) -> Response:
    return _reschedule(_by_reference(reference))


@bp.route("/appointments/<reference>/cancel", methods=["GET", "POST"])
@auth_required()
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def detail_cancel(reference: str) -> Response:
    return _cancel(_by_reference(reference))


@bp.get("/appointments/manage/<token>")
def manage(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _show(access)


@bp.get("/appointments/manage/<token>/progress")
def manage_progress(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _progress(access)


@bp.get("/appointments/manage/<token>/calendar.ics")
def manage_calendar(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _calendar_file(access)


@bp.route("/appointments/manage/<token>/reschedule", methods=["GET", "POST"])
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def manage_reschedule(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _reschedule(access)


@bp.route("/appointments/manage/<token>/cancel", methods=["GET", "POST"])
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def manage_cancel(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _cancel(access)
