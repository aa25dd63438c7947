"""Slow clients and shutdown: bounded waits the aiohttp server does not have by itself.

- A connection must send its first request line and headers within `header_timeout`; later
  requests on a kept-alive connection within the keep-alive timeout (set to the same value).
- Once the headers are in, the whole body must arrive within `body_timeout`.
Either way a slow (or malicious, slowloris-style) client is disconnected instead of holding a
socket and a handler for ever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("threadr.server")


class _GuardedHandler(RequestHandler):
    __slots__ = ("_header_timer",)  # aiohttp's handler has slots: no dict per connection
    header_timeout = 10.0
    body_timeout = 30.0

    def connection_made(self, transport) -> None:
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._header_timer = self._loop.call_later(
            self.header_timeout, self._close_if_slow, lambda: self._request_count == 0,
            "headers")

    def connection_lost(self, exc) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _stop_header_timer(self) -> None:
        """Once the first request is in, its timer has nothing left to do: drop it now rather
        than keep it (and this connection's closure) for `header_timeout`."""
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        count = self._request_count
        super().data_received(data)
        if self._request_count:
            self._stop_header_timer()
        if self._request_count > count and self._messages:
            payload = self._messages[-1][1]
            if not payload.is_eof():
                self._loop.call_later(self.body_timeout, self._close_if_slow,
                                      lambda: not payload.is_eof(), "body")

    def _close_if_slow(self, still_waiting, what: str) -> None:
        if self.transport is not None and not self._force_close and still_waiting():
            log.info("closing a slow client", extra={"waiting_for": what})
            self.force_close()


class GuardedRunner(web.AppRunner):
    """An AppRunner whose connections are guarded by the timeouts above."""

    def __init__(self, app: web.Application, *, header_timeout: float, body_timeout: float,
                 **kwargs) -> None:
        kwargs.setdefault("keepalive_timeout", header_timeout)
        super().__init__(app, **kwargs)
        self._handler_class = type("GuardedHandler", (_GuardedHandler,), {
            "__slots__": (), "header_timeout": header_timeout, "body_timeout": body_timeout})

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        handler_class = self._handler_class

        class GuardedServer(type(server)):
            def __call__(self) -> RequestHandler:
                return handler_class(self, loop=self._loop, **self._kwargs)

        server.__class__ = GuardedServer
        return server


def exit_after(seconds: float) -> None:
    """A hard stop: whatever is still running `seconds` after a shutdown began (work in
    threads cannot be cancelled) ends with the process."""

    def stop() -> None:
        log.warning("shutdown took longer than its grace period: exiting now")
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
