"""Calendar feeds: the secret .ics URL calendar apps poll, and making or revoking it."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from autoshop.extensions import limiter
from autoshop.i18n import _, message_language, speaking
from autoshop.services import feeds
from autoshop.timeutil import utcnow
from autoshop.web.feeds import bp


@bp.get("/feeds/<token>.ics")
def feed(token: str) -> Response:
    found = feeds.feed_for(token, now=utcnow())
    if found is None:
        abort(404)
    # A calendar app polls without the owner's session: the events speak the owner's language.
    with speaking(message_language(found.user.locale)):
        calendar = feeds.feed_ics(found)
    response = current_app.response_class(calendar, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/account/calendar-feed")
@auth_required()
@limiter.limit("10 per hour")
def make_feed() -> Response | str:
    """Make (or reset) the link; the new URL is on this page only: we keep just its hash."""
    user = current_user._get_current_object()
    replaced = feeds.active_token(user) is not None
    token = feeds.reset(user, now=utcnow())
    response = current_app.make_response(
        render_template("feeds/created.html", url=feeds.feed_url(token), replaced=replaced)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/calendar-feed/revoke")
@auth_required()
def revoke_feed() -> Response:
    feeds.revoke(current_user._get_current_object(), now=utcnow())
    flash(_("Your calendar link is turned off; calendars subscribed to it stop updating."), "info")
    return redirect(url_for("account.overview") + "#calendar-heading", 303)
