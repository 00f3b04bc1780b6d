"""A real SMTP server in the test process (aiosmtpd) that keeps what it receives.

`smtp_server` is started on a free port; `SmtpServer(port=...)` builds one to start later (a
"down" server is simply a port nobody listens on). Behaviour a test can ask for:
`refuse[address] = "550 5.1.1 No such user"` answers RCPT for that address with the reply,
`hold_after = n` stores message n (and every later one), then withholds the 250 until `release()`
(a client killed meanwhile has sent the message but never learnt that it arrived), and
`hold_for = {address}` does the same for messages to those addresses only (a slow server).
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.server.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        count = self.server._store(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        hold_after = self.server.hold_after
        held = hold_after is not None and count >= hold_after
        if held or self.server.hold_for.intersection(envelope.rcpt_tos):
            while not self.server._released.is_set():
                await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port()
        self.refuse: dict[str, str] = {}
        self.hold_after: int | None = None
        self.hold_for: set[str] = set()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._controller: Controller | None = None

    @property
    def mail_settings(self) -> dict[str, Any]:
        """App config that points the mailer here."""
        return {
            "MAIL_SERVER": self.host,
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_USERNAME": "",
            "MAIL_TIMEOUT": 5,
        }

    def start(self) -> SmtpServer:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def release(self) -> None:
        self._released.set()

    def _store(self, received: Received) -> int:
        with self._lock:
            self._received.append(received)
            return len(self._received)

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait (bounded) until at least `count` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} messages within {timeout} s, got {len(self.messages)}"
                )
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
