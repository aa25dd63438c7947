"""`core.deadlines.deadline_at`: asyncio.timeout_at's behaviour on one timer per loop."""

from __future__ import annotations

import asyncio

import pytest

from core import deadlines
from core.deadlines import deadline_at


def _open(loop) -> list:
    return [e for e in deadlines._deadlines(loop)._heap if e.task is not None]


async def test_a_block_still_running_at_its_deadline_raises_timeout_error():
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError):
        with deadline_at(started + 0.05):
            await asyncio.sleep(5)
    assert 0.04 <= loop.time() - started < 1.0
    assert asyncio.current_task().cancelling() == 0  # the task is not left cancelled
    await asyncio.sleep(0)  # and goes on running


async def test_a_block_done_in_time_is_never_cancelled_later():
    loop = asyncio.get_running_loop()
    with deadline_at(loop.time() + 0.05):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # past the deadline: no cancellation arrives
    assert asyncio.current_task().cancelling() == 0
    assert not _open(loop)


async def test_a_deadline_already_past_fires_at_the_first_wait():
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        with deadline_at(loop.time() - 1):
            await asyncio.sleep(1)


async def test_an_outer_cancellation_stays_a_cancellation():
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()

    async def work():
        with deadline_at(loop.time() + 10):
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(work())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _open(loop)


async def test_cancelled_by_someone_else_as_the_deadline_fires_is_a_cancellation():
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()

    async def work():
        with deadline_at(loop.time() + 0.05):
            entered.set()
            try:
                await asyncio.sleep(10)
            finally:
                await asyncio.sleep(0.1)  # the deadline fires while the outer cancel is held

    task = asyncio.create_task(work())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_many_deadlines_fire_in_time_order_and_a_new_earliest_rearms_the_timer():
    loop = asyncio.get_running_loop()
    now, order = loop.time(), []

    async def wait(name: str, after: float):
        try:
            with deadline_at(now + after):
                await asyncio.sleep(5)
        except TimeoutError:
            order.append(name)

    late = asyncio.create_task(wait("late", 0.3))
    await asyncio.sleep(0)
    early = asyncio.create_task(wait("early", 0.05))  # earlier than the armed one
    middle = asyncio.create_task(wait("middle", 0.15))
    async with asyncio.timeout(3):
        await asyncio.gather(late, early, middle)
    assert order == ["early", "middle", "late"]
    assert not _open(loop)


async def test_deadlines_left_in_time_do_not_pile_up():
    loop = asyncio.get_running_loop()
    for _ in range(5000):
        with deadline_at(loop.time() + 3600):
            await asyncio.sleep(0)
    assert len(deadlines._deadlines(loop)._heap) <= 2 * deadlines._COMPACT_AT + 2

