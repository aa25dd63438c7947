"""The client host's program (run inside its namespace by the tests): prints JSON.

  batch SPEC_JSON   send the requests of SPEC (a list of {method, url, headers?, json?}),
                    `concurrency` at a time, from `source` (one of the host's addresses);
                    prints [{status, seconds, body}] in the order given
  load SPEC_JSON    send SPEC's requests round-robin, `concurrency` at a time, for `seconds`;
                    prints {"statuses": {status: count}, "failures": [first few non-2xx]}
  watch URL FIELD VALUE TIMEOUT SOURCE
                    GET URL every 0.1 s until the JSON value at FIELD (dotted) equals VALUE;
                    prints {"seconds": …} or {"seconds": null} after TIMEOUT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


def _session(source: str, timeout: float) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(local_addr=(source, 0), limit=100)
    return aiohttp.ClientSession(connector=connector,
                                 timeout=aiohttp.ClientTimeout(total=timeout))


async def _one(session, request) -> dict:
    started = time.perf_counter()
    try:
        async with session.request(request["method"], request["url"],
                                   headers=request.get("headers"),
                                   json=request.get("json")) as response:
            body = await response.text()
            status = response.status
    except (TimeoutError, aiohttp.ClientError) as exc:
        status, body = 0, type(exc).__name__
    return {"status": status, "seconds": round(time.perf_counter() - started, 3),
            "body": body[:2000]}


async def batch(spec: dict) -> list[dict]:
    gate = asyncio.Semaphore(spec.get("concurrency", 20))
    async with _session(spec["source"], spec.get("timeout", 30)) as session:
        async def guarded(request):
            async with gate:
                return await _one(session, request)
        return await asyncio.gather(*(guarded(r) for r in spec["requests"]))


async def load(spec: dict) -> dict:
    deadline = time.perf_counter() + spec["seconds"]
    statuses: dict[str, int] = {}
    failures: list[dict] = []
    async with _session(spec["source"], spec.get("timeout", 30)) as session:
        async def user(offset: int) -> None:
            index = offset
            while time.perf_counter() < deadline:  # bounded by `seconds`
                request = spec["requests"][index % len(spec["requests"])]
                result = await _one(session, request)
                statuses[str(result["status"])] = statuses.get(str(result["status"]), 0) + 1
                if not 200 <= result["status"] < 300 and len(failures) < 10:
                    failures.append({**result, "url": request["url"]})
                index += 1
        await asyncio.gather(*(user(i) for i in range(spec.get("concurrency", 10))))
    return {"statuses": statuses, "failures": failures}


def _field(document, dotted: str):
    for part in dotted.split("."):
        document = document.get(part) if isinstance(document, dict) else None
    return document


async def watch(url: str, field: str, value: str, seconds: float, source: str) -> dict:
    started = time.perf_counter()
    async with _session(source, 2) as session:
        while time.perf_counter() - started < seconds:  # bounded by `seconds`
            try:
                async with session.get(url) as response:
                    if str(_field(await response.json(content_type=None), field)) == value:
                        return {"seconds": round(time.perf_counter() - started, 3)}
            except (TimeoutError, aiohttp.ClientError, ValueError):
                pass
            await asyncio.sleep(0.1)
    return {"seconds": None}


def main(argv: list[str]) -> None:
    if argv[0] in ("batch", "load"):
        command = batch if argv[0] == "batch" else load
        result = asyncio.run(command(json.loads(argv[1])))
    else:
        url, field, value, timeout, source = argv[1:6]
        result = asyncio.run(watch(url, field, value, float(timeout), source))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
