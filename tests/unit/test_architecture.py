"""The shape DESIGN.md §2 asks for, checked: domain/ is pure, and models don't commit or send."""

from __future__ import annotations

import ast
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


def test_domain_uses_the_standard_library_and_itself_only():
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    offenders = {}
    for path in sorted((PACKAGE / "domain").glob("*.py")):
        foreign = {
            name
            for name in _imports(path)
            if name.split(".")[0] not in allowed and not name.startswith("autoshop.domain")
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
