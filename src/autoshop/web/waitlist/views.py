"""Waitlist pages: join a full day, see and leave entries, open an offer and accept it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from autoshop.extensions import db, limiter
from autoshop.i18n import _, current_language, format_moment
from autoshop.models import Location, User, WaitlistEntry, WaitlistHold
from autoshop.services import accounts, catalog, manage_links, shop, waitlist, waitlist_offers
from autoshop.services.waitlist_offers import OfferProblem
from autoshop.timeutil import utcnow
from autoshop.web.booking.flow import current_customer
from autoshop.web.booking.rendering import page, time_label, when_label
from autoshop.web.waitlist import WAITLIST_LIMIT, bp, forms
from autoshop.web.waitlist.rows import entry_rows


def _user() -> User | None:
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def _location() -> Location:
    location = shop.primary_location()
    if location is None:
        abort(404)
    return location


# --- joining -------------------------------------------------------------------------------------


def _render_join(
    location: Location, values: MultiDict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    customer = current_customer()
    vehicles = accounts.vehicles_of(customer) if customer else None
    offered = {s.id: s for c in catalog.active_catalog() for s in c.services}
    chosen = [
        offered[int(i)] for i in values.getlist("services") if i.isdecimal() and int(i) in offered
    ]
    day = forms.parse_day(values.get("day", ""))
    options = forms.window_options(location, day)
    context: dict[str, Any] = {
        "values": values,
        "errors": errors,
        "services": chosen,
        "vehicles": vehicles,
        "options": options,
        "earliest": values.get("earliest") or f"{options[0]:%H:%M}",
        "latest": values.get("latest") or f"{options[-1]:%H:%M}",
        "day": day,
        "back_url": url_for(
            "booking.book",
            **{k: values.getlist(k) for k in ("services", "vehicle", "year", "make", "model")},
            day=values.get("day", ""),
        ),
    }
    return page(render_template("waitlist/join.html", **context), status)


@bp.get("/waitlist/join")
def join_form() -> Response:
    location = _location()
    values = MultiDict(request.args)
    return _render_join(location, values, {})


@bp.post("/waitlist/join")
@limiter.limit(WAITLIST_LIMIT)
def join() -> Response:
    location = _location()
    now = utcnow()
    customer = current_customer()
    saved = {v.id for v in accounts.vehicles_of(customer)} if customer else None
    zone = ZoneInfo(location.timezone)
    parsed, errors = forms.parse_join(
        request.form,
        saved_ids=saved,
        phone_region=current_app.config["DEFAULT_PHONE_REGION"],
        next_year=now.astimezone(zone).year + 1,
    )
    if parsed is None:
        return _render_join(location, request.form, errors, 422)
    req = waitlist.JoinRequest(
        service_ids=parsed.service_ids,
        day=parsed.day,
        earliest=parsed.earliest,
        latest=parsed.latest,
        customer=customer,
        vehicle_id=parsed.vehicle_id,
        guest=parsed.guest,
        location_id=location.id,
        language=current_language(),
    )
    try:
        entry = waitlist.join(req, now=now)
    except waitlist.WaitlistError as exc:
        return _render_join(location, request.form, {exc.field: exc.message}, exc.status)
    flash(
        _(
            "You're on the waitlist for %(day)s. "
            "If a time in your window frees up, we'll email %(email)s.",
            day=format_moment(entry.day, "day"),
            email=entry.contact_email,
        ),
        "success",
    )
    if entry.customer_id is not None:
        return redirect(url_for("booking.my_appointments") + "#waitlist-heading", 303)
    return redirect(url_for("waitlist.manage", token=waitlist.manage_token(entry)), 303)


# --- seeing and leaving --------------------------------------------------------------------------


@bp.post("/waitlist/entries/<int:entry_id>/leave")
@auth_required()
@limiter.limit(WAITLIST_LIMIT)
def leave(entry_id: int) -> Response:
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.customer_id != current_user.id:
        abort(404)
    try:
        waitlist.leave(entry, now=utcnow())
    except waitlist.WaitlistError as exc:
        flash(exc.message, "warning")
    else:
        flash(
            _("You've left the waitlist for %(day)s.", day=format_moment(entry.day, "day")),
            "success",
        )
    return redirect(url_for("booking.my_appointments") + "#waitlist-heading", 303)


def _by_manage_token(token: str) -> WaitlistEntry:
    entry = waitlist.entry_for_manage_token(token)
    if entry is None:
        abort(404)
    return entry


@bp.get("/waitlist/manage/<token>")
def manage(token: str) -> Response:
    entry = _by_manage_token(token)
    return page(
        render_template(
            "waitlist/manage.html",
            rows=entry_rows([entry], utcnow()),
            leave_url=url_for("waitlist.manage_leave", token=token),
        )
    )


@bp.post("/waitlist/manage/<token>/leave")
@limiter.limit(WAITLIST_LIMIT)
def manage_leave(token: str) -> Response:
    entry = _by_manage_token(token)
    try:
        waitlist.leave(entry, now=utcnow())
    except waitlist.WaitlistError as exc:
        flash(exc.message, "warning")
    else:
        flash(
            _("You've left the waitlist for %(day)s.", day=format_moment(entry.day, "day")),
            "success",
        )
    return redirect(url_for("waitlist.manage", token=token), 303)


# --- offers --------------------------------------------------------------------------------------


def _problem(problem: OfferProblem) -> Response:
    appointment = problem.appointment
    booked_url = ""
    if appointment is not None:
        mine = current_user.is_authenticated and appointment.customer_id == current_user.id
        if mine:
            booked_url = url_for("booking.detail", reference=appointment.reference)
    return page(
        render_template(
            "waitlist/offer_problem.html",
            status=problem.status,
            message=problem.message,
            booked_url=booked_url,
        ),
        problem.status,
    )


def _open_offer(token: str) -> WaitlistHold | Response:
    try:
        hold = waitlist_offers.hold_for_token(token, _user())
    except OfferProblem as exc:
        return _problem(exc)
    if hold.entry.customer_id is not None and not current_user.is_authenticated:
        flash(_("Sign in to accept the time we're holding for you."), "info")
        return redirect(url_for("security.login", next=request.path))
    return hold


@bp.get("/waitlist/offers/<token>")
def offer(token: str) -> Response:
    hold = _open_offer(token)
    if isinstance(hold, Response):
        return hold
    now = utcnow()
    if (problem := waitlist_offers.refusal(hold, now)) is not None:
        return _problem(problem)
    entry = hold.entry
    zone = ZoneInfo(entry.location.timezone)
    return page(
        render_template(
            "waitlist/offer.html",
            hold=hold,
            entry=entry,
            when=when_label(hold.starts_at, zone),
            until=time_label(hold.expires_at, zone),
            minutes_left=max(1, int((hold.expires_at - now).total_seconds() // 60)),
            services=waitlist.services_label(entry),
            token=token,
        )
    )


@bp.post("/waitlist/offers/<token>")
@limiter.limit(WAITLIST_LIMIT)
def accept(token: str) -> Response:
    hold = _open_offer(token)
    if isinstance(hold, Response):
        return hold
    try:
        appointment = waitlist_offers.accept(hold, now=utcnow())
    except OfferProblem as exc:
        return _problem(exc)
    zone = ZoneInfo(appointment.location.timezone)
    flash(
        _(
            "Your visit is booked: %(when)s. We've sent a confirmation to %(email)s.",
            when=when_label(appointment.starts_at, zone),
            email=appointment.contact_email,
        ),
        "success",
    )
    if appointment.customer_id is not None:
        return redirect(url_for("booking.detail", reference=appointment.reference), 303)
    return redirect(url_for("booking.manage", token=manage_links.make_token(appointment)), 303)


@bp.post("/waitlist/offers/<token>/decline")
@limiter.limit(WAITLIST_LIMIT)
def decline(token: str) -> Response:
    hold = _open_offer(token)
    if isinstance(hold, Response):
        return hold
    if (problem := waitlist_offers.refusal(hold, utcnow())) is not None:
        return _problem(problem)
    entry = hold.entry
    try:
        waitlist.leave(entry, now=utcnow())
    except waitlist.WaitlistError as exc:
        return _problem(OfferProblem(exc.message, status=409))
    flash(
        _("Thanks for letting us know: we've offered the time to the next person waiting."),
        "info",
    )
    if entry.customer_id is not None:
        return redirect(url_for("booking.my_appointments"), 303)
    return redirect(url_for("waitlist.manage", token=waitlist.manage_token(entry)), 303)
