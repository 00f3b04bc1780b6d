"""WTForms validators for the documented bounds (domain/bounds.py): numbers and single lines."""

from __future__ import annotations

from typing import Any

from wtforms.validators import ValidationError

from autoshop.domain import bounds


class InRange:
    """A whole number within `range`; the browser gets the same min and max on the input.

    An empty field is left to InputRequired/Optional; each side has its own message.
    """

    def __init__(self, range_: bounds.Range, what: str) -> None:
        self.range = range_
        self.what = what
        self.field_flags = {"min": range_.low, "max": range_.high}

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data is None:
            return
        problem = self.range.problem(field.data, self.what)
        if problem:
            raise ValidationError(problem)


class SingleLine:
    """Text on one line (no line breaks or control characters) that a database can store."""

    def __call__(self, _form: Any, field: Any) -> None:
        problem = bounds.text_problem(field.data or "", single_line=True)
        if problem:
            raise ValidationError(problem)
