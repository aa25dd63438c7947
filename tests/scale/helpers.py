"""Client-side helpers for the scale, fault and fuzz tests: distinct articles, one request,
timing, bounded polling, and async stand-ins served from a thread of their own."""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp


class ThreadedStandIn:
    """An async stand-in (StripeApi, OpenAIStandIn, ArticleServer) served from its own event
    loop in a thread, so it can outlive one test's loop (module-scoped fixtures)."""

    def __init__(self, standin) -> None:
        self.standin = standin
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.run(standin.__aenter__())

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def call(self, fn, *args, **kwargs):
        """`fn(*args, **kwargs)` on the stand-in's loop thread (its state is not locked)."""
        async def _call():
            return fn(*args, **kwargs)
        return self.run(_call())

    def close(self) -> None:
        self.run(self.standin.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def article(n: int) -> str:
    """A distinct article per `n` (distinct cache keys), long enough to make a thread."""
    return (
        f"Report {n}: cities are planting trees to cope with heat. Shade from a mature tree can "
        "cool a street by several degrees on a summer afternoon. Researchers measured surface "
        "temperatures in forty neighbourhoods and found the leafiest ones cooler at night.\n\n"
        "The programmes are not cheap. A city must water young trees for years, and many die "
        f"before they give any shade. Planners now pick species that tolerate drought ({n}).\n\n"
        "Residents notice the difference. People walk more on shaded streets, and shops on "
        "those streets report more visitors during heat waves. Trees are infrastructure."
    )


async def post_thread(session: aiohttp.ClientSession, base_url: str, text: str,
                      headers: dict | None = None) -> tuple[int, dict, dict]:
    """(status, body, headers) of `POST /api/v1/threads` with `text`."""
    async with session.post(f"{base_url}/api/v1/threads", json={"text": text},
                            headers=headers or {}) as response:
        body = await response.json(content_type=None)
        return response.status, body, dict(response.headers)


async def timed(coro) -> tuple[float, object]:
    """(seconds taken, result) of awaiting `coro`."""
    start = time.monotonic()
    result = await coro
    return time.monotonic() - start, result


async def wait_until(predicate, seconds: float, interval: float = 0.1) -> bool:
    """Poll the async `predicate` until true or `seconds` pass; bounded, returns the verdict."""
    for _ in range(max(1, int(seconds / interval))):
        if await predicate():
            return True
        await asyncio.sleep(interval)
    return await predicate()
