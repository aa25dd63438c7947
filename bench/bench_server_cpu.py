"""Server CPU per request (user + system time of the server process ÷ requests), next to a
bare aiohttp hello-world: steadier than req/s on a shared machine, since it does not count
the client or anyone else's load.

    .venv/bin/python bench/bench_server_cpu.py [--requests 5000] [--concurrency 32]
        [--database-url postgresql://…] [--redis-url redis://…]

Scenarios: hello (bare), healthz (the middleware stack alone), text hit (anonymous, the same body), usage (signed in and
anonymous), me, text hit signed in (saved to the history). Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_support import ARTICLE, load, start_bare, start_threadr, stop  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(args) -> None:
    rows = []
    bare, bare_url = start_bare()
    threadr, base = start_threadr(tempfile.mkdtemp(), database_url=args.database_url,
                                  redis_url=args.redis_url)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            async def measure(name, process, method, url, body=lambda i: None, headers=None):
                await load(session, method, url, body, 500, args.concurrency, 60, headers)
                before = cpu_seconds(process.pid)
                result = await load(session, method, url, body, args.requests,
                                    args.concurrency, 60, headers)
                used = (cpu_seconds(process.pid) - before) / result["requests"] * 1e6
                rows.append((name, used, result["rps"], result["statuses"]))

            same = {"text": ARTICLE}
            await measure("hello (bare)", bare, "GET", f"{bare_url}/")
            await measure("healthz", threadr, "GET", f"{base}/healthz")
            await measure("text hit", threadr, "POST", f"{base}/api/v1/threads", lambda i: same)
            account = {"email": "cpu@example.com", "password": "correct horse 1"}
            async with session.post(f"{base}/api/v1/auth/register", json=account):
                pass
            async with session.post(f"{base}/api/v1/auth/login", json=account) as response:
                auth = {"Authorization": f"Bearer {(await response.json())['token']}"}
            await measure("usage", threadr, "GET", f"{base}/api/v1/usage", headers=auth)
            await measure("usage anon", threadr, "GET", f"{base}/api/v1/usage")
            await measure("me", threadr, "GET", f"{base}/api/v1/me", headers=auth)
            await measure("hit signed in", threadr, "POST", f"{base}/api/v1/threads",
                          lambda i: same, auth)
    finally:
        stop(threadr)
        stop(bare)
    hello = rows[0][1]
    print(f"{'scenario':<14} {'CPU µs/req':>10} {'÷ hello':>8} {'req/s':>8}  statuses")
    for name, used, rps, statuses in rows:
        print(f"{name:<14} {used:>10.0f} {used / hello:>8.2f} {rps:>8}  {statuses}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    asyncio.run(main(parser.parse_args()))
