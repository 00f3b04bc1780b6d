"""Loaded only by `make test-future-date` (its PYTHONPATH), by every Python process of the run.

The run fakes the wall clock with libfaketime and keeps the monotonic clock real
(FAKETIME_DONT_FAKE_MONOTONIC=1): faking it too hangs every lock, queue or event wait with a
timeout, as glibc's sem_clockwait isn't intercepted (wolfcw/libfaketime#390). With it real,
Debian 12's libfaketime 0.9.10 hands Python 3.11's time.sleep() a negative deadline
(clock_nanosleep with TIMER_ABSTIME: "OSError: [Errno 22] Invalid argument",
wolfcw/libfaketime#426). So sleeping waits on an event instead, which is the same pause.
"""

from __future__ import annotations

import os
import threading
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        threading.Event().wait(seconds)

    time.sleep = _sleep
