"""The development inbox's pages: the kept messages, newest first, and one message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Response, abort, current_app, render_template

from autoshop.i18n import _
from autoshop.web.access import role_required
from autoshop.web.devinbox import bp, mail_folder

#: Names the dev mail server gives its files; anything else (a path, a dotfile) is refused.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.eml$")
LIMIT = 200
HTML_PREVIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class KeptMessage:
    name: str
    subject: str
    sender: str
    to: str
    date: datetime | None
    text: str
    html: str
    attachments: list[str]


def _read(path: Path) -> KeptMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    return KeptMessage(
        name=path.name,
        subject=str(message["Subject"] or _("(no subject)")),
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        date=date,
        text=text_part.get_content() if isinstance(text_part, EmailMessage) else "",
        html=html_part.get_content() if isinstance(html_part, EmailMessage) else "",
        attachments=[a.get_filename() or _("(unnamed)") for a in message.iter_attachments()],
    )


def _path_or_404(name: str) -> Path:
    path = mail_folder(current_app) / name
    if not _NAME.match(name) or not path.is_file():
        abort(404)
    return path


@bp.get("/")
@role_required("admin", "mechanic")
def inbox() -> str:
    folder = mail_folder(current_app)
    paths = sorted(
        folder.glob("*.eml") if folder.is_dir() else [],
        key=lambda p: (p.stat().st_mtime, p.name),
        reverse=True,
    )
    messages = [_read(p) for p in paths[:LIMIT] if _NAME.match(p.name)]
    return render_template(
        "devinbox/inbox.html", messages=messages, folder=folder, total=len(paths), limit=LIMIT
    )


@bp.get("/<name>")
@role_required("admin", "mechanic")
def message(name: str) -> str:
    return render_template("devinbox/message.html", message=_read(_path_or_404(name)))


@bp.get("/<name>/html")
@role_required("admin", "mechanic")
def message_html(name: str) -> Response:
    kept = _read(_path_or_404(name))
    if not kept.html:
        abort(404)
    response = Response(kept.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PREVIEW_CSP
    return response
