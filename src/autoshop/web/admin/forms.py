"""Admin forms: the catalog and the shop calendar. Business rules live in the services."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.form import Form
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from autoshop.domain import bounds, visit_caps
from autoshop.domain.choices import Capability, PriceKind
from autoshop.domain.schedule_rules import (
    FORM,
    ValidationFailed,
    check_price,
    is_known_zone,
    parse_dollars,
    parse_minutes_list,
)
from autoshop.i18n import _, _l, lazy_label
from autoshop.security_forms import PhoneNumber
from autoshop.web.validators import InRange, SingleLine

_ORDER_HELP = _l("Lower numbers are listed first.")


def _order_field() -> IntegerField:
    return IntegerField(
        _l("Display order"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter a number (0 or more).")),
            InRange(bounds.SORT_ORDER, _l("The order")),
        ],
        description=_ORDER_HELP,
    )


def apply_errors(form: Form, error: ValidationFailed) -> None:
    """Show a service's ValidationFailed on the form: on its field, else above the form."""
    for name, messages in error.errors.items():
        field = form._fields.get(name) if name != FORM else None
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=80), SingleLine()],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Optional. Shown to customers above the category's services."),
        render_kw={"rows": 3},
    )
    sort_order = _order_field()
    submit = SubmitField(_l("Save category"))


class DollarsField(StringField):
    """An amount typed in dollars ('49.99', '$1,200'); `cents` holds the parsed value."""

    cents: int | None = None

    def pre_validate(self, form: Any) -> None:
        try:
            self.cents = parse_dollars(self.data or "")
        except ValueError as exc:
            self.cents = None
            raise ValidationError(str(exc)) from exc


class ServiceForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=120), SingleLine()],
    )
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False)
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What the job includes, in words a customer understands."),
        render_kw={"rows": 3},
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        validators=[
            InputRequired(message=_l("Enter how long the job takes, in minutes.")),
            InRange(bounds.SERVICE_DURATION_MINUTES, _l("The duration")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    price_kind = RadioField(
        _l("How it is priced"),
        choices=[SelectChoice(k.value, lazy_label(k)) for k in PriceKind],
        default=PriceKind.FIXED.value,
        validators=[InputRequired(message=_l("Choose how the service is priced."))],
    )
    price_min = DollarsField(
        _l("Price, or lowest price, in dollars"),
        description=_l(
            "For example 49.99. For “priced after diagnosis”, optional: the fee it starts at."
        ),
        render_kw={"inputmode": "decimal"},
    )
    price_max = DollarsField(
        _l("Highest price in dollars"),
        description=_l("Only for a price range."),
        render_kw={"inputmode": "decimal"},
    )
    capability = RadioField(
        _l("Bay it needs"),
        choices=[SelectChoice(c.value, lazy_label(c)) for c in Capability],
        default=Capability.GENERAL.value,
        validators=[InputRequired(message=_l("Choose the kind of bay the job needs."))],
    )
    active = BooleanField(_l("Customers can book it"), default=True)
    sort_order = _order_field()
    submit = SubmitField(_l("Save service"))

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the price rule, so every mistake is shown in one go."""
        valid = bool(super().validate(extra_validators))
        if not (self.price_kind.errors or self.price_min.errors or self.price_max.errors):
            try:
                check_price(
                    PriceKind(self.price_kind.data), self.price_min.cents, self.price_max.cents
                )
            except ValidationFailed as exc:
                apply_errors(self, exc)
                valid = False
        return valid


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _cap(label: str, range_: bounds.Range, what: str, **kw: Any) -> IntegerField:
    """An optional cap: empty is no cap, otherwise a whole number in `range_` (not zero)."""
    return IntegerField(
        label,
        validators=[Optional(), InRange(range_, what)],
        render_kw={"inputmode": "numeric"},
        **kw,
    )


def _minutes(label: str, range_: bounds.Range, what: str, **kw: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(message=_l("Enter a whole number.")), InRange(range_, what)],
        render_kw={"inputmode": "numeric"},
        **kw,
    )


class LocationForm(FlaskForm):
    name = StringField(
        _l("Shop name"),
        validators=[
            DataRequired(message=_l("Enter the shop's name.")),
            Length(max=120),
            SingleLine(),
        ],
    )
    address = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=255), SingleLine()],
        render_kw={"autocomplete": "off"},
    )
    phone = TelField(_l("Phone"), validators=[Length(max=32), SingleLine(), PhoneNumber(empty="")])
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=254),
            SingleLine(),
            Email(message=_l("Enter an email address like service@example.com.")),
        ],
    )
    timezone = StringField(
        _l("Time zone"),
        default="America/New_York",
        validators=[DataRequired(message=_l("Enter the shop's time zone."))],
        description=_l(
            "An IANA name such as America/New_York, America/Chicago or America/Los_Angeles."
        ),
    )
    slot_interval_minutes = _minutes(
        _l("Slot interval (minutes)"),
        bounds.SLOT_INTERVAL_MINUTES,
        _l("The slot interval"),
        default=15,
        description=_l("Customers can start a visit every this many minutes."),
    )
    minimum_notice_minutes = _minutes(
        _l("Minimum notice (minutes)"),
        bounds.MINIMUM_NOTICE_MINUTES,
        _l("The notice"),
        default=120,
        description=_l("How long before a visit a customer can still book it online."),
    )
    horizon_days = _minutes(
        _l("Booking horizon (days)"),
        bounds.HORIZON_DAYS,
        _l("The horizon"),
        default=60,
        description=_l("How many days ahead customers can book."),
    )
    buffer_minutes = _minutes(
        _l("Buffer between jobs (minutes)"),
        bounds.BUFFER_MINUTES,
        _l("The buffer"),
        default=10,
    )
    cancellation_cutoff_hours = _minutes(
        _l("Cancellation cutoff (hours)"),
        bounds.CANCELLATION_CUTOFF_HOURS,
        _l("The cutoff"),
        default=24,
        description=_l("Customers can cancel online until this many hours before the visit."),
    )
    reminder_leads = StringField(
        _l("Reminders (minutes before the visit)"),
        default="1440, 120",
        description=_l(
            "Comma-separated, e.g. 1440, 120 for a day and two hours before. "
            "Leave empty for no reminders."
        ),
    )
    wait_cap = _cap(
        _l("Waiting customers per interval"),
        visit_caps.WAITERS,
        _l("The waiting-customer cap"),
        description=_l(
            "At most this many customers who wait at the shop may start their visit "
            "in each interval below. Leave empty for no cap."
        ),
    )
    wait_cap_minutes = _cap(
        _l("Waiter interval (minutes)"),
        visit_caps.WAIT_MINUTES,
        _l("The interval"),
        description=_l(
            "Fixed blocks counted on the shop's clock from midnight: 60 means "
            "8:00-9:00, 9:00-10:00 and so on. Needed with the cap above."
        ),
    )
    drop_off_cap = _cap(
        _l("Drop-offs per morning"),
        visit_caps.DROP_OFFS,
        _l("The drop-off cap"),
        description=_l(
            "At most this many drop-offs may start before noon (shop time) each day; "
            "afternoon drop-offs are not capped. Leave empty for no cap."
        ),
    )
    submit = SubmitField(_l("Save shop details"))

    reminder_minutes: list[int] = []

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the waiter cap and its interval, which come together."""
        valid = bool(super().validate(extra_validators))
        cap, minutes = self.wait_cap, self.wait_cap_minutes
        if not (cap.errors or minutes.errors):
            if cap.data is not None and minutes.data is None:
                minutes.errors = [*minutes.errors, _("Give the interval the waiter cap is for.")]
                valid = False
            elif cap.data is None and minutes.data is not None:
                cap.errors = [
                    *cap.errors,
                    _l(
                        "Give how many waiting customers the interval takes, "
                        "or empty the interval for no cap."
                    ),
                ]
                valid = False
        return valid

    def validate_timezone(self, field: StringField) -> None:
        field.data = (field.data or "").strip()
        if not is_known_zone(field.data):
            raise ValidationError(
                _(
                    "%(zone)s is not a time zone we know. "
                    "Use a name from the IANA list, like America/New_York.",
                    zone=field.data,
                )
            )

    def validate_reminder_leads(self, field: StringField) -> None:
        try:
            self.reminder_minutes = parse_minutes_list(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class BayForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=80), SingleLine()],
    )
    capabilities = MultiCheckboxField(
        _l("Equipped for"),
        choices=[SelectChoice(c.value, lazy_label(c)) for c in Capability],
        validate_choice=False,
    )
    active = BooleanField(_l("In use (bookable)"), default=True)
    sort_order = _order_field()
    submit = SubmitField(_l("Save bay"))

    def validate_capabilities(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_("Tick at least one thing the bay is equipped for."))


class IntervalForm(Form):
    """One opening interval; both times empty means the row is unused."""

    opens = TimeField(_l("Opens"), format=["%H:%M", "%H:%M:%S"], validators=[Optional()])
    closes = TimeField(_l("Closes"), format=["%H:%M", "%H:%M:%S"], validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.opens.data is None) != (self.closes.data is None):
            missing = self.closes if self.closes.data is None else self.opens
            missing.errors = [*missing.errors, _("Enter both times, or leave both empty.")]
            return False
        return True


INTERVAL_ROWS = 3


