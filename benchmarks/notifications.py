"""Notification delivery benchmark: emails per second through real `autoshop worker` processes to
a local SMTP server (aiosmtpd), with one and with two workers, and how late reminders go out.

SQLite file database (WAL), 2,000 emails already due; then 1,000 reminders due within a short
window while one worker runs with its default poll interval and the real clock.

    python -m benchmarks.notifications [--messages 2000] [--reminders 1000] [--window 10]
                                       [--write docs/PERFORMANCE.md]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from autoshop import create_app
from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- notifications:begin -->", "<!-- notifications:end -->"
INTRO = (
    "Real `autoshop worker` processes deliver from a SQLite file database (WAL) to an aiosmtpd "
    "server in the benchmark process. Rate: 2,000 emails (text + HTML) already due, timed from "
    "the first message the server receives to the last, so process start-up is not counted. "
    "Lateness: `sent_at - due_at` of 1,000 reminders due over a short window, one worker with its "
    "defaults (poll every 1 s, one message per claim under a 60 s lease) and the real clock. On "
    "2 cores the workers and the SMTP server share the CPU, and SQLite takes one writer at a "
    "time, so a second worker adds "
    "little here (PostgreSQL, where workers claim with SKIP LOCKED, is not measured)."
)
BODY_TEXT = (
    "Hi Ann,\n\nYour visit is booked: Tue Dec 1 at 9:00 AM (EST) at Main Street Auto.\n"
    "Services: Oil change (30 min, $49), Brake inspection (30 min, $0).\n\n"
    "See, change or cancel it: https://shop.example/appointments/AB12CD34\n"
) * 3
BODY_HTML = (
    "<html><body>" + "".join(f"<p>{line}</p>" for line in BODY_TEXT.splitlines()) + "</body>"
)


class CountingHandler:
    """Accepts every message; remembers how many and when the first and last arrived."""

    def __init__(self) -> None:
        self.count = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        with self._lock:
            self.count += 1
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_database(folder: Path) -> tuple[str, Any]:
    url = f"sqlite:///{folder / 'notifications-bench.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTOSHOP_ENV": "testing",
            "SECRET_KEY": "bench-secret-key-0000",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        logging.disable(logging.INFO)  # alembic's progress lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
    return url, app


def queue(app: Any, due: list[datetime], kind: str) -> None:
    rows = [
        {
            "channel": NotificationChannel.EMAIL.value,
            "recipient": f"driver{i}@example.com",
            "kind": kind,
            "subject": f"Booked: Tue Dec 1 at 9:00 AM (B{i:07d})",
            "body_text": BODY_TEXT,
            "body_html": BODY_HTML,
            "payload": {},
            "due_at": at,
            "status": NotificationStatus.PENDING.value,
            "attempts": 0,
            "last_error": "",
            "claimed_by": "",
        }
        for i, at in enumerate(due)
    ]
    with app.app_context():
        db.session.execute(sa.insert(Notification), rows)
        db.session.commit()


def count_unsent(app: Any) -> int:
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.status != NotificationStatus.SENT)
        )
        db.session.remove()
        return int(count or 0)


def start_workers(url: str, smtp_port: int, count: int, *args: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "AUTOSHOP_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-0000",
        "SECURITY_PASSWORD_SALT": "bench-salt",
        "DATABASE_URL": url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
    }
    command = [sys.executable, "-c", "from autoshop.cli import main; main()", "worker", *args]
    return [
        subprocess.Popen(
            [*command, "--worker-id", f"bench-{n}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def throughput(workers: int, messages: int) -> dict[str, Any]:
    """2,000 emails due at once; the clock runs from the first message received to the last."""
    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    with tempfile.TemporaryDirectory() as tmp:
        url, app = make_database(Path(tmp))
        queue(app, [utcnow() - timedelta(seconds=1)] * messages, "benchmark_email")
        controller.start()
        processes = start_workers(url, smtp_port, workers)
        try:
            wait_until(lambda: handler.count >= messages, 600, "every email to arrive")
            wait_until(lambda: count_unsent(app) == 0, 60, "every row to be marked sent")
        finally:
            stop_workers(processes)
            controller.stop()
            with app.app_context():
                db.engine.dispose()
    assert handler.first_at is not None and handler.last_at is not None
    seconds = handler.last_at - handler.first_at
    return {
        "workers": workers,
        "messages": messages,
        "received": handler.count,
        "seconds": seconds,
        "rate": (handler.count - 1) / seconds if seconds else float("inf"),
    }


def lateness(reminders: int, window: float) -> dict[str, Any]:
    """Reminders due over `window` seconds; one worker, default poll interval, the real clock."""
    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    with tempfile.TemporaryDirectory() as tmp:
        url, app = make_database(Path(tmp))
        controller.start()
        processes = start_workers(url, smtp_port, 1)  # the defaults: poll 1 s, lease 60 s
        try:
            queue(app, [utcnow()], "benchmark_warm_up")  # the worker is up once this arrives
            wait_until(lambda: handler.count >= 1, 60, "the worker to start")
            start = utcnow() + timedelta(seconds=2)
            step = window / reminders
            due = [start + timedelta(seconds=i * step) for i in range(reminders)]
            queue(app, due, "benchmark_reminder")
            wait_until(lambda: count_unsent(app) == 0, window + 120, "every reminder to be sent")
        finally:
            stop_workers(processes)
            controller.stop()
        with app.app_context():
            rows = db.session.execute(
                sa.select(Notification.due_at, Notification.sent_at).where(
                    Notification.kind == "benchmark_reminder"
                )
            ).all()
            db.engine.dispose()
    late = sorted((sent - due).total_seconds() for due, sent in rows)
    cuts = statistics.quantiles(late, n=100, method="inclusive")
    return {
        "reminders": len(late),
        "window": window,
        "p50": statistics.median(late),
        "p99": cuts[98],
        "max": late[-1],
        "early": sum(1 for s in late if s < 0),
    }


def report(runs: list[dict[str, Any]], late: dict[str, Any]) -> str:
    lines = [
        "| workers | emails | time (first to last) | emails/second |",
        "|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['workers']} | {r['received']:,} | {r['seconds']:.2f} s | {r['rate']:.0f} |"
        )
    lines += [
        "",
        "| reminders | due within | lateness p50 | lateness p99 | max | sent early |",
        "|---|---|---|---|---|---|",
        f"| {late['reminders']:,} | {late['window']:.0f} s | {late['p50'] * 1000:.0f} ms "
        f"| {late['p99'] * 1000:.0f} ms | {late['max'] * 1000:.0f} ms | {late['early']} |",
    ]
    return "\n".join(lines)


def write_block(path: Path, table: str) -> None:
    text = path.read_text() if path.exists() else ""
    block = (
        f"{BEGIN}\nMeasured {utcnow().date().isoformat()} with "
        f"`python -m benchmarks.notifications`:\n\n{table}\n{END}"
    )
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n## Notifications: delivery rate and reminder lateness\n\n"
        text += textwrap.fill(INTRO, width=100) + "\n\n" + block + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--window", type=float, default=10.0, help="seconds the reminders span")
    parser.add_argument("--write", type=Path, help="rewrite this PERFORMANCE.md's block")
    args = parser.parse_args()
    runs = [throughput(n, args.messages) for n in (1, 2)]
    late = lateness(args.reminders, args.window)
    table = report(runs, late)
    print(table)
    if args.write:
        write_block(args.write, table)


if __name__ == "__main__":
    main()
