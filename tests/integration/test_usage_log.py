"""The usage log adapters (core.usage) on SQLite and PostgreSQL (the `store` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core import usage as usage_module
from core.usage import BufferedUsageLog, DirectUsageLog, UsageRecord

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def a_record(key: str = "user:ann", cached: bool = False, minutes: int = 0) -> UsageRecord:
    return UsageRecord(key, None, "web", "offline", 3, 4, cached, T0 + timedelta(minutes=minutes))


async def test_a_batch_is_written_in_one_go_and_counted_like_single_records(store):
    await store.record_usages([a_record(minutes=i) for i in range(3)] + [a_record(cached=True)])
    await store.record_usage("user:ann", None, "web", "offline", 0, 0, False, T0)
    assert await store.count_usage("user:ann", T0) == 4  # cache hits are free
    assert await store.count_usage("user:ann", T0 + timedelta(minutes=2)) == 1
    assert await store.count_usage("user:bob", T0) == 0


async def test_a_batch_with_one_unwritable_record_writes_none_and_keeps_them_all(store):
    unwritable = a_record(minutes=1)._replace(prompt_tokens=2**70)  # fits no INTEGER column
    batch = [a_record(minutes=0), unwritable, a_record(minutes=2)]
    with pytest.raises(Exception):  # noqa: B017 - each store words it its own way
        await store.record_usages(batch)
    assert await store.count_usage("user:ann", T0) == 0  # all of the batch or none
    log = BufferedUsageLog(store, interval=3600)
    for record in batch:
        await log.add(record)
    with pytest.raises(Exception):  # noqa: B017
        await log.flush()
    await store.record_usages([a_record(minutes=3)])  # the store itself is fine
    assert await store.count_usage("user:ann", T0) == 1
    assert log._waiting == batch  # kept, in order, for the next try


async def test_buffered_records_wait_for_the_flush_and_none_is_lost_on_close(store):
    log = BufferedUsageLog(store, interval=3600)
    log.start()
    for i in range(7):
        await log.add(a_record(minutes=i))
    assert await store.count_usage("user:ann", T0) == 0  # off the request path: not yet
    await log.close()
    assert await store.count_usage("user:ann", T0) == 7


async def test_the_quota_rebuild_sees_records_still_in_the_buffer(store):
    log = BufferedUsageLog(store, interval=3600)
    log.start()
    for i in range(5):
        await log.add(a_record(minutes=i))
    try:
        assert await log.count_since("user:ann", T0) == 5
    finally:
        await log.close()


async def test_a_full_batch_is_written_before_the_interval(store, monkeypatch):
    monkeypatch.setattr(usage_module, "_BATCH", 10)
    log = BufferedUsageLog(store, interval=3600)
    log.start()
    try:
        for i in range(10):
            await log.add(a_record(minutes=i))
        for _ in range(200):  # bounded wait for the background write
            if await store.count_usage("user:ann", T0) == 10:
                break
            await asyncio.sleep(0.05)
        assert await store.count_usage("user:ann", T0) == 10
    finally:
        await log.close()


class _DownStore:
    def __init__(self) -> None:
        self.written: list[UsageRecord] = []
        self.down = True

    async def record_usages(self, records) -> None:
        if self.down:
            raise ConnectionError("database unreachable")
        self.written.extend(records)


async def test_an_unreachable_store_keeps_records_bounded_and_writes_them_when_back(monkeypatch):
    monkeypatch.setattr(usage_module, "_MAX_WAITING", 5)
    store = _DownStore()
    log = BufferedUsageLog(store, interval=3600)
    for i in range(8):
        await log.add(a_record(minutes=i))
    with pytest.raises(ConnectionError):
        await log.flush()
    assert log.dropped == 3  # the oldest went; memory stays bounded
    store.down = False
    await log.close()
    assert [r.at for r in store.written] == [T0 + timedelta(minutes=i) for i in range(3, 8)]


async def test_the_direct_log_writes_each_record_at_once(store):
    log = DirectUsageLog(store)
    await log.add(a_record())
    assert await store.count_usage("user:ann", T0) == 1
    assert await log.count_since("user:ann", T0) == 1