class DayHoursForm(FlaskForm):
    """A weekday's opening hours: up to three intervals (a lunch break makes two).

    Seven of these share a page, each with its own prefix; the page carries one plain CSRF token
    (checked by CSRFProtect on every POST), as a prefixed token field would be named per form.
    """

    class Meta:
        csrf = False

    intervals = FieldList(
        FormField(IntervalForm), min_entries=INTERVAL_ROWS, max_entries=INTERVAL_ROWS
    )
    submit = SubmitField(_l("Save"))

    def chosen_intervals(self) -> list[tuple[Any, Any]]:
        return [
            (row.opens.data, row.closes.data)
            for row in self.intervals
            if row.opens.data is not None and row.closes.data is not None
        ]


class ClosureForm(FlaskForm):
    starts_local = DateTimeLocalField(
        _l("Closed from"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Enter when the closure starts."))],
    )
    ends_local = DateTimeLocalField(
        _l("Open again at"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Enter when the shop opens again."))],
    )
    reason = StringField(
        _l("Reason shown to customers"),
        validators=[
            DataRequired(message=_l("Tell customers why the shop is closed.")),
            Length(max=200),
            SingleLine(),
        ],
        description=_l("For example: Thanksgiving, or Staff training."),
    )
    submit = SubmitField(_l("Add closure"))


KEEP, CANCEL, MOVE = "keep", "cancel", "move"


#: The answers every schedule change that leaves booked visits behind offers.
KEEP_CHOICE = SelectChoice(
    KEEP,
    _l(
        "Keep them booked. They are listed on the dashboard as conflicts "
        "until you move or cancel them."
    ),
)
CANCEL_CHOICE = SelectChoice(
    CANCEL, _l("Cancel them and tell each customer, with a link to book again.")
)


class ScheduleChangeDecisionForm(FlaskForm):
    """The second step of a schedule change that hits bookings: keep the visits or cancel them.

    It is posted together with the first step's fields (carried as hidden inputs) and uses the
    `decision` prefix so its names never clash with theirs; the page carries one plain CSRF
    token, which the first step's form and CSRFProtect check.
    """

    class Meta:
        csrf = False

    shown = HiddenField()
    choice = RadioField(
        _l("What should happen to these visits?"),
        choices=[
            KEEP_CHOICE,
            CANCEL_CHOICE,
        ],
        validators=[
            InputRequired(message=_l("Choose whether to keep these visits or cancel them."))
        ],
    )
    message = TextAreaField(
        _l("Message to the customers"),
        validators=[Length(max=500, message=_l("Keep the message under 500 characters."))],
        description=_l(
            "Sent with each cancellation, with a link to book again. "
            "Not sent when you keep the visits."
        ),
        render_kw={"rows": 3},
    )
    confirm = SubmitField(_l("Save the change"))

    def validate_message(self, field: TextAreaField) -> None:
        field.data = (field.data or "").strip()
        if self.choice.data == CANCEL and not field.data:
            raise ValidationError(_("Tell the customers why their visit is cancelled."))


class BayChangeDecisionForm(ScheduleChangeDecisionForm):
    """For a bay going out of service: the visits on it may also move to another free bay."""

    choice = RadioField(
        _l("What should happen to these visits?"),
        choices=[
            SelectChoice(
                MOVE,
                _l(
                    "Move them to another bay that is free at the same time. The customers keep "
                    "their times; a visit with no free bay stays listed on the dashboard."
                ),
            ),
            KEEP_CHOICE,
            CANCEL_CHOICE,
        ],
        validators=[
            InputRequired(message=_l("Choose whether to move, keep or cancel these visits."))
        ],
    )


def _id_or_none(value: Any) -> int | None:
    """A posted id, or None for anything that isn't one (the service then says what to do)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number in bounds.ID else None


class PeriodForm(FlaskForm):
    """From a date to a date, each with an optional time in the location's zone (empty: the
    whole day); the bay's downtime and a mechanic's time off."""

    start_date = DateField(
        _l("From (date)"), validators=[InputRequired(message=_l("Enter the start date."))]
    )
    start_time = TimeField(
        _l("From (time)"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[Optional()],
        description=_l("Leave empty to start at the beginning of the day."),
    )
    end_date = DateField(
        _l("Until (date)"), validators=[InputRequired(message=_l("Enter the end date."))]
    )
    end_time = TimeField(
        _l("Until (time)"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[Optional()],
        description=_l("Leave empty to go on to the end of that day."),
    )


class DowntimeForm(PeriodForm):
    """A bay out of service for a period; times in the location's zone, empty for whole days."""

    bay_id = SelectField(
        _l("Bay"),
        coerce=_id_or_none,
        validate_choice=False,  # the service says which bays belong to the location
        validators=[InputRequired(message=_l("Choose a bay."))],
    )
    #: Required by the service, which reports a missing reason with the other problems.
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=200), SingleLine()],
        description=_l("For staff, for example: Annual lift inspection."),
        render_kw={"required": True},
    )
    submit = SubmitField(_l("Take out of service"))
