"""Stripe webhook ack latency at 50 concurrent, through a real server, against a bare aiohttp
handler (reads the body, answers 200) served by the same process in the same run.

Run: .venv/bin/python bench/bench_webhook.py [--events 1000] [--concurrency 50]
                                             [--postgres postgresql://postgres@127.0.0.1/postgres]
A child process serves: the Stripe stand-in, the real app (`create_app`; SQLite in a temp dir,
or with --postgres a fresh migrated database `bench_webhook_<hex>`, dropped afterwards) and
the bare handler. This process is the client:
every event is distinct (a new purchase, so each ack includes verification, a payment-intent
fetch from the stand-in and the exactly-once transaction). Prints numbers only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

USERS = 100


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# ---------------------------------------------------------------- server side (child process)
async def _bare(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"received": True})


async def _site(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


async def serve(events: int, database_url: str, out: Path) -> None:
    from core.billing import StripeBilling
    from core.bootstrap import build_services
    from core.settings import SecretStr, Settings
    from core.usecases.billing import create_checkout
    from tests.standins.stripe_api import StripeApi
    from web.app import create_app

    data = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    async with StripeApi() as api:
        settings = Settings(env="test", data_dir=data, log_json=False, log_level="WARNING",
                            database_url=database_url, jwt_secret=SecretStr("b" * 48),
                            stripe_secret_key=SecretStr(api.secret_key),
                            stripe_webhook_secret=SecretStr(api.webhook_secret),
                            stripe_api_base=api.base_url)
        gateway = StripeBilling(settings)
        async with build_services(settings, billing=gateway) as services:
            users = [await services.store.create_user(None, None) for _ in range(USERS)]
            signed = []
            for n in range(events):
                url = await create_checkout(services, users[n % USERS].id, f"bench-{n}")
                payload, header = api.signed(api.complete_session(url.rsplit("/", 1)[1]))
                signed.append([payload.decode(), header])
            out.write_text(json.dumps(signed))  # noqa: ASYNC240 (set-up, before timing)
            real, real_port = await _site(create_app(settings, services=services))
            bare_app = web.Application()
            bare_app.router.add_post("/webhook", _bare)
            bare, bare_port = await _site(bare_app)
            print(f"READY {real_port} {bare_port}", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
            await real.cleanup()
            await bare.cleanup()
        await gateway.close()


# ---------------------------------------------------------------- client side
async def load(url: str, bodies: list, concurrency: int) -> tuple[list[float], dict, float]:
    latencies: list[float] = []
    statuses: dict = {}
    queue = list(enumerate(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            while queue:
                _, (payload, header) = queue.pop()
                start = time.perf_counter()
                async with session.post(url, data=payload.encode(), headers={
                        "Stripe-Signature": header, "Content-Type": "application/json"}) as r:
                    body = await r.read()
                latencies.append((time.perf_counter() - start) * 1000)
                key = f"{r.status} {json.loads(body).get('outcome', '')}".strip()
                statuses[key] = statuses.get(key, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, statuses, elapsed


def report(name: str, latencies: list[float], statuses: dict, elapsed: float) -> None:
    print(f"{name:<34} n={len(latencies):>5}  p50={pct(latencies, 0.5):7.2f} ms  "
          f"p99={pct(latencies, 0.99):7.2f} ms  max={max(latencies):7.2f} ms  "
          f"{len(latencies) / elapsed:7.0f} req/s  {statuses}")


async def client(args, real_port: int, bare_port: int, bodies: list) -> None:
    warm = bodies[: args.concurrency]
    await load(f"http://127.0.0.1:{bare_port}/webhook", warm, args.concurrency)
    bare = await load(f"http://127.0.0.1:{bare_port}/webhook", bodies, args.concurrency)
    real = await load(f"http://127.0.0.1:{real_port}/api/v1/stripe/webhook", bodies,
                      args.concurrency)
    print(f"webhook ack latency, {args.concurrency} concurrent, {len(bodies)} distinct events "
          f"({'postgresql' if args.database_url.startswith('postgres') else 'sqlite'})")
    report("reference: bare aiohttp handler", *bare)
    report("threadr /api/v1/stripe/webhook", *real)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="benchmark on PostgreSQL")
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--serve", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.events, args.database_url, Path(args.serve)))
        return
    if args.postgres:
        with _postgres_database(args.postgres) as url:
            args.database_url = url
            run(args)
    else:
        run(args)


@contextmanager
def _postgres_database(server_url: str):
    import asyncpg

    from core.store.migrate import migrate

    name = f"bench_webhook_{secrets.token_hex(6)}"
    url = server_url.rsplit("/", 1)[0] + "/" + name

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(migrate(url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(args) -> None:
    out = Path(tempfile.mkdtemp(prefix="bench-webhook-")) / "events.json"
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(out), "--events", str(args.events),
         "--database-url", args.database_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().split()
        if not line or line[0] != "READY":
            raise SystemExit("the server process did not start")
        bodies = json.loads(out.read_text())
        asyncio.run(client(args, int(line[1]), int(line[2]), bodies))
    finally:
        child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
