"""Sending never blocks a request: `submit()` returns at once and a background task delivers,
retrying failures with exponential backoff a bounded number of times. Logs say what kind of
mail went to which (masked) address and why a try failed, never the body (it holds tokens)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from core.mail.base import Mailer, Message, mask_address

log = logging.getLogger("threadr.mail")


class MailSender:
    def __init__(self, mailer: Mailer, attempts: int = 4, backoff: float = 1.0) -> None:
        self.mailer = mailer
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._tasks: set[asyncio.Task] = set()
        self.failed = 0  # messages given up on, for tests and /metrics-like checks

    def submit(self, message: Message) -> None:
        self._spawn(self._deliver(message))

    def later(self, job: Coroutine[Any, Any, Any], name: str) -> None:
        """Run mail-preparing work (look-ups, token rows) after the answer: a request whose
        answer must not depend on whether an account exists does the same work either way."""
        self._spawn(self._guarded(job, name))

    def _spawn(self, coro: Coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, job: Coroutine, name: str) -> None:
        try:
            await job
        except Exception as exc:
            log.warning("mail job failed", extra={"job": name, "error": type(exc).__name__})

    async def _deliver(self, message: Message) -> bool:
        for attempt in range(1, self.attempts + 1):
            try:
                await self.mailer.send(message)
                return True
            except Exception as exc:  # any failure of the transport: retry, then give up
                final = attempt == self.attempts
                log.warning("mail delivery failed", extra={
                    "kind": message.kind, "to": mask_address(message.to), "attempt": attempt,
                    "error": type(exc).__name__, "giving_up": final})
                if final:
                    self.failed += 1
                    return False
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return False

    async def drain(self, seconds: float = 10.0) -> None:
        """Wait until every submitted message was delivered or given up (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self._tasks and loop.time() < deadline:  # jobs may submit the mail they prepare
            await asyncio.wait(set(self._tasks), timeout=deadline - loop.time())

    async def close(self, grace: float = 5.0) -> None:
        await self.drain(grace)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
