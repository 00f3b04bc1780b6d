"""`autoshop dev`: the web server, the outbox worker and the dev mail server, started together.

If one of them exits, or on Ctrl-C / SIGTERM, the others are stopped too (SIGTERM, then SIGKILL
after a grace period), so nothing is left running in the background.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType

GRACE_SECONDS = 10.0


def autoshop_command(*args: str) -> list[str]:
    """`autoshop <args>` with this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-c", "from autoshop.cli import main; main()", *args]


def supervise(
    commands: Sequence[tuple[str, list[str]]], echo: Callable[[str], object] = print
) -> int:
    """Run `commands` (name, argv) side by side until one exits or we are told to stop."""
    stopping = False

    def _stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    exit_code = 0
    try:
        for name, argv in commands:
            processes.append((name, subprocess.Popen(argv)))
        while not stopping:
            for name, process in processes:
                code = process.poll()
                if code is not None:
                    echo(f"dev: {name} exited with status {code}; stopping the others.")
                    exit_code = code or 0
                    stopping = True
                    break
            else:
                time.sleep(0.2)
    finally:
        for _name, process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for name, process in processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                echo(f"dev: {name} did not stop in time; killing it.")
                process.kill()
                process.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return exit_code
