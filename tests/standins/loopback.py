"""What every stand-in server shares: start an aiohttp app on 127.0.0.1 (a free port), and a
bounded wait for a condition on what the stand-in has seen."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

from aiohttp import web


async def serve_on_loopback(
    app: web.Application, *, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1",
    port: int = 0, **runner_options
) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 at a free port (or on `host`:`port`: a test host's address);
    returns the runner (`cleanup()` stops it) and the port."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=tls)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def wait_until(changed: asyncio.Condition, predicate: Callable[[], bool],
                     limit: float, step: float = 0.02) -> None:
    """Wait (bounded by `limit` seconds) until `predicate()` holds; rechecked whenever
    `changed` is notified and every `step` seconds (for conditions on another party's state)."""
    for _ in range(int(limit / step)):
        async with changed:
            try:
                await asyncio.wait_for(changed.wait_for(predicate), step)
                return
            except TimeoutError:
                continue
    raise TimeoutError("the bot did not get there in time")
