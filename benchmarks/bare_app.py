"""The bare Flask route the booking benchmark compares against: what the server alone costs."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "ok"
