"""The client host's publishing flow (run inside its namespace by the tests): prints JSON.

  setup API SOURCE          an account, its X destination (the stand-in's consent page, then
                            the API's callback), a 7-post thread and its publication, through
                            the API at API from SOURCE; prints {token, publication_id}
  wait API SOURCE TOKEN PUBLICATION_ID TIMEOUT
                            polls the publication until published/failed; prints
                            {status, at} (`at`: the wall clock when seen) or fails after TIMEOUT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import aiohttp

from tests.publish.flows import account, connect, seven_post_thread, wait_for


def _session(api: str, source: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=api, timeout=aiohttp.ClientTimeout(total=30),
                                 connector=aiohttp.TCPConnector(local_addr=(source, 0)))


async def setup(api: str, source: str) -> dict:
    async with _session(api, source) as client, _session(api, source) as browser:
        headers = await account(client, f"pub-{uuid.uuid4().hex[:8]}@example.org")
        dest_id = await connect(client, browser, headers, "x", networks=None)
        thread_id = await seven_post_thread(client, headers)
        started = await client.post(f"/api/v1/threads/{thread_id}/publish", headers=headers,
                                    json={"destination_id": dest_id})
        assert started.status == 202, await started.text()
        return {"token": headers["Authorization"].removeprefix("Bearer "),
                "publication_id": (await started.json())["id"]}


async def wait(api: str, source: str, token: str, pub_id: str, limit: float) -> dict:
    async with _session(api, source) as client:
        body = await wait_for(client, {"Authorization": f"Bearer {token}"}, pub_id,
                              limit=limit)
        return {"status": body["status"], "at": time.time()}


if __name__ == "__main__":
    command, api, source, *rest = sys.argv[1:]
    if command == "setup":
        result = asyncio.run(setup(api, source))
    else:
        token, pub_id, limit = rest
        result = asyncio.run(wait(api, source, token, pub_id, float(limit)))
    print(json.dumps(result))
