"""Logs an operator can use: JSON lines with a request id, a line per request, no personal data.

Every web request gets an id: the caller's `X-Request-ID` when it is a sane token (a proxy or load
balancer usually sets one), else a new one. It is returned in the response's `X-Request-ID`, in
problem+json bodies as `request_id`, and in every log line written while the request runs, so one
grep finds everything about a customer's complaint. The worker logs JSON the same way.

Log lines never carry email addresses or phone numbers: `Redact` masks them in every message at
INFO and below (warnings and errors keep them, since they are what an operator must act on: a
bounced address, a refused number). Message bodies are never logged by the app.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
#: What a request id from outside may look like: a token, not a place to smuggle text into logs.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: E.164 numbers (as stored) and North-American numbers as people type them.
_PHONE = re.compile(r"\+\d{8,15}\b|(?<!\w)\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}\b")

ACCESS_LOGGER = "autoshop.access"


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


def redact(text: str) -> str:
    """`text` with email addresses and phone numbers masked."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


class Redact(logging.Filter):
    """Masks email addresses and phone numbers in records at INFO and below."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.INFO:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


class RequestContext(logging.Filter):
    """Adds the request id, route and user of the request in progress to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            if not hasattr(record, "route"):
                rule = request.url_rule
                record.route = rule.rule if rule is not None else None
            if not hasattr(record, "user_id"):
                record.user_id = _user_id()
        return True


def _user_id() -> int | None:
    """The signed-in user's id if the request has loaded them already. Never loads them: a log
    line must not query the database (it may be the database that failed)."""
    user = g.get("_login_user")  # where Flask-Login keeps the user once loaded
    try:
        return int(user.id) if user is not None and user.is_authenticated else None
    except Exception:  # a detached or half-built user: the line is logged without an id
        return None


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        json_ensure_ascii=False,
    )


def configure_logging(log_format: str, level: str = "INFO", stream: Any = None) -> logging.Handler:
    """Send the app's and the libraries' logs to `stream` (stderr) as JSON lines or text;
    replaces the handler an earlier call installed, and returns the new one."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RequestContext())
    handler.addFilter(Redact())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_autoshop", False)]:
        root.removeHandler(old)
    handler._autoshop = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # The app logs through "autoshop"; Flask's own handler would print each line twice.
    app_logger = logging.getLogger("autoshop")
    app_logger.handlers = []
    app_logger.propagate = True
    # Werkzeug's dev-server line repeats the access log, with the raw path (tokens and all).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return handler


def init_app(app: Flask) -> None:
    """Request ids and the access log for the web process."""
    if app.config.get("LOG_FORMAT") in ("json", "text"):
        configure_logging(app.config["LOG_FORMAT"], app.config.get("LOG_LEVEL", "INFO"))
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        started = getattr(g, "request_started", None)
        if started is not None and not request.path.startswith("/static/"):
            access.info(
                "%s %s %s",
                request.method,
                request.url_rule.rule if request.url_rule else "(no route)",
                response.status_code,
                extra={
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
