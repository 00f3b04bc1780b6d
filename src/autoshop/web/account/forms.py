from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from autoshop.i18n import LANGUAGES, _, _l
from autoshop.security_forms import PhoneNumber
from autoshop.web.validators import SingleLine


class ProfileForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        validators=[
            DataRequired(message=_l("Enter your first name.")),
            Length(max=80),
            SingleLine(),
        ],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        _l("Last name"),
        validators=[
            DataRequired(message=_l("Enter your last name.")),
            Length(max=80),
            SingleLine(),
        ],
        render_kw={"autocomplete": "family-name"},
    )
    phone = TelField(
        _l("Mobile phone"),
        validators=[Length(max=32), PhoneNumber()],
        render_kw={"autocomplete": "tel"},
        description=_l("Needed for text messages. US numbers can be typed as you'd dial them."),
    )
    email_opt_in = BooleanField(_l("Email me confirmations, reminders and status updates"))
    sms_opt_in = BooleanField(_l("Text me reminders and status updates"))
    #: The language pages, emails and texts speak to this customer (each named in itself).
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()
        ],
        validate_choice=False,
        description=_l("For these pages and for the emails and texts we send you."),
    )
    submit = SubmitField(_l("Save changes"))

    def validate_locale(self, field: SelectField) -> None:
        # Not sent (an older form): the saved choice stays as it is.
        if field.raw_data and field.data not in LANGUAGES:
            raise ValidationError(_("Choose English or Español."))

    def validate_sms_opt_in(self, field: BooleanField) -> None:
        if field.data and not self.phone.data:
            raise ValidationError(_("Add a mobile number to get text messages."))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password to delete the account."))],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("I understand that my account, vehicles and contact details are removed for good"),
        validators=[DataRequired(message=_l("Tick the box to confirm you want this."))],
    )
    submit = SubmitField(_l("Delete my account"))


class VehicleForm(FlaskForm):
    """A saved car. The fields are checked together by domain.vehicles.check_car (the same rules
    as the booking flow), which also reads the VIN: its year and region, and a warning."""

    vin = StringField(
        "VIN",
        description=_l(
            "17 characters, on the registration or the dashboard by the windshield. "
            "We read the model year from it."
        ),
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"},
    )
    year = StringField(
        _l("Model year"),
        render_kw={"inputmode": "numeric", "maxlength": "4", "autocomplete": "off"},
    )
    make = StringField(_l("Make"), render_kw={"maxlength": "40"})
    model = StringField(_l("Model"), render_kw={"maxlength": "60"})
    trim = StringField(_l("Trim (optional)"), render_kw={"maxlength": "60"})
    colour = StringField(_l("Colour (optional)"), render_kw={"maxlength": "30"})
    plate = StringField(
        _l("License plate (optional)"),
        render_kw={"maxlength": "20", "autocapitalize": "characters", "autocomplete": "off"},
    )
    mileage = StringField(
        _l("Mileage (optional)"), render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    nickname = StringField(
        _l("Nickname (optional)"),
        description=_l("What you call it, e.g. \u201cWork truck\u201d."),
        render_kw={"maxlength": "40"},
    )
    submit = SubmitField(_l("Save car"))

    def raw_values(self) -> dict[str, str]:
        return {
            name: (getattr(self, name).data or "")
            for name in (
                "vin",
                "year",
                "make",
                "model",
                "trim",
                "colour",
                "plate",
                "mileage",
                "nickname",
            )
        }


class RemoveVehicleForm(FlaskForm):
    submit = SubmitField(_l("Remove"))
