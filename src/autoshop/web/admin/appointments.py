"""Admin: every appointment over any dates, filtered, searched, sorted, paged and exported.

The filters are a GET form (a filtered list is a link staff can bookmark or share). With htmx the
form swaps only the results and pushes the URL; without JavaScript it is an ordinary form.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, stream_with_context
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from autoshop.domain.bounds import one_line
from autoshop.domain.choices import BookingSource
from autoshop.domain.status import AppointmentStatus
from autoshop.i18n import _, _l, format_moment, lazy_label
from autoshop.models import Appointment
from autoshop.services import appointment_search as finder
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.forms import MultiCheckboxField
from autoshop.web.validators import SingleLine

UNASSIGNED = "unassigned"


class ListedChoice(SelectField):
    """A select whose value must be one of its options, with a message saying which list."""

    def __init__(self, *args: Any, invalid: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def pre_validate(self, form: Any) -> None:
        if self.data not in {str(c[0]) for c in self.iter_choices()}:
            raise ValidationError(self.invalid)


class StatusesField(MultiCheckboxField):
    def pre_validate(self, form: Any) -> None:
        known = {s.value for s in AppointmentStatus}
        if any(value not in known for value in self.data or []):
            raise ValidationError(_("Choose statuses from the list."))


class AppointmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=finder.MAX_QUERY_LENGTH), SingleLine()],
        description=_l("Reference, customer, phone, email, plate or VIN"),
    )
    status = StatusesField(
        _l("Status"), choices=[SelectChoice(s.value, lazy_label(s)) for s in finder.STATUS_ORDER]
    )
    location = ListedChoice(_l("Location"), invalid=_l("Choose a location from the list."))
    bay = ListedChoice(_l("Bay"), invalid=_l("Choose a bay from the list."))
    mechanic = ListedChoice(_l("Mechanic"), invalid=_l("Choose a mechanic from the list."))
    service = ListedChoice(_l("Service"), invalid=_l("Choose a service from the list."))
    source = ListedChoice(
        _l("Booked"),
        invalid=_l("Choose online or by staff."),
        choices=[SelectChoice("", _l("Any way"))]
        + [SelectChoice(s.value, lazy_label(s)) for s in BookingSource],
    )
    sort = ListedChoice(
        _l("Sort by"),
        invalid=_l("Choose a sort order from the list."),
        choices=[SelectChoice(k.value, lazy_label(k)) for k in finder.SortKey],
    )
    order = ListedChoice(
        _l("Order"),
        invalid=_l("Choose ascending or descending."),
        choices=[SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending"))],
    )
    per_page = ListedChoice(
        _l("Rows per page"),
        invalid=_l("Choose 25, 50 or 100 rows per page."),
        choices=[SelectChoice(str(n), str(n)) for n in finder.PAGE_SIZES],
    )
    page = StringField(_l("Page"), validators=[Optional(), Length(max=7)])

    def __init__(self, options: finder.FilterOptions, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.location.choices = [SelectChoice("", _("All locations")), *_choices(options.locations)]
        self.bay.choices = [SelectChoice("", _("All bays")), *_choices(options.bays)]
        self.mechanic.choices = [
            SelectChoice("", _("Anyone or nobody")),
            SelectChoice(UNASSIGNED, _("Unassigned")),
            *_choices(options.mechanics),
        ]
        self.service.choices = [SelectChoice("", _("All services")), *_choices(options.services)]
        for select in (self.location, self.bay, self.mechanic, self.service, self.source):
            if select.data is None:
                select.data = ""
        # Missing or blank (a link without them): the defaults.
        for select, default in (
            (self.sort, finder.SortKey.START.value),
            (self.order, "asc"),
            (self.per_page, str(finder.PAGE_SIZES[0])),
        ):
            if not select.data:
                select.data = default

    def validate_page(self, field: StringField) -> None:
        if field.data and (not field.data.isdigit() or int(field.data) < 1):
            raise ValidationError(_("The page number is a whole number from 1."))

    def validate_end(self, field: DateField) -> None:
        if self.start.data and field.data:
            problem = finder.range_problem(self.start.data, field.data)
            if problem:
                raise ValidationError(problem)

    def filters(self, today: date) -> finder.SearchFilters:
        """The typed filters of a form that validated; empty dates take the default week."""
        start, end = self.start.data, self.end.data
        span = timedelta(days=finder.DEFAULT_RANGE_DAYS)
        if start is None and end is None:
            start, end = finder.default_range(today)
        elif start is None:
            start = end - span  # type: ignore[operator]
        elif end is None:
            end = start + span
        mechanic = self.mechanic.data or ""
        return finder.SearchFilters(
            start=start,
            end=end,
            statuses=frozenset(AppointmentStatus(s) for s in self.status.data or []),
            location_id=_int(self.location.data),
            bay_id=_int(self.bay.data),
            mechanic_id=None if mechanic == UNASSIGNED else _int(mechanic),
            unassigned=mechanic == UNASSIGNED,
            service_id=_int(self.service.data),
            source=BookingSource(self.source.data) if self.source.data else None,
            text=(self.q.data or "").strip(),
            sort=finder.SortKey(self.sort.data or finder.SortKey.START),
            descending=self.order.data == "desc",
        )

    @property
    def page_number(self) -> int:
        return int(self.page.data) if self.page.data and self.page.data.isdigit() else 1

    @property
    def page_size(self) -> int:
        return int(self.per_page.data or finder.PAGE_SIZES[0])


def _choices(items: Iterable[finder.Choice]) -> list[SelectChoice]:
    return [SelectChoice(str(c.id), c.label) for c in items]


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _today(options: finder.FilterOptions, location_id: int | None) -> date:
    """Today in the chosen location's zone (else the first location's, else the shop's)."""
    zone = options.zones.get(location_id or -1) or next(
        iter(options.zones.values()), ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    )
    return utcnow().astimezone(zone).date()


