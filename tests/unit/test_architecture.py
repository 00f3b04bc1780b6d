"""The shape DESIGN.md §2 asks for, checked: domain/ is pure, and models don't commit or send."""

from __future__ import annotations

import ast
import fnmatch
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "autoshop"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


#: What the domain may use besides the standard library and itself: the words and formats of
#: the reader's language (`_()`, `format_money()`...), which read no clock, database or request
#: and give the English outside an app.
DOMAIN_MAY_USE = frozenset({"autoshop.i18n"})


def test_domain_uses_the_standard_library_and_itself_only():
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    offenders = {}
    for path in sorted((PACKAGE / "domain").glob("*.py")):
        foreign = {
            name
            for name in _imports(path)
            if name.split(".")[0] not in allowed
            and not name.startswith("autoshop.domain")
            and name not in DOMAIN_MAY_USE
        }
        if foreign:
            offenders[path.name] = sorted(foreign)
    assert offenders == {}


def test_domain_never_reads_the_clock():
    for path in sorted((PACKAGE / "domain").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "time.time(", ".utcnow("):
            assert call not in text, f"{path.name} reads the clock ({call})"


def test_models_do_not_commit_build_urls_or_send():
    for path in sorted((PACKAGE / "models").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for forbidden in (".commit(", "url_for(", "smtplib", "render_template("):
            assert forbidden not in text, f"models/{path.name} uses {forbidden}"


#: The packages that never commit on their own: web/ and api/ call services; notifications/
#: writes its outbox bookkeeping through services.transactions.write_transaction().
NEVER_COMMIT = {
    "web": (".commit(", "begin_write(", "write_transaction(", "run_write("),
    "api": (".commit(", "begin_write(", "write_transaction(", "run_write("),
    "notifications": (".commit(", "begin_write("),
}


def test_web_api_and_notifications_never_commit_on_their_own():
    offenders = []
    for package, calls in NEVER_COMMIT.items():
        for path in sorted((PACKAGE / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(PACKAGE)} calls {c}" for c in calls if c in text]
    assert offenders == []


def test_services_write_through_the_one_idiom():
    """Use cases open their transactions with write_transaction()/run_write(), never by hand."""
    offenders = []
    allowed = {"transactions.py"}  # the idiom itself
    for path in sorted((PACKAGE / "services").glob("*.py")):
        if path.name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        for call in ("session.commit(", "begin_write("):
            if call in text:
                offenders.append(f"services/{path.name} calls {call}")
    assert offenders == []


# --- the clock -----------------------------------------------------------------------------------

ROOT = PACKAGE.parents[1]
#: Python that runs the shop, tests it or measures it.
SCANNED = ("src", "tests", "benchmarks")

#: Reads of the wall clock, as `<object>.<attribute>` (the object's last name: `datetime.now`
#: matches `datetime.now(...)`, `dt.datetime.now` and a bare `datetime.now` passed as a default).
ALWAYS_THE_CLOCK = {
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "time.time",
    "time.time_ns",
    # SQL functions that read the database server's clock.
    "func.now",
    "func.current_timestamp",
    "func.current_date",
    "func.current_time",
    "func.localtimestamp",
    "func.localtime",
}
#: Readers of the clock only when called without a time to convert.
THE_CLOCK_WITHOUT_ARGUMENTS = {"time.localtime", "time.gmtime", "time.ctime", "time.asctime"}
#: Names that are the clock when imported on their own (`from time import time`).
CLOCK_IMPORTS = {
    "time.time",
    "time.time_ns",
    "flask_security.utils.aware_utcnow",
    "flask_security.utils.naive_utcnow",
}
#: SQL text that reads the database server's clock.
SQL_CLOCK = re.compile(r"\b(current_timestamp|current_date|localtimestamp|now\s*\(\s*\))", re.I)

#: Where reading the wall clock is right, each with the reason. Keys: (file glob, what is read).
#: Monotonic clocks (time.monotonic, time.perf_counter) aren't the wall clock and are fine
#: anywhere: the worker's loop, the dev runner's grace period and the benchmarks' timings use them.
ALLOWED_CLOCK_READS = {
    # The clock module: the one place the app reads the time, at its edges, as utcnow().
    ("src/autoshop/timeutil.py", "datetime.now"): "the clock itself",
    # When a row was written, by the database's clock: a default, a record nobody decides on.
    # Where a customer sees such a stamp (an appointment's, in its calendar file) the service
    # sets it from `now`.
    ("src/autoshop/models/*.py", "func.current_timestamp"): "a record of the write",
    ("src/autoshop/migrations/versions/*.py", "SQL CURRENT_TIMESTAMP"): "the same, in the schema",
}


def _python_files() -> list[Path]:
    return sorted(p for root in SCANNED for p in (ROOT / root).rglob("*.py"))


def _dotted_tail(node: ast.expr) -> str | None:
    """`a.b.c` -> "b.c": the attribute and the last name of the object it is read from."""
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if isinstance(owner, ast.Name):
        return f"{owner.id}.{node.attr}"
    if isinstance(owner, ast.Attribute):
        return f"{owner.attr}.{node.attr}"
    return None


def _clock_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every wall-clock read in a module."""
    reads: list[tuple[int, str]] = []
    called_without_arguments = {
        id(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and not node.args and not node.keywords
    }
    for node in ast.walk(tree):
        what = _dotted_tail(node) if isinstance(node, ast.Attribute) else None
        if what in ALWAYS_THE_CLOCK or (
            what in THE_CLOCK_WITHOUT_ARGUMENTS and id(node) in called_without_arguments
        ):
            reads.append((node.lineno, what))
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in CLOCK_IMPORTS:
                    reads.append((node.lineno, f"{node.module}.{alias.name}"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_CLOCK.search(node.value)
        ):
            reads.append((node.lineno, "SQL CURRENT_TIMESTAMP"))
    return reads


def _allowed(relative: str, what: str) -> bool:
    return any(
        fnmatch.fnmatch(relative, pattern) and what == read for pattern, read in ALLOWED_CLOCK_READS
    )


def test_nothing_reads_the_wall_clock_where_now_should_be_passed():
    """Rules take `now`; the edges (views, CLI, worker) call timeutil.utcnow(); tests pass or
    freeze time. Anything else depends on the day it runs (DESIGN.md section 2)."""
    this_file = Path(__file__).resolve()
    offenders = []
    for path in _python_files():
        if path.resolve() == this_file:  # it names what it looks for
            continue
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{relative}:{line}: {what}"
            for line, what in _clock_reads(tree)
            if not _allowed(relative, what)
        ]
    assert not offenders, "Pass `now` in, or call autoshop.timeutil.utcnow() at the edge:\n" + (
        "\n".join(offenders)
    )


def test_the_allow_list_has_no_stale_entries():
    used = set()
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        for _line, what in _clock_reads(ast.parse(path.read_text(encoding="utf-8"))):
            used |= {
                key
                for key in ALLOWED_CLOCK_READS
                if fnmatch.fnmatch(relative, key[0]) and key[1] == what
            }
    assert set(ALLOWED_CLOCK_READS) - used == set()


def test_the_clock_check_finds_what_it_looks_for():
    source = (
        "import datetime as dt, time\n"
        "from datetime import date, datetime\n"
        "from time import time_ns\n"
        "a = datetime.now(UTC)\n"
        "b = dt.datetime.utcnow()\n"
        "c = date.today()\n"
        "d = time.time()\n"
        "e = time.localtime()\n"
        "f = time.localtime(0)\n"  # converts a given time: not a read
        "g = Column(default=datetime.now)\n"
        "h = sa.func.now()\n"
        "i = sa.text('SELECT CURRENT_TIMESTAMP')\n"
        "j = time.monotonic()\n"  # not the wall clock
    )
    assert [what for _, what in sorted(_clock_reads(ast.parse(source)))] == [
        "time.time_ns",
        "datetime.now",
        "datetime.utcnow",
        "date.today",
        "time.time",
        "time.localtime",
        "datetime.now",
        "func.now",
        "SQL CURRENT_TIMESTAMP",
    ]


#: The customer's device clock is in their zone and may be wrong: the server decides dates.
BROWSER_CLOCK = re.compile(r"\bnew\s+Date\s*\(|\bDate\.now\s*\(")


def test_pages_never_decide_with_the_browsers_clock():
    web = PACKAGE / "web"
    sources = [p for p in (web / "static").rglob("*.js") if "vendor" not in p.parts]
    sources += list((web / "templates").rglob("*.html"))
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in sources
        if BROWSER_CLOCK.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_browser_tests_wait_on_conditions_never_for_a_time():
    """A fixed pause is too short on a busy machine and wasted on a quiet one: wait for what the
    test needs (an element, a URL, htmx settled: tests/support/browser.py)."""
    files = [*sorted((ROOT / "tests" / "e2e").glob("*.py")), ROOT / "tests/support/browser.py"]
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _dotted_tail(node) if isinstance(node, ast.Attribute) else None
            if name and name.split(".")[1] in ("wait_for_timeout", "sleep"):
                offenders.append(f"{path.name}:{node.lineno}: {name}")
            # `assert locator.is_visible()` answers at once, before a page that is still loading
            # shows anything: expect(locator).to_be_visible() waits for it.
            if isinstance(node, ast.Assert) and any(
                isinstance(n, ast.Attribute) and n.attr == "is_visible" for n in ast.walk(node)
            ):
                offenders.append(f"{path.name}:{node.lineno}: assert ….is_visible()")
    assert offenders == []
