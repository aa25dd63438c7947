"""The streamed-completion client (`core.generate.upstream`) against raw servers on loopback
that control every byte: body framings, kept-alive connections, a pooled connection the
server dropped, broken and malformed answers, back-pressure, and proxies (a CONNECT tunnel
to a TLS origin, the whole URL to a plain-http proxy)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl

import pytest
import trustme

from core.generate.llm_stream import StreamError
from core.generate.upstream import StreamClient, UpstreamStatus

SSE = b'data: {"choices": [{"delta": {"content": "hi"}}]}\n\ndata: [DONE]\n\n'
HEADERS = {"Authorization": "Bearer sk-test", "Content-Type": "application/json"}


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
             for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


class Raw:
    """A server that reads each request whole and answers with `answer(n, head)` (n: the
    request's number on this server): bytes; a list of bytes, each after the first written
    once `gate` is set; or None to drop the connection unanswered. `close_after` closes the
    connection after writing the answer."""

    def __init__(self, answer, *, close_after: bool = False, tls: ssl.SSLContext | None = None):
        self.answer, self.close_after, self.tls = answer, close_after, tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.gate = asyncio.Event()

    async def __aenter__(self) -> Raw:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.gate.set()
        self._server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/v1/chat/completions"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                self.requests.append(head)
                answer = self.answer(len(self.requests), head)
                if answer is None:
                    break
                for i, part in enumerate([answer] if isinstance(answer, bytes) else answer):
                    if i:
                        await self.gate.wait()
                    writer.write(part)
                    await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes = SSE, framing: str = "length", size: int = 7) -> bytes:
    if framing == "chunked":
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, size)
    if framing == "close":
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def read_all(upstream) -> bytes:
    body = b""
    for _ in range(10_000):  # bounded
        chunk = await upstream.read()
        if chunk is None:
            return body
        body += chunk
    raise AssertionError("the body did not end")


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
async def test_each_body_framing_gives_the_same_bytes(framing):
    async with Raw(lambda n, head: ok(SSE, framing), close_after=framing == "close") as server:
        client = StreamClient(server.url, HEADERS)
        upstream = await client.post(lambda: b'{"stream": true}')
        assert await read_all(upstream) == SSE
        upstream.release()
        client.close()
    head = server.requests[0]
    assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"host: 127.0.0.1:%d" % server.port in head.lower()
    assert b"authorization: Bearer sk-test" in head.replace(b"Authorization", b"authorization")
    assert b"content-length: 16" in head.lower()


async def test_a_connection_read_to_its_end_is_reused_and_one_left_mid_answer_is_not():
    whole = ok(SSE, "chunked")
    async with Raw(lambda n, head: [whole[:60], whole[60:]] if n == 4 else whole) as server:
        client = StreamClient(server.url, HEADERS)
        for _ in range(3):
            upstream = await client.post(lambda: b"{}")
            assert await read_all(upstream) == SSE
            upstream.release()
        assert server.connections == 1 and len(server.requests) == 3
        upstream = await client.post(lambda: b"{}")
        await upstream.read()  # part of the answer only: the caller stops reading
        upstream.release()
        upstream = await client.post(lambda: b"{}")
        assert await read_all(upstream) == SSE
        upstream.release()
        client.close()
    assert server.connections == 2


async def test_a_pooled_connection_the_server_dropped_is_replaced_once_unseen():
    # the second request on the first connection is dropped unanswered: it goes again on a
    # fresh connection, and the caller sees only the answer
    # (the body is made for each sending: a caller's body is not held while it waits)
    made = []

    def body() -> bytes:
        made.append(len(made))
        return b"{}"

    async with Raw(lambda n, head: None if n == 2 else ok()) as server:
        client = StreamClient(server.url, HEADERS)
        for _ in range(2):
            upstream = await client.post(body)
            assert await read_all(upstream) == SSE
            upstream.release()
        client.close()
    assert server.connections == 2 and len(server.requests) == 3 and len(made) == 3


async def test_a_fresh_connection_dropped_unanswered_is_a_stream_error():
    async with Raw(lambda n, head: None) as server:
        client = StreamClient(server.url, HEADERS)
        with pytest.raises(StreamError):
            await client.post(lambda: b"{}")
    assert len(server.requests) == 1  # not sent again: only a reused connection is


async def test_an_answer_cut_off_mid_body_is_a_stream_error():
    cut = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(SSE)[:20]
    async with Raw(lambda n, head: cut, close_after=True) as server:
        upstream = await StreamClient(server.url, HEADERS).post(lambda: b"{}")
        with pytest.raises(StreamError):
            await read_all(upstream)
        upstream.release()


@pytest.mark.parametrize("answer", [b"SMTP ready\r\n\r\n", b"HTTP/1.1 20x OK\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])
async def test_a_malformed_answer_is_a_stream_error(answer):
    async with Raw(lambda n, head: answer, close_after=True) as server:
        client = StreamClient(server.url, HEADERS)
        with pytest.raises(StreamError):
            await read_all(await client.post(lambda: b"{}"))


async def test_an_error_status_carries_its_retry_after_and_a_bounded_body():
    big = b'{"error": {"message": "' + b"x" * 100_000 + b'"}}'
    answer = b"HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: %d\r\n\r\n%s" % (
        len(big), big)
    async with Raw(lambda n, head: answer) as server:
        with pytest.raises(UpstreamStatus) as raised:
            await StreamClient(server.url, HEADERS).post(lambda: b"{}")
    assert raised.value.status == 429 and raised.value.retry_after == "2"
    assert isinstance(raised.value.body, str) and len(raised.value.body) == 64 * 1024


async def test_reading_pauses_while_the_unread_bytes_pile_up():
    body = b"data: " + b"y" * 2_000_000 + b"\n\n"
    async with Raw(lambda n, head: ok(body, "chunked", 65536)) as server:
        upstream = await StreamClient(server.url, HEADERS).post(lambda: b"{}")
        for _ in range(100):  # bounded: the server writes, nobody reads
            if upstream._paused:
                break
            await asyncio.sleep(0.02)
        assert upstream._paused
        assert await read_all(upstream) == body
        upstream.release()


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A CA the client trusts (through SSL_CERT_FILE, as OpenSSL reads it) and a server
    context for 127.0.0.1 signed by it."""
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return server


class ConnectProxy:
    """A proxy that opens CONNECT tunnels, checking its Basic credentials."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def __aenter__(self) -> ConnectProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._server.close()

    async def _serve(self, reader, writer) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        method, authority, _ = head.split(b"\r\n")[0].split(b" ")
        fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if line)
        credentials = {name.lower(): value for name, value in fields.items()}.get(
            b"proxy-authorization")
        if method != b"CONNECT" or credentials != b"Basic " + base64.b64encode(
                b"proxy user:s3cret"):
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        host, port = authority.decode().rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(source, sink):
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_https_goes_through_the_proxy_in_a_tunnel(tls, monkeypatch):
    async with Raw(lambda n, head: ok(SSE, "chunked"), tls=tls) as server, \
            ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://proxy%20user:s3cret@127.0.0.1:{proxy.port}")
        client = StreamClient(server.url, HEADERS)
        upstream = await client.post(lambda: b"{}")
        assert await read_all(upstream) == SSE
        upstream.release()
        client.close()
    assert proxy.requests[0].startswith(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n" % server.port)
    assert server.requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"proxy-authorization" not in server.requests[0].lower()  # the proxy's, not the origin's


async def test_a_proxy_refusing_the_tunnel_is_a_stream_error(tls, monkeypatch):
    async with Raw(lambda n, head: ok(), tls=tls) as server, ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")  # no credentials
        with pytest.raises(StreamError, match="407"):
            await StreamClient(server.url, HEADERS).post(lambda: b"{}")
    assert server.requests == []


async def test_https_to_an_origin_whose_certificate_is_not_trusted_fails(tmp_path, monkeypatch):
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(server_ctx)  # a CA nobody trusts
    async with Raw(lambda n, head: ok(), tls=server_ctx) as server:
        with pytest.raises(StreamError):
            await StreamClient(server.url, HEADERS).post(lambda: b"{}")


async def test_plain_http_through_a_proxy_sends_the_whole_url(monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with Raw(lambda n, head: ok()) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://u:p@127.0.0.1:{proxy.port}")
        url = "http://model.internal:8080/v1/chat/completions"
        upstream = await StreamClient(url, HEADERS).post(lambda: b"{}")
        assert await read_all(upstream) == SSE
    head = proxy.requests[0]
    assert head.startswith(b"POST http://model.internal:8080/v1/chat/completions HTTP/1.1\r\n")
    assert b"host: model.internal:8080" in head.lower()
    assert b"proxy-authorization: basic " + base64.b64encode(b"u:p").lower() in head.lower()


async def test_no_proxy_is_honoured(monkeypatch):
    async with Raw(lambda n, head: ok()) as server:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        upstream = await StreamClient(server.url, HEADERS).post(lambda: b"{}")
        assert await read_all(upstream) == SSE