def _prepared() -> tuple[AppointmentFilterForm, finder.SearchFilters | None]:
    options = finder.filter_options()
    form = AppointmentFilterForm(options, formdata=request.args)
    if not form.validate():
        return form, None
    filters = form.filters(_today(options, _int(form.location.data)))
    if not form.start.data:
        form.start.data = filters.start
    if not form.end.data:
        form.end.data = filters.end
    problem = finder.range_problem(filters.start, filters.end)
    if problem:  # only one date typed, the other taken from the default week
        form.end.errors = [problem]
        return form, None
    return form, filters


def local(appointment: Appointment, style: str = "moment") -> str:
    """A start shown in its own location's zone."""
    return format_moment(appointment.starts_at, style, ZoneInfo(appointment.location.timezone))


def _query_without(*names: str) -> dict[str, Any]:
    return {
        key: request.args.getlist(key)
        for key in request.args
        if key not in names and any(request.args.getlist(key))
    }


@bp.get("/appointments")
@role_required("admin")
def appointments() -> Response | str:
    form, filters = _prepared()
    result = None
    if filters is not None:
        result = finder.search(
            filters,
            page=form.page_number,
            per_page=form.page_size,
            zones=form.options.zones,
        )
    context = {
        "form": form,
        "filters": filters,
        "result": result,
        "local": local,
        "query": _query_without("page"),
        "sort_query": _query_without("page", "sort", "order"),
        "statuses": finder.STATUS_ORDER,
    }
    partial = (
        request.headers.get("HX-Target") == "results"
        and "HX-History-Restore-Request" not in request.headers
    )
    html = render_template(
        "admin/_appointment_results.html" if partial else "admin/appointments.html", **context
    )
    response = Response(html)
    response.headers["Vary"] = "HX-Target"
    return response


#: Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell no spreadsheet will run as a formula: those starts get a leading apostrophe."""
    text = one_line("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_HEADER = [
    "Reference",
    "Date",
    "Time",
    "Time zone",
    "Status",
    "Customer",
    "Email",
    "Phone",
    "Vehicle",
    "Plate",
    "VIN",
    "Services",
    "Location",
    "Bay",
    "Mechanic",
    "Booked",
]


def csv_row(a: Appointment) -> list[str]:
    zone = ZoneInfo(a.location.timezone)
    starts = a.starts_at.astimezone(zone)
    phone = (a.customer.phone or "") if a.customer else a.guest_phone
    return [
        safe_cell(v)
        for v in (
            a.reference,
            starts.strftime("%Y-%m-%d"),
            starts.strftime("%H:%M"),
            a.location.timezone,
            a.status.label,
            a.contact_name,
            a.contact_email,
            phone,
            a.vehicle.label,
            a.vehicle.plate,
            a.vehicle.vin or "",
            "; ".join(s.name for s in a.services),
            a.location.name,
            a.bay.name,
            a.mechanic.full_name if a.mechanic else "",
            a.source.label,
        )
    ]


@bp.get("/appointments.csv")
@role_required("admin")
def appointments_csv() -> Response:
    form, filters = _prepared()
    if filters is None:
        problems = [
            _("%(field)s: %(problems)s", field=f.label.text, problems=" ".join(map(str, f.errors)))
            for f in form
            if f.errors
        ]
        return Response(
            _("The filters can't be used: %(problems)s", problems=" ".join(problems)) + "\n",
            status=400,
            mimetype="text/plain",
        )
    zones = form.options.zones

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for n, appointment in enumerate(finder.every_match(filters, zones=zones), 1):
            writer.writerow(csv_row(appointment))
            if n % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"appointments-{filters.start.isoformat()}-to-{filters.end.isoformat()}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
