"""Admin: staff accounts. Invite a mechanic or admin, change roles, deactivate, reactivate and
send a password reset; the rules (the last admin stays) live in services/staff_admin.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.choices import Role
from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.i18n import _
from autoshop.models import User
from autoshop.services import staff_admin
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.forms import apply_errors
from autoshop.web.admin.staff_forms import InviteForm, RoleForm


def _page(invite_form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "admin/staff.html",
        rows=staff_admin.staff_list(),
        invite_form=invite_form or InviteForm(),
        me=current_user.id,
    )
    return html, status


@bp.get("/staff")
@role_required("admin")
def staff() -> tuple[str, int]:
    return _page()


@bp.post("/staff/invite")
@role_required("admin")
def staff_invite() -> Response | tuple[str, int]:
    form = InviteForm()
    if not form.validate():
        return _page(form, 400)
    try:
        user = staff_admin.invite(
            email=form.email.data or "",
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            role=Role(form.role.data),
            invited_by=current_user._get_current_object(),
            now=utcnow(),
        )
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _page(form, 400)
    flash(
        _(
            "%(name)s is invited as a %(role)s: "
            "an email with a link to choose a password is on its way to %(email)s.",
            name=user.full_name,
            role=Role(form.role.data).label.lower(),
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("admin.staff"))


def _act(action: Any, user_id: int, done: Callable[[User], str]) -> Response | tuple[str, int]:
    """Run one change to a staff account. A refusal (the last admin, or a page that was stale)
    answers 409 with the page as it is now and the reason; nothing was written."""
    try:
        user = action()
    except LookupError:
        abort(404)
    except staff_admin.StaffChangeRefused as exc:
        flash(exc.message, "warning" if exc.stale else "danger")
        return _page(status=409)
    flash(done(user), "success")
    return redirect(url_for("admin.staff", _anchor=f"person-{user_id}"))


@bp.post("/staff/<int:user_id>/role")
@role_required("admin")
def staff_role(user_id: int) -> Response | tuple[str, int]:
    form = RoleForm()
    if not form.validate() or form.seen_role.data not in {r.value for r in Role}:
        flash(_("Choose mechanic or admin."), "danger")
        return _page(status=400)
    role, seen = Role(form.role.data), Role(form.seen_role.data)
    return _act(
        lambda: staff_admin.change_role(user_id, role, expected=seen),
        user_id,
        lambda user: (
            _("%(name)s is now an admin.", name=user.full_name)
            if role is Role.ADMIN
            else _("%(name)s is now a mechanic.", name=user.full_name)
        ),
    )


@bp.post("/staff/<int:user_id>/deactivate")
@role_required("admin")
def staff_deactivate(user_id: int) -> Response | tuple[str, int]:
    return _act(
        lambda: staff_admin.deactivate(user_id),
        user_id,
        lambda user: _(
            "%(name)s is deactivated and can't log in; their history stays.", name=user.full_name
        ),
    )


@bp.post("/staff/<int:user_id>/reactivate")
@role_required("admin")
def staff_reactivate(user_id: int) -> Response | tuple[str, int]:
    return _act(
        lambda: staff_admin.reactivate(user_id),
        user_id,
        lambda user: _("%(name)s can log in again.", name=user.full_name),
    )


@bp.post("/staff/<int:user_id>/reset-password")
@role_required("admin")
def staff_reset_password(user_id: int) -> Response | tuple[str, int]:
    return _act(
        lambda: staff_admin.send_password_reset(user_id),
        user_id,
        lambda user: _("A password reset email is on its way to %(name)s.", name=user.full_name),
    )
