"""Server-Sent Events over an aiohttp StreamResponse, started lazily on the first event.

The stream is opened only when the first event is sent, so an error raised before that
still gets a normal JSON error status. Heartbeat comments keep proxies from timing out,
and a closed connection cancels the work behind the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable

from aiohttp import web


class ClientGone(Exception):
    """The client closed the connection; the work behind the stream should stop."""


def format_event(event: str, data: dict) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


class EventStream:
    def __init__(self, request: web.Request, heartbeat: float = 15.0) -> None:
        self.request = request
        self.heartbeat = heartbeat
        self.response: web.StreamResponse | None = None
        self._lock = asyncio.Lock()

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

    async def run(self, work: Awaitable):
        """Await `work`, sending heartbeats; cancel it if the client goes away."""
        task = asyncio.ensure_future(work)
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=min(1.0, self.heartbeat))
                if done:
                    return task.result()
                if self.client_gone():
                    raise ClientGone()
                if loop.time() - last_beat >= self.heartbeat:
                    last_beat = loop.time()
                    await self.comment()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def finish(self) -> web.StreamResponse:
        assert self.response is not None
        with contextlib.suppress(ConnectionError):
            await self.response.write_eof()
        return self.response
