"""Admin forms for a mechanic's schedule, skills and time off (rules in services/technicians)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length

from autoshop.i18n import LazyText, _l
from autoshop.services.technicians import weekday_name
from autoshop.web.admin.forms import MultiCheckboxField, PeriodForm, _id_or_none
from autoshop.web.validators import SingleLine

_HOURS_HELP = _l("Spans like 08:00-12:00, 13:00-17:00; 24:00 ends at midnight. Empty: not working.")


def _hours_field(weekday: int) -> StringField:
    return StringField(
        LazyText(weekday_name, weekday),
        validators=[Length(max=200), SingleLine()],
        render_kw={"autocomplete": "off"},
    )


class ScheduleForm(FlaskForm):
    location_id = SelectField(
        _l("Works at"),
        coerce=_id_or_none,
        validate_choice=False,  # the service checks the location
        validators=[InputRequired(message=_l("Choose a location."))],
    )
    hours_0 = _hours_field(0)
    hours_1 = _hours_field(1)
    hours_2 = _hours_field(2)
    hours_3 = _hours_field(3)
    hours_4 = _hours_field(4)
    hours_5 = _hours_field(5)
    hours_6 = _hours_field(6)
    #: The service refuses a category that doesn't exist (validate_choice off on purpose).
    skills = MultiCheckboxField(_l("Can do"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Save schedule and skills"))

    def hours_fields(self) -> list[StringField]:
        return [getattr(self, f"hours_{d}") for d in range(7)]


class TimeOffForm(PeriodForm):
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=200), SingleLine()],
        description=_l("For example: Annual leave."),
        render_kw={"required": True},
    )
    submit = SubmitField(_l("Add time off"))


KEEP, REASSIGN = "keep", "reassign"


class TimeOffDecisionForm(FlaskForm):
    """What to do with the mechanic's visits during the time off, for the visits shown."""

    shown = HiddenField()
    choice = RadioField(
        _l("Their visits then"),
        choices=[
            SelectChoice(REASSIGN, _l("Give each visit to a skilled technician who is free then")),
            SelectChoice(KEEP, _l("Keep them assigned, as conflicts to sort out later")),
        ],
        validators=[InputRequired(message=_l("Choose what happens to these visits."))],
    )
    confirm = SubmitField(_l("Save time off"))


HOURS_HELP = _HOURS_HELP
