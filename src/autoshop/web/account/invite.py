"""Joining as staff from an invitation email, and where each role lands after logging in."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_security import current_user, login_user
from werkzeug.wrappers import Response

from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.i18n import _
from autoshop.services import staff_admin
from autoshop.timeutil import utcnow
from autoshop.web.account import bp
from autoshop.web.admin.forms import apply_errors
from autoshop.web.admin.staff_forms import AcceptInviteForm


def _invalid(error: staff_admin.InviteInvalid) -> tuple[str, int]:
    status = 410 if error.gone else 400
    html = render_template("account/invite_invalid.html", message=error.message, status=status)
    return html, status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str) -> Response | tuple[str, int]:
    try:
        user = staff_admin.invited_user(token)
    except staff_admin.InviteInvalid as exc:
        return _invalid(exc)
    form = AcceptInviteForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                user = staff_admin.accept_invite(token, form.password.data or "", now=utcnow())
            except staff_admin.InviteInvalid as exc:
                return _invalid(exc)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                login_user(user)
                return redirect(url_for("account.landing"))
    role = staff_admin.staff_role_of(user)
    html = render_template(
        "account/invite.html",
        form=form,
        user=user,
        token=token,
        role=role.label.lower() if role else _("staff member"),
    )
    return html, status


@bp.get("/start")
def landing() -> Response:
    """After logging in: admins on the dashboard, mechanics on their jobs, customers home."""
    if current_user.is_authenticated:
        if current_user.has_role("admin"):
            return redirect(url_for("admin.dashboard"))
        if current_user.has_role("mechanic"):
            return redirect(url_for("staff.today"))
    return redirect(url_for("public.home"))
