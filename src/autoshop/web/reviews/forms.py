from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

RATINGS = [
    SelectChoice("5", "5 stars: excellent"),
    SelectChoice("4", "4 stars: good"),
    SelectChoice("3", "3 stars: okay"),
    SelectChoice("2", "2 stars: poor"),
    SelectChoice("1", "1 star: bad"),
]


class ReviewForm(FlaskForm):
    rating = RadioField(
        "How did we do?", choices=RATINGS, validators=[DataRequired(message="Choose a rating.")]
    )
    comment = TextAreaField(
        "Anything you'd like to tell us? (optional)",
        validators=[Length(max=2000, message="Keep the comment under 2000 characters.")],
    )
    submit = SubmitField("Send review")
