"""The embedded default: each message becomes an `.eml` file in `<data dir>/outbox/`."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from core.mail.base import Message, mask_address

log = logging.getLogger("threadr.mail")


class OutboxMailer:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def _write(self, message: Message) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{message.kind}-{uuid4().hex[:8]}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # holds live tokens
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(message.to_email(self.sender)))
        return path

    async def send(self, message: Message) -> None:
        path = await asyncio.to_thread(self._write, message)
        log.info("mail written to the outbox: %s", path, extra={
            "kind": message.kind, "to": mask_address(message.to), "path": str(path)})
