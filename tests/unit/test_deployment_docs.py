"""The deployment files and guides name only commands, targets and files that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("autoshop*"))
AUTOSHOP = Path(sys.executable).parent / "autoshop"


@cache
def commands(*group: str) -> set[str]:
    """The subcommands `autoshop [group] --help` lists."""
    out = subprocess.run(
        [str(AUTOSHOP), *group, "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "AUTOSHOP_INSTANCE_PATH": "/nonexistent-autoshop"},
    ).stdout
    listing = out.split("Commands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^\s{2}([a-z][a-z-]*)\s", listing, re.M)}


def texts() -> dict[str, str]:
    return {path.name: path.read_text() for path in [*DOCS, *UNITS]}


def test_every_autoshop_command_named_exists():
    """As `autoshop X` in backticks or `…/bin/autoshop X` in a command line or unit."""
    named = set()
    for name, text in texts().items():
        for group, sub in re.findall(r"(?:bin/autoshop|`autoshop) (db )?([a-z][a-z-]+)", text):
            named.add((name, group.strip(), sub))
    assert len(named) > 10
    for name, group, sub in named:
        available = commands(group) if group else commands()
        assert sub in available, f"{name}: `autoshop {group} {sub}` doesn't exist"


def test_every_make_target_named_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    for name, text in texts().items():
        for target in re.findall(r"`make ([a-z][a-z-]*)", text):
            assert target in targets, f"{name}: `make {target}` isn't a Makefile target"


def test_every_deploy_file_named_exists():
    for name, text in texts().items():
        for path in re.findall(r"(?<![\w/])(deploy/[\w./@*-]*[\w*])", text):
            assert list(ROOT.glob(path)), f"{name}: {path} doesn't exist"


def test_the_environment_example_sets_only_documented_variables():
    reference = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    example = (ROOT / "deploy" / "autoshop.env.example").read_text()
    keys = re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M)
    assert "SECRET_KEY" in keys and "DATABASE_URL" in keys
    for key in keys:
        assert f"`{key}`" in reference, f"{key} isn't in docs/CONFIGURATION.md"


def test_the_units_run_the_commands_from_the_repository():
    for unit in UNITS:
        text = unit.read_text()
        for line in re.findall(r"^ExecStart=(\S+)", text, re.M):
            assert line.startswith("/srv/autoshop/.venv/bin/"), f"{unit.name}: {line}"
    web = (ROOT / "deploy" / "systemd" / "autoshop-web.service").read_text()
    assert (
        "-c deploy/gunicorn.conf.py" in web and "EnvironmentFile=/etc/autoshop/autoshop.env" in web
    )
