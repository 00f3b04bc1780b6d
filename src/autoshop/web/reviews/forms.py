from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from autoshop.i18n import _l

RATINGS = [
    SelectChoice("5", _l("5 stars: excellent")),
    SelectChoice("4", _l("4 stars: good")),
    SelectChoice("3", _l("3 stars: okay")),
    SelectChoice("2", _l("2 stars: poor")),
    SelectChoice("1", _l("1 star: bad")),
]


class ReviewForm(FlaskForm):
    rating = RadioField(
        _l("How did we do?"),
        choices=RATINGS,
        validators=[DataRequired(message=_l("Choose a rating."))],
    )
    comment = TextAreaField(
        _l("Anything you'd like to tell us? (optional)"),
        validators=[Length(max=2000, message=_l("Keep the comment under 2000 characters."))],
    )
    submit = SubmitField(_l("Send review"))
