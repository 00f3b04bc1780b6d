from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, Length, ValidationError

from autoshop.security_forms import PhoneNumber
from autoshop.web.validators import SingleLine


class ProfileForm(FlaskForm):
    first_name = StringField(
        "First name",
        validators=[DataRequired(message="Enter your first name."), Length(max=80), SingleLine()],
        render_kw={"autocomplete": "given-name"},
    )
    last_name = StringField(
        "Last name",
        validators=[DataRequired(message="Enter your last name."), Length(max=80), SingleLine()],
        render_kw={"autocomplete": "family-name"},
    )
    phone = TelField(
        "Mobile phone",
        validators=[Length(max=32), PhoneNumber()],
        render_kw={"autocomplete": "tel"},
        description="Needed for text messages. US numbers can be typed as you'd dial them.",
    )
    email_opt_in = BooleanField("Email me confirmations, reminders and status updates")
    sms_opt_in = BooleanField("Text me reminders and status updates")
    submit = SubmitField("Save changes")

    def validate_sms_opt_in(self, field: BooleanField) -> None:
        if field.data and not self.phone.data:
            raise ValidationError("Add a mobile number to get text messages.")


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to delete the account.")],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        "I understand that my account, vehicles and contact details are removed for good",
        validators=[DataRequired(message="Tick the box to confirm you want this.")],
    )
    submit = SubmitField("Delete my account")


class VehicleForm(FlaskForm):
    """A saved car. The fields are checked together by domain.vehicles.check_car (the same rules
    as the booking flow), which also reads the VIN: its year and region, and a warning."""

    vin = StringField(
        "VIN",
        description="17 characters, on the registration or the dashboard by the windshield. "
        "We read the model year from it.",
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"},
    )
    year = StringField(
        "Model year",
        render_kw={"inputmode": "numeric", "maxlength": "4", "autocomplete": "off"},
    )
    make = StringField("Make", render_kw={"maxlength": "40"})
    model = StringField("Model", render_kw={"maxlength": "60"})
    trim = StringField("Trim (optional)", render_kw={"maxlength": "60"})
    colour = StringField("Colour (optional)", render_kw={"maxlength": "30"})
    plate = StringField(
        "License plate (optional)",
        render_kw={"maxlength": "20", "autocapitalize": "characters", "autocomplete": "off"},
    )
    mileage = StringField(
        "Mileage (optional)", render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    nickname = StringField(
        "Nickname (optional)",
        description="What you call it, e.g. \u201cWork truck\u201d.",
        render_kw={"maxlength": "40"},
    )
    submit = SubmitField("Save car")

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
    submit = SubmitField("Remove")
