"""`autoshop dev` supervises its children: when one ends, the others are stopped too."""

from __future__ import annotations

import sys
import time

from autoshop.devrun import supervise


def test_when_one_child_exits_the_others_are_stopped():
    messages: list[str] = []
    started = time.monotonic()
    code = supervise(
        [
            ("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"]),
            ("quitter", [sys.executable, "-c", "raise SystemExit(3)"]),
        ],
        echo=messages.append,
    )
    assert code == 3
    assert time.monotonic() - started < 15
    assert messages == ["dev: quitter exited with status 3; stopping the others."]
