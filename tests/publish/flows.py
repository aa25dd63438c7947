"""Steps through the real API: an account, a 7-post thread, connecting each network (the
stand-in's consent page answers at once), publishing and waiting for the outcome."""

from __future__ import annotations

import asyncio

from yarl import URL

SEVEN = [f"Post {i} of the thread, with a few words about point {i}. {i}/7" for i in range(1, 8)]


async def account(client, email="pub@example.com") -> dict:
    credentials = {"email": email, "password": "correct horse 1"}
    response = await client.post("/api/v1/auth/register", json=credentials)
    assert response.status == 202, await response.text()  # the same answer for any address
    response = await client.post("/api/v1/auth/login", json=credentials)
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}


async def seven_post_thread(client, headers, platform: str = "x") -> str:
    made = await client.post("/api/v1/threads", headers=headers, json={
        "text": "A short note. " * 5, "mode": "split", "platform": platform})
    thread_id = (await made.json())["id"]
    edited = await client.patch(f"/api/v1/threads/{thread_id}", headers=headers,
                                json={"posts": SEVEN})
    assert edited.status == 200, await edited.text()
    return thread_id


async def _follow_consent(client, session, authorize_url: str) -> str:
    """The browser's trip: the network's consent page, then back to our callback."""
    async with session.get(authorize_url, allow_redirects=False) as consent:
        assert consent.status == 302, await consent.text()
        back = URL(consent.headers["Location"])
    done = await client.get(back.path_qs, allow_redirects=False)
    assert done.status == 303, await done.text()
    landing = URL(done.headers["Location"])
    assert landing.fragment == "account"
    return landing.query["connected"]


async def connect(client, session, headers, platform: str, networks) -> str:
    if platform == "bluesky":
        from tests.standins.bluesky_pds import APP_PASSWORD, HANDLE

        made = await client.post("/api/v1/destinations/bluesky", headers=headers,
                                 json={"handle": HANDLE, "app_password": APP_PASSWORD})
        assert made.status == 201, await made.text()
        return (await made.json())["id"]
    body = {"instance": networks["mastodon"].base} if platform == "mastodon" else None
    started = await client.post(f"/api/v1/destinations/{platform}", headers=headers,
                                json=body)
    assert started.status == 200, await started.text()
    return await _follow_consent(client, session, (await started.json())["authorize_url"])


async def wait_for(client, headers, pub_id: str, statuses=("published", "failed"),
                   limit: float = 20.0) -> dict:
    for _ in range(int(limit / 0.05)):
        body = await (await client.get(f"/api/v1/publications/{pub_id}", headers=headers)).json()
        if body["status"] in statuses:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"publication still {body['status']}")
