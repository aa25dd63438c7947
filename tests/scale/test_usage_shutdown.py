"""Usage records are batched off the request path (core.usage); a clean shutdown (SIGTERM to a
real `threadr serve`) still writes every one of them. The flush interval is set far beyond
the test so only the shutdown flush can have written them."""

from __future__ import annotations

import asyncio
import sqlite3

import aiohttp

from tests.scale.helpers import article, post_thread
from tests.scale.processes import spawn


def test_every_usage_record_is_written_on_a_clean_shutdown(tmp_path):
    server = spawn(tmp_path, "api", USAGE_FLUSH_SECONDS="3600", FREE_DAILY_QUOTA="100",
                   BURST_PER_MINUTE="1000", DRAIN_SECONDS="0")
    try:
        async def clients() -> list[int]:
            async with aiohttp.ClientSession() as session:
                texts = [article(n) for n in range(12)] + [article(n) for n in range(4)]
                results = await asyncio.gather(
                    *(post_thread(session, server.base_url, t) for t in texts))
            return [status for status, _, _ in results]

        statuses = asyncio.run(clients())
        assert statuses == [200] * 16
        database = tmp_path / "api" / "threadr.db"
        with sqlite3.connect(database) as db:  # nothing yet: the records wait in the buffer
            before = db.execute("SELECT count(*) FROM usage_records").fetchone()[0]
    finally:
        server.stop()  # SIGTERM, then waits for the exit
    assert server.process.returncode == 0
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT cached, count(*) FROM usage_records GROUP BY cached").fetchall()
    assert before < 16
    assert sum(count for _, count in rows) == 16  # every answered request, hits included
    assert dict(rows).get(0, 0) >= 12  # the 12 distinct articles were generated (charged)
