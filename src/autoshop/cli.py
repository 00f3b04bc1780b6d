"""Console commands: `autoshop run`, `autoshop db upgrade`, `autoshop create-admin`, ..."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from autoshop.domain.choices import Role


def _create_app() -> Flask:
    from autoshop.app import create_app

    return create_app()


# `.env` is read by main() (config.load_dotenv, the one place it is read), not by Flask's CLI.
@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False)
def cli() -> None:
    """AutoShop: manage the shop's database, accounts and demo data."""


def main() -> None:
    """The `autoshop` console command; a configuration error is one line, not a traceback.

    `.env` is loaded before the configuration is checked, so the check sees what the app will.
    """
    from autoshop.config import ConfigError, load_config, load_dotenv

    try:
        load_dotenv()
        load_config()
    except ConfigError as exc:
        click.echo(f"autoshop: {exc}", err=True)
        raise SystemExit(2) from None
    cli()


def _read_password(env_var: str) -> str:
    password = os.environ.get(env_var)
    if password:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _create_account(email: str, roles: list[Role], first: str, last: str, env_var: str) -> None:
    from autoshop.extensions import security
    from autoshop.services.accounts import create_user

    password = _read_password(env_var)
    problems = security._password_util.validate(password, True, email=email)[0]
    if problems:
        raise click.ClickException(" ".join(str(p) for p in problems))
    try:
        email = security._mail_util.validate(email)
        user = create_user(email, password, roles=roles, first_name=first, last_name=last)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {', '.join(r.value for r in roles)} account {user.email}.")


@click.command("create-admin")
@click.argument("email")
@click.option("--first-name", default="Shop", show_default=True)
@click.option("--last-name", default="Admin", show_default=True)
@with_appcontext
def create_admin(email: str, first_name: str, last_name: str) -> None:
    """Create an admin account. The password is asked for, or read from AUTOSHOP_ADMIN_PASSWORD."""
    _create_account(email, [Role.ADMIN], first_name, last_name, "AUTOSHOP_ADMIN_PASSWORD")


@click.command("create-staff")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([Role.MECHANIC.value, Role.ADMIN.value]), default="mechanic"
)
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@with_appcontext
def create_staff(email: str, role: str, first_name: str, last_name: str) -> None:
    """Create a mechanic (or admin) account. Password: prompt or AUTOSHOP_STAFF_PASSWORD."""
    _create_account(email, [Role(role)], first_name, last_name, "AUTOSHOP_STAFF_PASSWORD")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Add the demo shop even if the database has data.")
@click.option(
    "--if-empty", is_flag=True, help="Do nothing (successfully) if the database has data."
)
@with_appcontext
def seed_demo(force: bool, if_empty: bool) -> None:
    """Create a demo shop: hours, bays, the catalog, staff, customers and appointments."""
    from autoshop.services import demo
    from autoshop.timeutil import utcnow

    if current_app.config["AUTOSHOP_ENV"] == "production":
        raise click.ClickException("seed-demo never runs in production configuration.")
    if not demo.database_is_empty():
        if if_empty:
            click.echo("The database already has data; demo seed skipped.")
            if demo.has_demo_accounts():
                _print_logins(demo.DEMO_LOGINS, demo.DEMO_PASSWORD)
            return
        if not force:
            raise click.ClickException(
                "The database already has data; seed-demo refuses to mix demo data into it. "
                "Use --force to add it anyway."
            )
    logins = demo.seed(now=utcnow())
    click.echo("Demo shop created.")
    _print_logins(logins, demo.DEMO_PASSWORD)


def _print_logins(logins: list[tuple[str, str]], password: str) -> None:
    click.echo(f"Demo logins (password for all: {password}):")
    for role, email in logins:
        click.echo(f"  {role:<9} {email}")


