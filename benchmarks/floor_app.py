"""The floor the booking benchmark compares against beside the bare route: a Flask route that
runs as many statements as a booking, each as trivial as a statement gets (`SELECT 1`), in one
transaction on the same database, through SQLAlchemy Core with no ORM and no logic of ours. What
this route reaches is the most any booking that talks to the database that often could reach on
this machine and server."""

import os

import sqlalchemy as sa
from flask import Flask

app = Flask(__name__)
engine = sa.create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    pool_pre_ping=True,  # as the app's engine (config.py)
)
STATEMENTS = int(os.environ.get("FLOOR_STATEMENTS", "12"))


@app.get("/")
def index() -> str:
    with engine.begin() as conn:
        for _ in range(STATEMENTS):
            conn.exec_driver_sql("SELECT 1").scalar()
    return "ok"
