"""docs/CONFIGURATION.md lists exactly the variables config.py reads: it can't drift."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "src" / "autoshop" / "config.py"
REFERENCE = ROOT / "docs" / "CONFIGURATION.md"
#: How config.py reads a variable: env.get("X", …), or a parser taking (env, "X", …).
PARSERS = {"_int", "_bool", "_choice"}


def variables_read() -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(CONFIG.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        ):
            first = node.args[0]
        elif isinstance(func, ast.Name) and func.id in PARSERS and len(node.args) > 1:
            first = node.args[1]
        else:
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def variables_documented() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", REFERENCE.read_text(), re.M))


def test_every_variable_config_reads_is_documented():
    read = variables_read()
    assert len(read) > 30  # the scan finds the reads at all
    missing = read - variables_documented()
    assert not missing, f"add to docs/CONFIGURATION.md: {sorted(missing)}"


def test_the_reference_documents_nothing_config_doesnt_read():
    stale = variables_documented() - variables_read()
    assert not stale, f"docs/CONFIGURATION.md lists what config.py no longer reads: {sorted(stale)}"
