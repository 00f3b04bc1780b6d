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

from autoshop.services.technicians import WEEKDAYS
from autoshop.web.admin.forms import MultiCheckboxField, PeriodForm, _id_or_none
from autoshop.web.validators import SingleLine

_HOURS_HELP = "Spans like 08:00-12:00, 13:00-17:00; 24:00 ends at midnight. Empty: not working."


def _hours_field(day: str) -> StringField:
    return StringField(
        day,
        validators=[Length(max=200), SingleLine()],
        render_kw={"autocomplete": "off"},
    )


class ScheduleForm(FlaskForm):
    location_id = SelectField(
        "Works at",
        coerce=_id_or_none,
        validate_choice=False,  # the service checks the location
        validators=[InputRequired(message="Choose a location.")],
    )
    hours_0 = _hours_field(WEEKDAYS[0])
    hours_1 = _hours_field(WEEKDAYS[1])
    hours_2 = _hours_field(WEEKDAYS[2])
    hours_3 = _hours_field(WEEKDAYS[3])
    hours_4 = _hours_field(WEEKDAYS[4])
    hours_5 = _hours_field(WEEKDAYS[5])
    hours_6 = _hours_field(WEEKDAYS[6])
    #: The service refuses a category that doesn't exist (validate_choice off on purpose).
    skills = MultiCheckboxField("Can do", coerce=str, validate_choice=False)
    submit = SubmitField("Save schedule and skills")

    def hours_fields(self) -> list[StringField]:
        return [getattr(self, f"hours_{d}") for d in range(7)]


class TimeOffForm(PeriodForm):
    reason = StringField(
        "Reason",
        validators=[Length(max=200), SingleLine()],
        description="For example: Annual leave.",
        render_kw={"required": True},
    )
    submit = SubmitField("Add time off")


KEEP, REASSIGN = "keep", "reassign"


class TimeOffDecisionForm(FlaskForm):
    """What to do with the mechanic's visits during the time off, for the visits shown."""

    shown = HiddenField()
    choice = RadioField(
        "Their visits then",
        choices=[
            SelectChoice(REASSIGN, "Give each visit to a skilled technician who is free then"),
            SelectChoice(KEEP, "Keep them assigned, as conflicts to sort out later"),
        ],
        validators=[InputRequired(message="Choose what happens to these visits.")],
    )
    confirm = SubmitField("Save time off")


HOURS_HELP = _HOURS_HELP
