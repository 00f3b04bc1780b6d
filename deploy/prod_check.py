"""`make prod-check`: the production shape, started on this machine and used over HTTP.

1. A fresh PostgreSQL database, migrated, with the demo shop in it.
2. `autoshop assets` fingerprints the static files; gunicorn with 2 workers
   (AUTOSHOP_ENV=production, JSON logs, Redis for rate limits), two `autoshop worker` processes,
   and a local SMTP server in this process.
3. A smoke test over HTTP: /readyz; a guest books two visits through the API and the
   confirmation email arrives with its calendar file; a mechanic logs in and checks one visit in;
   the guest cancels the other through the manage link; /readyz again. The page links its
   stylesheets by hashed name, served with a year's immutable caching; the rate-limit counters
   are in Redis (shared by the web processes).
4. Every log line of every process is JSON, request lines carry request ids, and no line holds
   the guest's email address or phone number.
5. A backup with pg_dump is restored into a second database, and both hold the same rows.
6. Everything started is stopped and both databases are dropped. Any failure: exit status 1.

Run from the repository root: `.venv/bin/python -m deploy.prod_check` (PGHOST/PGPORT/PGUSER
as for psql; default 127.0.0.1:5432 postgres; REDIS_URL default redis://127.0.0.1:6379/15).
"""

from __future__ import annotations

import html
import http.cookies
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import psycopg
import redis

from tests.support.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": os.environ.get("PGPORT", "5432"),
    "user": os.environ.get("PGUSER", "postgres"),
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
GUEST_EMAIL = "prodcheck.guest@example.com"
GUEST_PHONE = "(201) 555-0199"
GUEST_PHONE_E164 = "+12015550199"
MECHANIC = "mike.chen@example.com"
DEMO_PASSWORD = "garage-demo-2026"
SECRET_WORDS = (GUEST_EMAIL, GUEST_PHONE_E164, "555-0199", MECHANIC, "ratelimit.")


class CheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"prod-check: {message}", flush=True)


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def wait_for(what: str, probe: Callable[[], Any], seconds: float = 60) -> Any:
    """Poll `probe` until it returns something truthy (this is a script against real servers)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(Exception):
            if result := probe():
                return result
        time.sleep(0.2)
    raise CheckFailed(f"timed out waiting for {what}")


# --- databases ------------------------------------------------------------------------------------


def pg_url(name: str, driver: str = "postgresql") -> str:
    return f"{driver}://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def admin_sql(sql: str) -> None:
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]


# --- processes ------------------------------------------------------------------------------------


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        err = (self.logs / f"{name}.log").open("wb")
        out = (self.logs / f"{name}.out").open("wb")
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=err)
        self.running.append((name, proc))

    def check_alive(self) -> None:
        for name, proc in self.running:
            check(proc.poll() is None, f"{name} exited early; see {self.logs / name}.log")

    def stop(self) -> None:
        for _, proc in self.running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.running:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                step(f"{name} ignored SIGTERM for 30 s; killing it")
                proc.kill()
                proc.wait()

    def log_files(self) -> list[Path]:
        return [self.logs / f"{name}.log" for name, _ in self.running]


# --- HTTP -----------------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies (Secure ones too: this is plain HTTP on localhost),
    redirects not followed, forms posted with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(
        self, method: str, path: str, *, data: dict[str, str] | None = None, json_body: Any = None
    ) -> tuple[int, dict[str, str], str]:
        headers = {"Accept": "text/html"}
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
            headers["Accept"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=30) as resp:
                status, header_list, text = resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as err:
            status, header_list, text = err.code, err.headers, err.read().decode()
        for raw in header_list.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return status, dict(header_list.items()), text

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path)

    def post_form(self, page: str, data: dict[str, str], action: str | None = None) -> int:
        status, _, text = self.get(page)
        check(status == 200, f"GET {page} answered {status}")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if token is None:
            raise CheckFailed(f"no CSRF token on {page}")
        status, _, _ = self.request(
            "POST", action or page, data={**data, "csrf_token": token.group(1)}
        )
        return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- the smoke test -------------------------------------------------------------------------------


def smoke_test(base: str, smtp: SmtpServer) -> None:
    guest = Browser(base)
    status, headers, text = guest.get("/readyz")
    check(status == 200, f"/readyz answered {status}: {text}")
    ready = json.loads(text)
    check(ready["database"] == "ok" and ready["version"], f"/readyz said {ready}")
    check(headers.get("X-Request-ID"), "/readyz has no X-Request-ID")
    step(f"/readyz: ready, version {ready['version']}, schema {ready['schema_revision']}")

    _, _, text = guest.request("GET", "/api/v1/services")
    services = json.loads(text)
    service = next(s for s in services if s["duration_minutes"] <= 60)
    # The server's day (its Date header), then beyond the customers' cancellation cutoff.
    start_day = parsedate_to_datetime(headers["Date"]).date() + timedelta(days=3)
    query = urllib.parse.urlencode(
        {
            "services": service["id"],
            "start": start_day.isoformat(),
            "end": (start_day + timedelta(days=10)).isoformat(),
        }
    )
    _, _, text = guest.request("GET", f"/api/v1/availability?{query}")
    starts = [s["start"] for d in json.loads(text)["days"] for s in d["slots"]]
    check(len(starts) >= 2, "fewer than two free times in the next two weeks")

    booked = []
    for n, start in enumerate((starts[0], starts[-1])):
        body = {
            "services": [service["id"]],
            "start": start,
            "vehicle": {"year": 2018, "make": "Toyota", "model": "Camry", "plate": f"PC{n}"},
            "guest": {"name": "Pat Check", "email": GUEST_EMAIL, "phone": GUEST_PHONE},
        }
        status, _, text = guest.request("POST", "/api/v1/appointments", json_body=body)
        check(status == 201, f"booking answered {status}: {text}")
        booked.append(json.loads(text))
    step(f"a guest booked {booked[0]['reference']} and {booked[1]['reference']} through the API")

    def confirmation_arrived() -> Any:
        for received in smtp.messages:
            if GUEST_EMAIL in received.rcpt_tos and booked[0]["reference"] in str(
                received.message["Subject"]
            ):
                return received
        return None

    mail = wait_for("the confirmation email", confirmation_arrived)
    calendars = [p for p in mail.message.walk() if p.get_content_type() == "text/calendar"]
    check(calendars, "the confirmation email has no calendar file")
    check(booked[0]["reference"] in calendars[0].get_content(), "the .ics is for another visit")
    step("the confirmation email arrived through the worker, with its .ics")

    mechanic = Browser(base)
    status = mechanic.post_form("/account/login", {"email": MECHANIC, "password": DEMO_PASSWORD})
    check(status == 302, f"the mechanic's login answered {status}")
    page = f"/staff/appointments/{booked[0]['reference']}"
    status, _, text = mechanic.get(page)
    check(status == 200, f"the staff appointment page answered {status}")
    version = re.search(r'name="version" value="(\d+)"', text)
    check(version, "no version on the staff appointment page")
    status = mechanic.post_form(
        page,
        {"target": "checked_in", "version": version.group(1), "back": "appointment"},  # type: ignore[union-attr]
        action=f"{page}/status",
    )
    check(status in (302, 303), f"checking in answered {status}")
    _, _, text = mechanic.get(page)
    check("Checked in" in html.unescape(text), "the visit isn't checked in")
    step(f"the mechanic checked {booked[0]['reference']} in")

    manage = urllib.parse.urlsplit(booked[1]["manage_url"]).path
    status, _, text = guest.get(manage + "/cancel")
    check(status == 200, f"the cancel page answered {status}")
    version = re.search(r'name="version" value="(\d+)"', text)
    data = {"reason": "prod-check"}
    if version:
        data["version"] = version.group(1)
    status = guest.post_form(manage + "/cancel", data)
    check(status in (302, 303), f"cancelling answered {status}")
    _, _, text = guest.get(manage)
    check("Cancelled" in html.unescape(text), "the visit isn't cancelled")
    step(f"the guest cancelled {booked[1]['reference']} through the manage link")

    status, _, text = guest.get("/readyz")
    check(status == 200, f"/readyz answered {status} at the end")


STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/[^"]+)"')


def static_files_check(base: str) -> None:
    """Pages link fingerprinted names, served for a year; plain names get a short max-age."""
    browser = Browser(base)
    _, _, text = browser.get("/")
    sheets = STYLESHEET.findall(text)
    hashed = [s for s in sheets if re.search(r"\.[0-9a-f]{12}\.css$", s)]
    check(
        hashed and len(hashed) == len(sheets), f"the home page links unhashed stylesheets: {sheets}"
    )
    status, headers, _ = browser.get(hashed[0])
    check(status == 200, f"GET {hashed[0]} answered {status}")
    cache = headers.get("Cache-Control", "")
    check(cache == "public, max-age=31536000, immutable", f"{hashed[0]}: Cache-Control {cache!r}")
    plain = re.sub(r"\.[0-9a-f]{12}(\.css)$", r"\1", hashed[0])
    status, headers, _ = browser.get(plain)
    check(status == 200, f"GET {plain} answered {status}")
    check(headers.get("Cache-Control") == "public, max-age=300", f"{plain}: {headers}")
    step(f"static files: {hashed[0]} served immutable for a year, {plain} for 5 minutes")


def rate_limits_in_redis(base: str) -> None:
    """The web processes count together in Redis: failed logins for one account are refused after
    exactly the limit (5), whichever gunicorn worker answers each (each counting alone, they would
    let up to 5 per worker through)."""
    email = f"ratelimit.{secrets.token_hex(4)}@example.com"
    answers = []
    for _ in range(6):
        answers.append(Browser(base).post_form("/account/login", {"email": email, "password": "x"}))
    check(answers == [200] * 5 + [429], f"failed logins answered {answers}")
    keys = redis.Redis.from_url(REDIS_URL).keys("LIMITS:*login-account:*")
    check(keys, f"no failed-login counters in {REDIS_URL}")
    step("rate limits: the 6th failed login for one account refused (429), counted in Redis")


def check_logs(files: list[Path]) -> None:
    requests_seen = 0
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise CheckFailed(f"{path.name}:{number} is not JSON: {line[:200]}") from None
            for word in SECRET_WORDS:
                check(word not in line, f"{path.name}:{number} shows {word!r}: {line[:200]}")
            if record.get("logger") == "autoshop.access":
                check(record.get("request_id"), f"{path.name}:{number} has no request id")
                requests_seen += 1
    check(requests_seen >= 10, f"only {requests_seen} request lines were logged")
    step(f"logs: every line JSON, {requests_seen} request lines with ids, no emails or phones")


def backup_and_restore(url: str, name: str, logs: Path) -> None:
    dump = logs / "backup.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", url], check=True, capture_output=True
    )
    with fresh_database(f"{name}_restored") as restored:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restored}", str(dump)],
            check=True,
            capture_output=True,
        )
        before, after = row_counts(url), row_counts(restored)
        check(before == after, f"the restore differs: {before} vs {after}")
        step(
            f"backup restored into a second database: {len(after)} tables, "
            f"{sum(after.values())} rows, identical"
        )


def main() -> int:
    name = f"autoshop_prodcheck_{secrets.token_hex(4)}"
    logs = Path(tempfile.mkdtemp(prefix="autoshop-prod-check-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    smtp = SmtpServer()
    smtp.start()
    procs = Processes(logs)
    # A checkout that had no build keeps none afterwards (development serves plain names anyway).
    had_manifest = (ROOT / "src/autoshop/web/static/manifest.json").exists()
    built_assets = False
    try:
        with fresh_database(name) as url:
            env = {
                **{
                    k: v for k, v in os.environ.items() if not k.startswith(("AUTOSHOP_", "FLASK_"))
                },
                "AUTOSHOP_ENV": "production",
                "AUTOSHOP_INSTANCE_PATH": str(logs / "instance"),
                "SECRET_KEY": secrets.token_hex(32),
                "SECURITY_PASSWORD_SALT": secrets.token_hex(16),
                "DATABASE_URL": url,
                "PUBLIC_BASE_URL": base,
                "RATELIMIT_STORAGE_URI": REDIS_URL,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(smtp.port),
                "SMS_PROVIDER": "console",
                "LOG_FORMAT": "json",
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "DATABASE_CONNECT_TIMEOUT": "30",
            }
            subprocess.run(
                [str(BIN / "autoshop"), "db", "upgrade"],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            # The demo shop to smoke-test against (seed-demo refuses production's configuration,
            # so this one step runs as development, on the same database).
            subprocess.run(
                [str(BIN / "autoshop"), "seed-demo"],
                env={**env, "AUTOSHOP_ENV": "development"},
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            step(f"database {name} migrated and seeded")
            subprocess.run(
                [str(BIN / "autoshop"), "assets"],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            built_assets = True
            step("static files fingerprinted (autoshop assets)")
            procs.start(
                "web",
                [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                env,
            )
            for n in (1, 2):
                procs.start(
                    f"worker-{n}", [str(BIN / "autoshop"), "worker", "--worker-id", f"w{n}"], env
                )
            wait_for("gunicorn", lambda: Browser(base).get("/healthz")[0] == 200)
            procs.check_alive()
            step("gunicorn (2 workers) and 2 outbox workers are up")

            smoke_test(base, smtp)
            static_files_check(base)
            rate_limits_in_redis(base)
            procs.check_alive()
            procs.stop()
            check_logs(procs.log_files())
            backup_and_restore(url, name, logs)
    except (CheckFailed, subprocess.CalledProcessError) as exc:
        detail = exc.stderr.decode() if isinstance(exc, subprocess.CalledProcessError) else ""
        print(f"prod-check FAILED: {exc}\n{detail}\nlogs: {logs}", file=sys.stderr)
        return 1
    finally:
        procs.stop()
        smtp.stop()
        if built_assets and not had_manifest:
            subprocess.run(
                [str(BIN / "autoshop"), "assets", "--clean"], cwd=ROOT, capture_output=True
            )
    step(f"passed (logs kept in {logs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
