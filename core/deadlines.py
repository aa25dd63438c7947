"""Deadlines for waits held by the thousand, one timer per event loop.

`with deadline_at(when): await work` raises TimeoutError once the event loop's clock passes
`when`, as `async with asyncio.timeout_at(when)` does (same cancel-and-uncancel protocol,
so an outer cancellation still leaves as CancelledError). It keeps two small slotted objects
per open deadline where asyncio's keeps a Timeout and a timer handle each (~650 bytes): a
streamed generation holds one for every open SSE stream (issue 18).

Open deadlines sit in a heap; one timer, armed for the earliest, cancels the tasks whose time
has come. A deadline left in time stays in the heap, marked, until its time passes or the
marked ones are more than half of the heap, which is then rebuilt.
"""

from __future__ import annotations

import asyncio
import heapq
import weakref

_SLACK = 0.001  # seconds: a timer may fire this much before its time (clock resolution)
_COMPACT_AT = 64  # marked entries before a rebuild is considered


class _Entry:
    __slots__ = ("when", "task", "cancelling", "expired")

    def __init__(self, when: float, task: asyncio.Task) -> None:
        self.when, self.task = when, task
        self.cancelling = task.cancelling()
        self.expired = False

    def __lt__(self, other: _Entry) -> bool:
        return self.when < other.when


class _Deadlines:
    """One event loop's open deadlines."""

    __slots__ = ("_loop", "_heap", "_timer", "_left")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._heap: list[_Entry] = []
        self._timer: asyncio.TimerHandle | None = None
        self._left = 0  # entries in the heap whose block ended in time

    def add(self, entry: _Entry) -> None:
        heapq.heappush(self._heap, entry)
        if self._heap[0] is entry:
            self._arm()

    def left(self, entry: _Entry) -> None:
        """The block ended before its deadline."""
        entry.task = None
        self._left += 1
        if self._left > _COMPACT_AT and 2 * self._left > len(self._heap):
            self._heap = [e for e in self._heap if e.task is not None]
            heapq.heapify(self._heap)
            self._left = 0
            self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._heap:
            self._timer = self._loop.call_at(self._heap[0].when, self._fire)

    def _fire(self) -> None:
        self._timer = None
        now = self._loop.time() + _SLACK
        heap = self._heap
        while heap and heap[0].when <= now:
            entry = heapq.heappop(heap)
            if entry.task is None:
                self._left -= 1
            else:
                entry.expired = True
                entry.task.cancel()
        self._arm()


_LOOPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Deadlines] = \
    weakref.WeakKeyDictionary()


def _deadlines(loop: asyncio.AbstractEventLoop) -> _Deadlines:
    deadlines = _LOOPS.get(loop)
    if deadlines is None:
        deadlines = _LOOPS[loop] = _Deadlines(loop)
    return deadlines


class deadline_at:  # noqa: N801 (named like asyncio.timeout_at, which it stands in for)
    """`with deadline_at(when):` in a task: TimeoutError if the block is still running at
    `when` (the running loop's `time()`)."""

    __slots__ = ("_when", "_entry")

    def __init__(self, when: float) -> None:
        self._when = when
        self._entry: _Entry | None = None

    def __enter__(self) -> deadline_at:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("deadline_at() must be used inside a task")
        self._entry = _Entry(self._when, task)
        _deadlines(asyncio.get_running_loop()).add(self._entry)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        entry, self._entry = self._entry, None
        if not entry.expired:
            _deadlines(asyncio.get_running_loop()).left(entry)
            return
        # our cancellation, unless someone else cancelled the task too (then theirs wins)
        if entry.task.uncancel() <= entry.cancelling and kind is asyncio.CancelledError:
            raise TimeoutError from error
