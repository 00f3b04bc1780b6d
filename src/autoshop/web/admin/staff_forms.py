"""Admin forms for staff accounts: the invitation and the per-person actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from autoshop.domain.choices import Role
from autoshop.i18n import _l
from autoshop.web.validators import SingleLine

STAFF_ROLE_CHOICES = [
    SelectChoice(Role.MECHANIC.value, _l("Mechanic")),
    SelectChoice(Role.ADMIN.value, _l("Admin")),
]


class InviteForm(FlaskForm):
    first_name = StringField(
        _l("First name"),
        validators=[
            DataRequired(message=_l("Enter their first name.")),
            Length(max=80),
            SingleLine(),
        ],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(
        _l("Last name"),
        validators=[
            DataRequired(message=_l("Enter their last name.")),
            Length(max=80),
            SingleLine(),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter their email address.")),
            Length(max=254),
            Email(
                message=_l("Enter an email address like name@example.com."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "off"},
    )
    role = RadioField(
        _l("Role"),
        choices=STAFF_ROLE_CHOICES,
        default=Role.MECHANIC.value,
        validators=[InputRequired(message=_l("Choose mechanic or admin."))],
    )


class RoleForm(FlaskForm):
    role = RadioField(
        _l("Role"),
        choices=STAFF_ROLE_CHOICES,
        validators=[InputRequired(message=_l("Choose a role."))],
    )
    #: The role the page showed: a change made on a stale page is refused.
    seen_role = HiddenField(validators=[InputRequired()])


class AcceptInviteForm(FlaskForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Choose a password.")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    password_confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=_l("The two passwords don't match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
