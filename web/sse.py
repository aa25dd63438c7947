"""Server-Sent Events over an aiohttp StreamResponse, started lazily on the first event.

The stream is opened only when the first event is sent, so an error raised before that
still gets a normal JSON error status. Heartbeat comments keep proxies from timing out,
and a closed connection cancels the work behind the stream.

The work runs in the request's own task, and one timer per event loop (`_Watch`) serves
every open stream: heartbeats and client-gone checks cost no task and no timer per stream
(a held stream's memory counts at 1,000 streams, issue 18).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref

from aiohttp import web


class ClientGone(Exception):
    """The client closed the connection; the work behind the stream should stop."""


def format_event(event: str, data: dict) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


class EventStream:
    __slots__ = ("request", "heartbeat", "response", "_lock", "_task", "_gone", "_last_beat",
                 "_beating")  # one per held stream

    def __init__(self, request: web.Request, heartbeat: float = 15.0) -> None:
        self.request = request
        self.heartbeat = heartbeat
        self.response: web.StreamResponse | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None  # the request's task while `run` awaits work
        self._gone = False
        self._last_beat = 0.0
        self._beating: asyncio.Task | None = None

    @property
    def started(self) -> bool:
        return self.response is not None

    async def send(self, event: str, data: dict) -> None:
        await self._write(format_event(event, data))

    async def comment(self, text: str = "keep-alive") -> None:
        if self.started:
            await self._write(f": {text}\n\n".encode())

    async def _write(self, chunk: bytes) -> None:
        async with self._lock:
            try:
                if self.response is None:
                    response = web.StreamResponse(headers={
                        "Content-Type": "text/event-stream; charset=utf-8",
                        "Cache-Control": "no-cache, no-transform",
                        "X-Accel-Buffering": "no",
                    })
                    await response.prepare(self.request)
                    self.response = response
                await self.response.write(chunk)
            except (ConnectionResetError, ConnectionError) as exc:
                raise ClientGone() from exc

    def client_gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()

    def __enter__(self) -> EventStream:
        """`with stream: await work` (in the request's task): heartbeats while the work runs,
        and the task cancelled if the client goes away, which leaves the block as ClientGone.
        A context manager, not a coroutine around the work: no frame kept per held stream."""
        loop = asyncio.get_running_loop()
        self._task, self._gone, self._last_beat = asyncio.current_task(), False, loop.time()
        _watch(loop).add(self)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        task, self._task = self._task, None
        _watch(asyncio.get_running_loop()).discard(self)
        if self._beating is not None:
            self._beating.cancel()
        if self._gone and (kind is None or issubclass(kind, asyncio.CancelledError)):
            # our own cancellation (or the work swallowed it): the client left
            task.uncancel()
            raise ClientGone() from None

    def _check(self, now: float) -> None:
        """Called by the loop's timer: cancel the work of a gone client, or send a beat."""
        if self._task is None or self._gone:
            return
        if self.client_gone():
            self._leave()
        elif (self.started and self._beating is None
              and now - self._last_beat >= self.heartbeat):
            self._last_beat = now
            self._beating = asyncio.get_running_loop().create_task(self._beat())

    def _leave(self) -> None:
        self._gone = True
        if self._task is not None:
            self._task.cancel()

    async def _beat(self) -> None:
        try:
            await self.comment()
        except ClientGone:
            self._leave()
        finally:
            self._beating = None

    async def finish(self) -> web.StreamResponse:
        assert self.response is not None
        with contextlib.suppress(ConnectionError):
            await self.response.write_eof()
        return self.response


class _Watch:
    """One timer for all of an event loop's open streams; it runs only while there are some,
    every second (or the shortest heartbeat, if shorter)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._streams: set[EventStream] = set()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, stream: EventStream) -> None:
        self._streams.add(stream)
        if self._timer is None:
            self._schedule()

    def discard(self, stream: EventStream) -> None:
        self._streams.discard(stream)

    def _schedule(self) -> None:
        tick = min([1.0, *(s.heartbeat for s in self._streams)])
        self._timer = self._loop.call_later(tick, self._tick)

    def _tick(self) -> None:
        self._timer = None
        now = self._loop.time()
        for stream in list(self._streams):
            stream._check(now)
        if self._streams:
            self._schedule()


_WATCHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watch] = \
    weakref.WeakKeyDictionary()


def _watch(loop: asyncio.AbstractEventLoop) -> _Watch:
    watch = _WATCHES.get(loop)
    if watch is None:
        watch = _WATCHES[loop] = _Watch(loop)
    return watch
