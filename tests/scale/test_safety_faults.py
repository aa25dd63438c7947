"""Bounded waits against a real `threadr serve` (issue 14: L2, L6, L9).

- L6: slow clients (partial headers, trickled headers, a promised body never sent) are
  disconnected after HTTP_HEADER_TIMEOUT / HTTP_BODY_TIMEOUT instead of staying open for ever.
- L2: PostgreSQL frozen with SIGSTOP: `GET /me` answers 503 within 2 s.
- L9: SIGTERM with work in flight: the process exits within SHUTDOWN_GRACE (+ the hard-stop
  margin), not 33 s later.
Each test prints what it measured.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time

import aiohttp

from tests.fixtures.accounts import sign_up
from tests.scale.processes import spawn

HEADERS = b"POST /api/v1/threads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


def _seconds_until_closed(sock: socket.socket, trickle: bytes = b"", limit: float = 20.0):
    """Send `trickle` a byte every 0.2 s (if any); seconds until the server closes."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < limit:
        if trickle:
            try:
                sock.sendall(trickle[:1])
            except OSError:
                return time.monotonic() - started
            trickle = trickle[1:] or b"X"
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - started
    return None


def test_slow_clients_are_disconnected(tmp_path):
    server = spawn(tmp_path, "slow", HTTP_HEADER_TIMEOUT="1", HTTP_BODY_TIMEOUT="2")
    try:
        cases = {
            "partial headers": (HEADERS, b""),
            "trickled headers": (b"POST /api/v1/threads HTTP/1.1\r\n", b"X-Slow: " + b"a" * 200),
            "body never sent": (HEADERS + b"Content-Length: 1000\r\n\r\n", b""),
            "body trickled": (HEADERS + b"Content-Length: 100000\r\n\r\n", b'{"text": "' * 500),
        }
        measured = {}
        for name, (first, trickle) in cases.items():
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(first)
            measured[name] = _seconds_until_closed(sock, trickle)
            sock.close()
        print("slow clients disconnected after (s):",
              {k: None if v is None else round(v, 2) for k, v in measured.items()})
        assert measured["partial headers"] is not None and measured["partial headers"] < 2.5
        assert measured["trickled headers"] is not None and measured["trickled headers"] < 2.5
        assert measured["body never sent"] is not None and measured["body never sent"] < 3.5
        assert measured["body trickled"] is not None and measured["body trickled"] < 3.5
    finally:
        server.stop()


async def test_a_frozen_postgres_answers_503_within_2_seconds(tmp_path, own_postgres):
    database_url = await asyncio.to_thread(own_postgres.new_database)
    server = await asyncio.to_thread(spawn, tmp_path, "frozen", DATABASE_URL=database_url)
    pids = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            user = await sign_up(session, server.base_url, "frozen@example.com")
            pids = await asyncio.to_thread(own_postgres.freeze)
            answers = []
            for _ in range(3):  # the pooled connection, then new ones
                started = time.monotonic()
                async with session.get(f"{server.base_url}/api/v1/me", headers=user) as response:
                    answers.append((response.status, time.monotonic() - started,
                                    response.headers.get("Retry-After")))
        print("frozen PostgreSQL, GET /me:", [(s, round(t, 2)) for s, t, _ in answers])
        assert all(status == 503 and seconds < 2.0 and retry for status, seconds, retry in answers)
    finally:
        own_postgres.thaw(pids)
        await asyncio.to_thread(server.stop)


async def test_sigterm_under_load_exits_within_the_grace_period(tmp_path):
    grace = 2.0
    server = await asyncio.to_thread(spawn, tmp_path, "shutdown", SHUTDOWN_GRACE=str(grace),
                                     BURST_PER_MINUTE="100000", FREE_DAILY_QUOTA="100000",
                                     EXTRACT_SECONDS="30", EXTRACT_MAX_TAGS="100000000",
                                     HTTP_BODY_TIMEOUT="600")
    heavy = {"url": "https://example.com/a", "html": "<div>" + "<p>a</p>" * 150_000 + "</div>"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            async def hammer():
                while True:
                    try:
                        async with session.post(f"{server.base_url}/api/v1/threads",
                                                json=heavy) as response:
                            await response.read()
                    except aiohttp.ClientError:
                        return

            load = [asyncio.create_task(hammer()) for _ in range(4)]
            stalled = socket.create_connection(("127.0.0.1", server.port))
            stalled.sendall(HEADERS + b"Content-Length: 1000\r\n\r\n")  # a body never sent
            await asyncio.sleep(3)  # every hammer has a page being parsed
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(server.process.wait, 60)
            took = time.monotonic() - started
            for task in load:
                task.cancel()
            await asyncio.gather(*load, return_exceptions=True)
            stalled.close()
        print(f"SIGTERM under load: exited after {took:.2f} s (SHUTDOWN_GRACE={grace})")
        assert took < grace + 4.0
    finally:
        await asyncio.to_thread(server.stop)
