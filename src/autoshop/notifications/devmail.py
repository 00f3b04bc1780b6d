"""Development mail server: accepts every message and keeps it as an .eml file on disk."""

from __future__ import annotations

import itertools
import logging
import os
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)


class EmlFolderHandler:
    """An aiosmtpd handler that writes each received message to `folder/<time>-<n>.eml`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(self._numbers):05d}.eml"
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        partial = self.folder / f".{name}.part"
        partial.write_bytes(content)
        partial.replace(self.folder / name)  # readers never see half a message
        log.info("dev mail for %s stored as %s", ", ".join(envelope.rcpt_tos), name)
        return "250 Message accepted for delivery"


def dev_smtp_controller(folder: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    return Controller(EmlFolderHandler(folder), hostname=host, port=port)
