"""Error responses: HTML pages for people, problem+json (RFC 9457) for the API and JSON clients."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from autoshop.i18n import _, _l, speaking

PROBLEM_BASE = "https://autoshop.example/problems/"

_TITLES = {
    400: _l("Bad request"),
    401: _l("Login required"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}

_DETAILS = {
    400: _l("The request could not be understood."),
    401: _l("Log in to continue."),
    403: _l("Your account can't open this page."),
    404: _l("There is nothing at this address. Check the link, or start again from the home page."),
    405: _l("This address doesn't accept that kind of request."),
    429: _l("You made too many requests in a short time. Wait a few minutes and try again."),
    500: _l("We couldn't finish that. Nothing was saved; please try again in a moment."),
}


def wants_json() -> bool:
    """API paths and clients that prefer JSON over HTML get problem+json."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def problem(
    status: int,
    detail: str | None = None,
    *,
    type_: str | None = None,
    title: str | None = None,
    **extra: Any,
) -> Response:
    from autoshop.observability import request_id

    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (type_ or _slug(status)),
        "title": title or str(_TITLES.get(status, _("Error"))),
        "status": status,
        "detail": detail or str(_DETAILS.get(status, "")),
        **extra,
    }
    if rid := request_id():
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _slug(status: int) -> str:
    """The problem type of `status`, from its English title whatever the language spoken."""
    with speaking("en"):
        title = str(_TITLES.get(status, "error"))
    return title.lower().replace(" ", "-").replace("'", "")


def _detail_for(error: HTTPException) -> str:
    if isinstance(error, CSRFError):
        return _(
            "The form's security token is missing or has expired. Go back, reload the page and "
            "submit the form again."
        )
    description = error.description or ""
    # Werkzeug's stock descriptions are written for developers; ours for customers.
    if error.code in _DETAILS and (not description or description == type(error).description):
        return str(_DETAILS[error.code])
    return description


def handle_http_error(error: HTTPException) -> tuple[str, int, dict[str, str]] | Response:
    code = error.code or 500
    detail = _detail_for(error)
    headers = {k: v for k, v in error.get_headers() if k.lower() in {"retry-after", "allow"}}
    if wants_json():
        extra: dict[str, Any] = {}
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:  # field errors from the API's schema validation
            extra["errors"] = messages
            detail = _("Some fields are missing or invalid: see `errors`.")
        response = problem(
            code, detail, type_="csrf" if isinstance(error, CSRFError) else None, **extra
        )
        response.headers.update(headers)
        return response
    title = (
        _("Your form expired")
        if isinstance(error, CSRFError)
        else str(_TITLES.get(code, _("Error")))
    )
    html = render_template("errors/error.html", code=code, title=title, detail=detail)
    return html, code, headers


def handle_unexpected(error: Exception) -> tuple[str, int] | Response:
    from flask import current_app

    current_app.logger.exception("Unhandled error", exc_info=error)
    try:
        from autoshop.extensions import db

        db.session.rollback()
    except Exception:  # pragma: no cover - the rollback must never hide the original error
        current_app.logger.exception("Rollback after an unhandled error failed")
    return handle_http_error(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS_IN_TESTS"):
        app.register_error_handler(Exception, handle_unexpected)
