"""Running publications when they are due.

`PublishQueue` is what the use cases see: `enqueue(publication_id, at)`. The embedded default,
`LocalRunner`, runs them inside this process (``threadr serve``); the store is the queue, so
scheduled publications survive restarts: at start every open one is picked up again. Several
runners (processes or hosts) may share one database: each publication is leased to one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

log = logging.getLogger("threadr.publish")
IDLE_SECONDS = 30.0  # re-check the store at least this often (another host may add work)


def runs_in_serve(settings) -> bool:
    """The embedded default (SQLite) publishes inside `threadr serve`; with PostgreSQL,
    `threadr worker` processes do it."""
    from core.store.migrate import dialect_of

    return dialect_of(settings.effective_database_url) == "sqlite"


class PublishQueue(Protocol):
    async def enqueue(self, publication_id: str, at: datetime) -> None:
        """Make sure the publication runs at (or soon after) `at`."""


class LocalRunner:
    def __init__(self, store, clock: Callable[[], datetime],
                 run: Callable[[str], Awaitable[str | None]], concurrency: int = 4,
                 idle: float = IDLE_SECONDS) -> None:
        self._store, self._clock, self._run = store, clock, run
        self._idle, self._slots = idle, asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._running: dict[str, asyncio.Task] = {}
        self._loop: asyncio.Task | None = None

    async def enqueue(self, publication_id: str, at: datetime) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._forever(), name="publish-runner")

    async def close(self) -> None:
        tasks = [t for t in (self._loop, *self._running.values()) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    async def run_due(self) -> int:
        """Start every due publication not already running here; how many were started."""
        due = await self._store.due_publications(self._clock())
        fresh = [p for p in due if p not in self._running]
        for pub_id in fresh:
            self._running[pub_id] = asyncio.create_task(self._one(pub_id))
        return len(fresh)

    async def _one(self, pub_id: str) -> None:
        try:
            async with self._slots:
                await self._run(pub_id)
        except Exception:
            log.exception("publication run crashed", extra={"publication": pub_id})
        finally:
            self._running.pop(pub_id, None)
            self._wake.set()

    async def _forever(self) -> None:
        while True:
            try:
                await self.run_due()
                nxt = await self._store.next_run_at()
            except Exception:  # the store is briefly unavailable: try again later
                log.warning("publish runner could not read the store", exc_info=True)
                nxt = None
            wait = self._idle
            if nxt is not None:
                wait = min(wait, max(0.05, (nxt - self._clock()).total_seconds()))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                pass
