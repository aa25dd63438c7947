"""The X stand-in as a process on a test host (run inside the data host's namespace):

  python -m tests.hosts.x_host ADDRESS PORT RECORDS_PORT PLAN_JSON

serves `tests.standins.x_api.XStandIn` on ADDRESS:PORT with the fault plan PLAN_JSON
({"4": {"status": 500, "lost": true, "delay": 8}}: post 4 stored, its answer held back), and
its records on ADDRESS:RECORDS_PORT (GET /records → {"count", "tweets", "fired", "at"}; `at`:
the wall clock each post was stored, sampled every 10 ms) for the test to read from the client
host. Runs until SIGTERM/SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

from aiohttp import web

from tests.standins.loopback import serve_on_loopback
from tests.standins.social_common import Fault
from tests.standins.x_api import XStandIn


async def main(address: str, port: int, records_port: int, plan: dict) -> None:
    x = XStandIn(host=address, port=port)
    x.faults.plan = {int(n): Fault(**fault) for n, fault in plan.items()}
    await x.start()
    stored_at: list[float] = []

    async def sample() -> None:
        while True:  # ended with the process
            stored_at.extend(time.time() for _ in range(len(x.tweets) - len(stored_at)))
            await asyncio.sleep(0.01)

    async def records(request: web.Request) -> web.Response:
        return web.json_response({"count": len(x.tweets), "tweets": x.tweets,
                                  "fired": x.faults.fired, "at": stored_at})

    app = web.Application()
    app.router.add_get("/records", records)
    runner, _ = await serve_on_loopback(app, host=address, port=records_port)
    sampler = asyncio.create_task(sample())
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    sampler.cancel()
    await runner.cleanup()
    await x.close()


if __name__ == "__main__":
    address, port, records_port, plan = sys.argv[1:5]
    asyncio.run(main(address, int(port), int(records_port), json.loads(plan)))
