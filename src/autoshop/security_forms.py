"""What Flask-Security-Too is built with: our registration form and the outbox mail hook."""

from __future__ import annotations

from typing import Any

import phonenumbers
from flask import after_this_request, current_app, has_request_context, request
from flask_security import LoginForm, MailUtil, RegisterFormV2
from wtforms import StringField, TelField
from wtforms.validators import DataRequired, Length, ValidationError

from autoshop.domain.choices import NotificationChannel
from autoshop.i18n import _, _l
from autoshop.timeutil import utcnow
from autoshop.web.validators import SingleLine


def normalize_phone(raw: str, region: str) -> str:
    """Parse a phone number as a customer types it; return E.164 or raise ValueError."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(
            _("Enter a phone number we can text or call, e.g. (555) 201-3344.")
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("That phone number isn't valid; check the digits and the area code."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneNumber:
    """WTForms validator for an optional phone field: normalises it to E.164 in place.

    An empty field becomes `empty` (None for nullable columns, "" for text ones).
    """

    def __init__(self, empty: str | None = None) -> None:
        self.empty = empty

    def __call__(self, _form: Any, field: Any) -> None:
        if not field.data:
            field.data = self.empty
            return
        try:
            field.data = normalize_phone(field.data, current_app.config["DEFAULT_PHONE_REGION"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class CustomerRegisterForm(RegisterFormV2):
    """Registration asks for a name (to greet the customer) and, optionally, a mobile number."""

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
        _l("Mobile phone (optional)"),
        validators=[Length(max=32), PhoneNumber()],
        render_kw={"autocomplete": "tel"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "Create an account" after a guest booking arrives with the email already known.
        if request.method == "GET" and not self.email.data:
            self.email.data = request.args.get("email", "")[:254]


class CustomerLoginForm(LoginForm):
    """Flask-Security's login form; "confirm your email first" stays visible to the account's
    owner after the generic-responses rewrite.

    With SECURITY_RETURN_GENERIC_RESPONSES every error on the email and password fields becomes
    one generic message, so nobody learns whether an email has an account. An unconfirmed owner
    who typed the right password would then never learn why they can't log in: that message is
    moved to the form's own errors, which stay. It is only ever added after the password matched.
    """

    def validate(self, **kwargs: Any) -> bool:
        if super().validate(**kwargs):
            return True
        if self.user_authenticated and self.ifield is not None:
            kept = list(self.ifield.errors)
            self.ifield.errors = []
            self.form_errors.extend(kept)
        return False


#: Subjects for account emails Flask-Security sends under a subject of another one.
_SUBJECTS = {"welcome_existing": _l("You already have an AutoShop account")}


class OutboxMailUtil(MailUtil):
    """Account emails go into the outbox like every other message; the worker delivers them."""

    def send_mail(
        self,
        template: str,
        subject: str,
        recipient: str | tuple[str, str],
        sender: str | tuple[str, str],
        body: str | None,
        html: str | None,
        **kwargs: Any,
    ) -> None:
        from autoshop.extensions import db
        from autoshop.models import Notification

        address = recipient[1] if isinstance(recipient, tuple) else recipient
        user = kwargs.get("user")
        name = template.rsplit("/", 1)[-1]
        subject = _SUBJECTS.get(name, subject)
        db.session.add(
            Notification(
                channel=NotificationChannel.EMAIL,
                recipient=str(address),
                kind=f"account_{name}",
                user_id=getattr(user, "id", None),
                subject=str(subject),
                body_text=body or "",
                body_html=html or "",
                due_at=utcnow(),
            )
        )
        if has_request_context():
            # Flask-Security commits most account changes itself; this covers the views that
            # change nothing else (forgot password, resend confirmation).
            @after_this_request
            def _commit(response: Any) -> Any:
                db.session.commit()
                return response
        else:
            db.session.commit()
