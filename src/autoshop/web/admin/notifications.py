"""Admin: the notification log (every outbox row), one message in full, and "Retry now"."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.i18n import _, _l
from autoshop.models import Notification
from autoshop.notifications import outbox
from autoshop.services import notification_log, notification_rendering
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.devinbox import inbox_enabled

#: How each status reads and which Bootstrap colour its badge has (4.5:1 contrast on both).
STATUS_BADGES = {
    NotificationStatus.PENDING: (_l("Pending"), "secondary"),
    NotificationStatus.SENDING: (_l("Sending"), "info"),
    NotificationStatus.SENT: (_l("Sent"), "success"),
    NotificationStatus.FAILED: (_l("Failed"), "danger"),
    NotificationStatus.CANCELLED: (_l("Cancelled"), "light"),
}
CHANNEL_LABELS = {
    NotificationChannel.EMAIL: _l("Email"),
    NotificationChannel.SMS: _l("Text message"),
}
#: The HTML version of an email is shown as its own document: no script, no requests, no forms.
HTML_PREVIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'"


class LogFilterForm(FlaskForm):
    """The log's filters: a GET form, so a filtered page is a link staff can share."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))]
        + [SelectChoice(s.value, label) for s, (label, _colour) in STATUS_BADGES.items()],
        validators=[Optional()],
    )
    channel = SelectField(
        _l("Channel"),
        choices=[SelectChoice("", _l("Any channel"))]
        + [SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items()],
        validators=[Optional()],
    )
    reference = StringField(_l("Appointment reference"), validators=[Optional(), Length(max=12)])
    email = EmailField(_l("Customer email"), validators=[Optional(), Length(max=254)])


def _filters(form: LogFilterForm) -> notification_log.LogFilters:
    return notification_log.LogFilters(
        status=NotificationStatus(form.status.data) if form.status.data else None,
        channel=NotificationChannel(form.channel.data) if form.channel.data else None,
        reference=(form.reference.data or "").strip(),
        email=(form.email.data or "").strip(),
    )


def _get_or_404(notification_id: int) -> Notification:
    row = db.session.get(Notification, notification_id)
    if row is None:
        abort(404)
    return row


@bp.get("/notifications")
@role_required("admin")
def notifications() -> str:
    form = LogFilterForm(formdata=request.args)
    # Invalid filters (a hand-edited link) show everything, with the error next to the field.
    filters = _filters(form) if form.validate() else notification_log.LogFilters()
    page = notification_log.search(filters, page=request.args.get("page", 1, type=int))
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/notifications.html",
        form=form,
        log=page,
        query=query,
        filtered=bool(query),
        badges=STATUS_BADGES,
        channels=CHANNEL_LABELS,
        dev_inbox=inbox_enabled(current_app),
    )


@bp.get("/notifications/<int:notification_id>")
@role_required("admin")
def notification(notification_id: int) -> str:
    row = _get_or_404(notification_id)
    return render_template(
        "admin/notification.html",
        row=row,
        # Unsent messages are rendered on demand; a sent one shows what was sent.
        rendered_now=notification_rendering.is_deferred(row),
        message=notification_rendering.preview(row),
        badges=STATUS_BADGES,
        channels=CHANNEL_LABELS,
        failed=NotificationStatus.FAILED,
    )


@bp.get("/notifications/<int:notification_id>/html")
@role_required("admin")
def notification_html(notification_id: int) -> Response:
    html = notification_rendering.preview(_get_or_404(notification_id)).content.html
    if not html:
        abort(404)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PREVIEW_CSP
    return response


@bp.post("/notifications/<int:notification_id>/retry")
@role_required("admin")
def notification_retry(notification_id: int) -> Response:
    _get_or_404(notification_id)
    try:
        outbox.retry_now(db.session, notification_id, now=utcnow())
    except outbox.OutboxError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("The message is queued again and will be sent within a minute."), "success")
    return redirect(url_for("admin.notification", notification_id=notification_id))
