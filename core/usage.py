"""Usage records off the request path: a small `UsageLog` protocol and its two adapters.

`BufferedUsageLog` (the default) keeps records in memory and writes them to the store in one
batch every `USAGE_FLUSH_SECONDS`, or at once when `_BATCH` are waiting, and on close (a clean
shutdown loses nothing; a crash loses at most the last interval's records). Memory is
bounded: past `_MAX_WAITING` records (a store that stays down) the oldest are dropped and
counted in the log — as a failed write dropped them before. `DirectUsageLog`
(`USAGE_FLUSH_SECONDS=0`) writes each record on the request path. Both are built in
`core.bootstrap`; the quota rebuild reads counts through `count_since`, which flushes first,
so a lost day counter is rebuilt from every record this process has.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import NamedTuple, Protocol

log = logging.getLogger("threadr.usage")

_BATCH = 500  # records that trigger a write before the interval is up
_MAX_WAITING = 50_000  # bound on memory (~10 MB) while the store is unreachable
_WRITE_BUDGET = 5.0  # seconds one batch write may take before it is retried later


class UsageRecord(NamedTuple):
    """One per thread request served (or charged); a tuple in the table's column order, so a
    batch goes to the database as it is (made on every request: a tuple is the cheapest)."""

    quota_key: str
    user_id: str | None
    platform: str
    generator: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool
    at: datetime


class UsageLog(Protocol):
    writes_now: bool  # `add` does I/O (then the caller bounds it in time)

    async def add(self, record: UsageRecord) -> None: ...
    async def count_since(self, quota_key: str, since: datetime) -> int: ...
    async def flush(self) -> None:
        """Write what is buffered now (e.g. before an account's records are anonymised)."""
    async def close(self) -> None: ...


class DirectUsageLog:
    """Each record written now (bounded by the caller); for USAGE_FLUSH_SECONDS=0."""

    writes_now = True

    def __init__(self, store) -> None:
        self._store = store

    async def add(self, record: UsageRecord) -> None:
        await self._store.record_usages([record])

    async def count_since(self, quota_key: str, since: datetime) -> int:
        return await self._store.count_usage(quota_key, since)

    async def flush(self) -> None:
        return None

    async def close(self) -> None:
        return None


class BufferedUsageLog:
    """Records batched in memory, written by one background task (see the module doc)."""

    writes_now = False

    def __init__(self, store, interval: float) -> None:
        self._store = store
        self._interval = interval
        self._waiting: list[UsageRecord] = []
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()  # one batch write at a time
        self._task: asyncio.Task | None = None
        self._closing = False
        self.dropped = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usage-flush")

    async def add(self, record: UsageRecord) -> None:
        """No I/O: the record joins the next batch."""
        if len(self._waiting) >= _MAX_WAITING:
            del self._waiting[0]
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("usage buffer full (store unreachable?): %d records dropped",
                            self.dropped)
        self._waiting.append(record)
        if len(self._waiting) >= _BATCH:
            self._full.set()

    async def count_since(self, quota_key: str, since: datetime) -> int:
        await self.flush()
        return await self._store.count_usage(quota_key, since)

    async def flush(self) -> None:
        """Write everything waiting now, in batches; on a failure keep them for the next try."""
        async with self._lock:
            while self._waiting:
                batch = self._waiting[:_BATCH]
                del self._waiting[:len(batch)]
                try:
                    async with asyncio.timeout(_WRITE_BUDGET):
                        await self._store.record_usages(batch)
                except Exception:
                    self._waiting[:0] = batch  # kept, in order; the bound above still holds
                    raise

    async def _run(self) -> None:
        while not self._closing:
            try:
                async with asyncio.timeout(self._interval):
                    await self._full.wait()
            except TimeoutError:
                pass
            self._full.clear()
            try:
                await self.flush()
            except Exception:
                log.warning("could not write usage records; retrying", exc_info=True)

    async def close(self) -> None:
        """Stop the background task and write what is left (clean shutdown loses nothing).
        The task is woken, not cancelled: a batch is never cut in the middle of its write."""
        self._closing = True
        self._full.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.error("usage records lost at shutdown: %d", len(self._waiting), exc_info=True)
