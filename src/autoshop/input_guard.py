"""One guard in front of every view for input no database can store, and for ids beyond 64 bits.

Text with a NUL byte or a lone surrogate (e.g. a JSON "\\ud800" escape) is refused before a view
runs, wherever it comes from: the query string, a form, a JSON body (keys and values) or the URL
path. A path that carries one names nothing (404); elsewhere the answer is 422, as problem+json for
the API and JSON clients and as an error page for people. `<int:...>` URL parts above the largest
64-bit id don't match a route, so they are a 404 as well, never an overflow in the database driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter, Map

from autoshop.domain import bounds
from autoshop.errors import problem, wants_json
from autoshop.i18n import _


class IdConverter(IntegerConverter):
    """`<int:...>` with the documented id range (bounds.ID) unless the rule gives its own max."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, bounds.ID.high if max is None else max, signed)


def register(app: Flask) -> None:
    """Call before any blueprint is registered: rules pick their converters when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_text)


def _texts(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """(name, text) for every string in a JSON document, keys included; iterative, so a deeply
    nested document can't exhaust the stack here."""
    stack: list[tuple[str, Any]] = [(name, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                path = f"{where}.{key}" if where else key
                yield path, key
                stack.append((path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))


def _request_texts() -> Iterator[tuple[str, str, str]]:
    """(location, name, text) for every piece of text the request carries."""
    for location, values in (("query", request.args), ("form", request.form)):
        for key, value in values.items(multi=True):
            yield location, key, key
            yield location, key, value
    if request.is_json:
        body = request.get_json(silent=True)
        for name, text in _texts(body, ""):
            yield "json", name, text


def refuse_unstorable_text() -> ResponseReturnValue | None:
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and not bounds.is_storable(value):
            abort(404)
    for location, name, text in _request_texts():
        if not bounds.is_storable(text):
            return _refusal(location, bounds.one_line(name))
    return None


def _refusal(location: str, name: str) -> ResponseReturnValue:
    detail = (
        f"The field “{name}” contains a character that can't be stored (a NUL byte or an "
        "unpaired surrogate). Remove it and try again."
    )
    if wants_json():
        return problem(
            422,
            detail,
            type_="invalid-text",
            field=name,
            errors={location: {name: [_(bounds.UNSTORABLE_MESSAGE)]}},
        )
    return render_template("errors/error.html", code=422, title="Invalid input", detail=detail), 422