@click.command("outbox")
@click.option("--all", "show_all", is_flag=True, help="Every message, sent and cancelled too.")
@click.option("--failed", is_flag=True, help="Only messages that failed for good.")
@click.option("--bodies", is_flag=True, help="Print each message's text too.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def outbox(show_all: bool, failed: bool, bodies: bool, limit: int) -> None:
    """The outbox: messages waiting (or being sent), when they are due, attempts and last error.

    `--failed` lists the messages given up on (a bounced address, a refused number), newest
    first; `--all` everything. Times are UTC.
    """
    import sqlalchemy as sa

    from autoshop.domain.choices import NotificationStatus
    from autoshop.extensions import db
    from autoshop.models import Notification
    from autoshop.services.notification_rendering import preview

    if show_all and failed:
        raise click.UsageError("Choose --all or --failed, not both.")
    stmt = sa.select(Notification).limit(limit)
    if failed:
        stmt = stmt.where(Notification.status == NotificationStatus.FAILED).order_by(
            Notification.id.desc()
        )
    elif show_all:
        stmt = stmt.order_by(Notification.id.desc())
    else:
        waiting = (NotificationStatus.PENDING, NotificationStatus.SENDING)
        stmt = stmt.where(Notification.status.in_(waiting)).order_by(
            Notification.due_at, Notification.id
        )
    rows = db.session.scalars(stmt).all()
    if not rows:
        click.echo("No failed messages." if failed else "The outbox is empty.")
        return
    click.echo(
        f"{'id':>6}  {'status':<9}  {'channel':<5}  {'due (UTC)':<16}  {'tries':>5}  kind / to"
    )
    for row in rows:
        due = row.due_at.strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{row.id:>6}  {row.status.value:<9}  {row.channel.value:<5}  {due:<16}  "
            f"{row.attempts:>5}  {row.kind} to {row.recipient}: {row.subject}"
        )
        if row.last_error:
            click.echo(f"{'':>8}last error: {row.last_error.strip().splitlines()[0][:200]}")
        if bodies:
            # Unsent messages are rendered now, as they will go out; sent ones as they went.
            shown = preview(row)
            click.echo(shown.error or shown.content.text.strip())
            click.echo("-" * 60)


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--poll-interval", default=1.0, show_default=True, type=click.FloatRange(min=0))
@click.option(
    "--lease-seconds",
    default=60,
    show_default=True,
    type=click.IntRange(min=1),
    help="How long the message being sent stays reserved for this worker; renewed while the "
    "send lasts, so a killed worker's message is due again this long after it died.",
)
@click.option("--worker-id", default=None, help="Name in claimed_by (default: host:pid).")
@with_appcontext
def worker(once: bool, poll_interval: float, lease_seconds: int, worker_id: str | None) -> None:
    """Deliver the outbox: email over SMTP, SMS through SMS_PROVIDER. SIGTERM stops it cleanly."""
    import logging
    import threading
    from datetime import timedelta

    from autoshop.notifications.worker import run_worker, stop_on_signals
    from autoshop.observability import configure_logging

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("LOG_FORMAT") and not logging.getLogger().handlers:
        # The app factory configures logging when LOG_FORMAT says how; otherwise the worker
        # still logs, as text, unless its host process (a test run) set logging up already.
        configure_logging("text", app.config.get("LOG_LEVEL", "INFO"))
    stop_event = threading.Event()
    if not once:
        click.echo(
            f"Worker delivering the outbox (mail via {app.config['MAIL_SERVER']}:"
            f"{app.config['MAIL_PORT']}); Ctrl-C stops it."
        )
    with stop_on_signals(stop_event):
        count = run_worker(
            app,
            worker_id=worker_id,
            poll_interval=poll_interval,
            lease=timedelta(seconds=lease_seconds),
            stop_event=stop_event,
            once=once,
        )
    click.echo(f"Worker stopped; {count} message(s) handled.")


@click.command("dev-smtp")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@with_appcontext
def dev_smtp(host: str, port: int) -> None:
    """Development mail server: keeps every message as an .eml file in instance/dev-mail/."""
    import signal
    import threading
    from pathlib import Path

    from autoshop.notifications.devmail import dev_smtp_controller

    if current_app.config["AUTOSHOP_ENV"] == "production":
        raise click.ClickException("dev-smtp never runs in production configuration.")
    folder = Path(current_app.instance_path) / "dev-mail"
    folder.mkdir(parents=True, exist_ok=True)
    controller = dev_smtp_controller(folder, host=host, port=port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        controller.start()
    except Exception as exc:  # the port is taken, most often
        raise click.ClickException(f"Could not listen on {host}:{port}: {exc}") from exc
    click.echo(f"Development mail server on {host}:{port}; messages go to {folder}")
    try:
        stop.wait()
    finally:
        controller.stop()


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--smtp-port", default=8025, show_default=True, type=int)
@with_appcontext
def dev(host: str, port: int, smtp_port: int) -> None:
    """Development: the web server, the outbox worker and the dev mail server; Ctrl-C stops all."""
    from autoshop.devrun import autoshop_command, supervise

    if current_app.config["AUTOSHOP_ENV"] == "production":
        raise click.ClickException("dev never runs in production configuration.")
    os.environ["MAIL_SERVER"] = "127.0.0.1"  # the children deliver to the dev mail server
    os.environ["MAIL_PORT"] = str(smtp_port)
    code = supervise(
        [
            ("mail server", autoshop_command("dev-smtp", "--port", str(smtp_port))),
            ("worker", autoshop_command("worker")),
            ("web server", autoshop_command("run", "--host", host, "--port", str(port))),
        ],
        echo=click.echo,
    )
    raise SystemExit(code)


@click.command("purge-idempotency-keys")
@with_appcontext
def purge_idempotency_keys() -> None:
    """Delete idempotency keys older than 24 hours (run it daily, e.g. from cron)."""
    from autoshop.services.idempotency import purge_expired
    from autoshop.timeutil import utcnow

    click.echo(f"Deleted {purge_expired(now=utcnow())} expired idempotency key(s).")


@click.command("assets")
@click.option("--clean", is_flag=True, help="Remove the manifest and every hashed copy instead.")
@with_appcontext
def assets(clean: bool) -> None:
    """Fingerprint the static files: hashed copies and the manifest production serves them by."""
    from pathlib import Path

    from autoshop.web import static_assets

    folder = Path(current_app.static_folder or "")
    if clean:
        click.echo(f"Removed {static_assets.clean(folder)} file(s) from {folder}.")
        return
    manifest = static_assets.build(folder)
    click.echo(
        f"Fingerprinted {len(manifest)} static file(s) into {folder / static_assets.MANIFEST_NAME}."
    )


def register_commands(app: Flask) -> None:
    for command in (create_admin, create_staff, seed_demo, outbox, worker, dev_smtp, dev, assets):
        app.cli.add_command(command)
    app.cli.add_command(purge_idempotency_keys)
