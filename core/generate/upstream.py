"""Streamed completions over HTTP/1.1: h11 (the sans-IO HTTP/1.1 library under httpx, which
the `openai` SDK uses) on a plain asyncio protocol.

A held stream keeps its transport, one h11 connection and our few fields: about 2.4 kB of
Python objects, where aiohttp's client kept about 9.5 kB (its response, request, header maps,
three deques, timers; tracemalloc in `bench/sse_memory.py`). A server holds one of these per
open SSE stream.

`StreamClient(url, headers).post(body)` sends a POST (`body()` makes its bytes) and returns
the `Upstream` once 2xx headers are in; any other status raises `UpstreamStatus` with its
Retry-After and error body. `Upstream.read()` gives the body's bytes as they arrive, None at
its end. Every transport or protocol failure is a `StreamError`. No timeout of its own: the
caller's deadline bounds the connect, the wait and every read.

Connections are kept alive (at most `_IDLE` idle, none reused after `_IDLE_SECONDS`); a
request on a reused connection that the server closed meanwhile is sent once more on a fresh
one, as pooled clients do. Proxies come from the environment (HTTP_PROXY, HTTPS_PROXY,
NO_PROXY), as the SDK's own client takes them: a tunnel (CONNECT) for https, the absolute
URL for http. Reading pauses while more than `_HIGH_WATER` bytes wait unread.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import ssl
import time
import urllib.request
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import h11

from core.generate.llm_stream import StreamError

_IDLE = 64
_IDLE_SECONDS = 15.0
_HIGH_WATER = 256 * 1024
_ERROR_BODY_LIMIT = 64 * 1024  # bytes of an error answer read for its message


class UpstreamStatus(Exception):
    """A streamed completion answered with an error status (the SDK's `APIStatusError` for
    the calls it makes itself)."""

    def __init__(self, status: int, retry_after: str | None, body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.retry_after = status, retry_after
        try:
            self.body = json.loads(body)
        except ValueError:
            self.body = body.decode("utf-8", "replace")


class _Stale(Exception):
    """A reused connection was closed before any byte of the answer came back."""


class _Origin:
    """Where requests go: the host, the port, TLS, and the proxy on the way if any."""

    __slots__ = ("host", "port", "tls", "target", "host_header", "proxy", "proxy_auth")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.host_header = parts.netloc.rpartition("@")[2]
        self.proxy: tuple[str, int] | None = None
        self.proxy_auth: str | None = None
        proxy = urllib.request.getproxies().get(parts.scheme)
        if proxy and not urllib.request.proxy_bypass(self.host):
            proxied = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            self.proxy = (proxied.hostname or "", proxied.port or 80)
            if proxied.username is not None:
                credentials = f"{unquote(proxied.username)}:{unquote(proxied.password or '')}"
                self.proxy_auth = "Basic " + base64.b64encode(credentials.encode()).decode()
            if self.tls is None:  # a plain-http proxy is sent the whole URL
                self.target = url


class StreamClient:
    __slots__ = ("_origin", "_headers", "_idle")

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self._origin = _Origin(url)
        self._headers = [("Host", self._origin.host_header), *headers.items()]
        if self._origin.proxy_auth and self._origin.tls is None:
            self._headers.append(("Proxy-Authorization", self._origin.proxy_auth))
        self._idle: list[Upstream] = []

    async def post(self, body: Callable[[], bytes]) -> Upstream:
        """The answer once its 2xx headers are in; raises `UpstreamStatus`, `StreamError`.
        `body()` makes the request body once a connection is ready (again if a kept-alive
        one turns out closed): no body is held while connecting or awaiting the answer, when
        a burst of streams would hold one each at the same time."""
        while self._idle:
            upstream = self._idle.pop()  # the most recently used first
            if upstream.reusable():
                try:
                    return await upstream.send(self._request, body, reused=True)
                except _Stale:
                    break
            upstream.close()
        try:
            upstream = await self._connect()
        except (OSError, h11.ProtocolError) as exc:
            raise StreamError(f"connect: {exc}" if str(exc) else type(exc).__name__) from exc
        return await upstream.send(self._request, body, reused=False)

    def _request(self, length: int) -> h11.Request:
        try:
            return h11.Request(method="POST", target=self._origin.target,
                               headers=[*self._headers, ("Content-Length", str(length))])
        except h11.LocalProtocolError as exc:  # a header the settings made unsendable
            raise StreamError(f"request: {exc}") from exc

    async def _connect(self) -> Upstream:
        origin, loop = self._origin, asyncio.get_running_loop()
        host, port = origin.proxy or (origin.host, origin.port)
        direct_tls = origin.tls if origin.proxy is None else None
        _, upstream = await loop.create_connection(
            lambda: Upstream(self), host, port, ssl=direct_tls,
            server_hostname=origin.host if direct_tls else None)
        if origin.proxy is not None and origin.tls is not None:
            try:
                await upstream.tunnel(origin, loop)
            except BaseException:
                upstream.close()
                raise
        return upstream

    def keep(self, upstream: Upstream) -> None:
        """An answer read to its end: its connection waits for the next request."""
        if len(self._idle) < _IDLE:
            self._idle.append(upstream)
        else:
            upstream.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class Upstream(asyncio.Protocol):
    """One connection to the model server, and the answer it is reading."""

    __slots__ = ("_client", "_h11", "_transport", "_waiter", "_lost", "_unread", "_paused",
                 "_answered", "_idle_since")

    def __init__(self, client: StreamClient) -> None:
        self._client = client
        self._h11 = h11.Connection(h11.CLIENT)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future | None = None
        self._lost: Exception | None = None
        self._unread = 0
        self._paused = self._answered = False
        self._idle_since = 0.0  # when it went back to the pool

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._answered = True
        self._h11.receive_data(data)
        self._unread += len(data)
        if self._unread > _HIGH_WATER and not self._paused:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def eof_received(self) -> None:
        self._h11.receive_data(b"")
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = exc or ConnectionResetError("connection closed")
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None:
            if not self._waiter.done():
                self._waiter.set_result(None)
            self._waiter = None

    # the request and its answer
    def reusable(self) -> bool:
        return (self._lost is None and not self._answered and not self._transport.is_closing()
                and time.monotonic() - self._idle_since < _IDLE_SECONDS)

    async def send(self, request: Callable[[int], h11.Request], body: Callable[[], bytes], *,
                   reused: bool) -> Upstream:
        try:
            self._write(request, body)
            while not isinstance(event := await self._next(), h11.Response):
                pass  # 1xx
        except StreamError:
            self.close()
            if reused and not self._answered:
                raise _Stale() from None
            raise
        except BaseException:
            self.close()
            raise
        if event.status_code < 300:
            return self
        error = b""
        try:  # the error answer, up to its end or the limit
            while len(error) < _ERROR_BODY_LIMIT and (chunk := await self.read()) is not None:
                error += chunk
        finally:
            self.close()
        retry_after = next((value.decode("latin-1") for name, value in event.headers
                            if name == b"retry-after"), None)
        raise UpstreamStatus(event.status_code, retry_after, error[:_ERROR_BODY_LIMIT])

    def _write(self, request: Callable[[int], h11.Request], body: Callable[[], bytes]) -> None:
        """The request, made and written here: nothing of it outlives this call."""
        data = body()
        self._transport.write(self._h11.send(request(len(data)))
                              + self._h11.send(h11.Data(data=data))
                              + self._h11.send(h11.EndOfMessage()))

    async def read(self) -> bytes | None:
        """The body's next bytes, None at its end."""
        while True:
            if (event := self._event()) is None:
                await self._more()
            elif isinstance(event, h11.Data):
                return bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return None

    def release(self) -> None:
        """Done with this answer: the connection is kept if the answer was read to its end
        (its last bytes may already be here), closed otherwise."""
        with contextlib.suppress(h11.ProtocolError):
            while (event := self._h11.next_event()) is not h11.NEED_DATA and \
                    not isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                pass
        if self._lost is None and self._h11.our_state is self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
            self._answered, self._idle_since = False, time.monotonic()
            self._client.keep(self)
        else:
            self.close()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def tunnel(self, origin: _Origin, loop: asyncio.AbstractEventLoop) -> None:
        """CONNECT through the proxy, then TLS to the origin over the tunnel."""
        authority = f"{origin.host}:{origin.port}"
        headers = [("Host", authority)]
        if origin.proxy_auth:
            headers.append(("Proxy-Authorization", origin.proxy_auth))
        self._transport.write(self._h11.send(h11.Request(method="CONNECT", target=authority,
                                                         headers=headers))
                              + self._h11.send(h11.EndOfMessage()))
        while not isinstance(event := await self._next(), h11.Response):
            pass
        if event.status_code >= 300:
            raise StreamError(f"the proxy refused the tunnel: HTTP {event.status_code}")
        self._transport = await loop.start_tls(self._transport, self, origin.tls,
                                               server_hostname=origin.host)
        self._h11 = h11.Connection(h11.CLIENT)

    def _event(self):
        """The next h11 event, or None: wait for `_more()` first."""
        try:
            event = self._h11.next_event()
        except h11.ProtocolError as exc:
            raise StreamError(f"malformed answer: {exc}") from exc
        if event is not h11.NEED_DATA:
            return event
        self._unread = 0
        if self._paused:
            self._paused = False
            self._transport.resume_reading()
        if self._lost is not None:
            raise StreamError(str(self._lost) or type(self._lost).__name__)
        return None

    def _more(self) -> asyncio.Future:
        """Set when bytes arrive or the connection ends (a future, not a coroutine: a held
        stream keeps no frame for it)."""
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    async def _next(self):
        while (event := self._event()) is None:
            await self._more()
        return event
