"""Who may open a page: login first (a redirect), then the role (a 403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_security import auth_required, roles_accepted

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: str) -> Callable[[F], F]:
    """Anonymous visitors are sent to log in; signed-in people without one of `roles` get 403."""

    def decorate(view: F) -> F:
        return auth_required()(roles_accepted(*roles)(view))  # type: ignore[no-any-return]

    return decorate


def seen_version(form: Any) -> int | None:
    """The appointment version a submitted form was built from (None when absent or garbled):
    a change made from a stale page is answered "changed meanwhile", not applied."""
    raw = form.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
