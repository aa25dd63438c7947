"""Connect each network and publish a 7-post thread through the real API, the real client
code and the embedded runner; the stand-ins' records show one reply chain, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from core.bootstrap import build_services
from core.usecases.premium import forget_plan
from tests.publish.flows import SEVEN, account, connect, seven_post_thread, wait_for
from web.app import create_app


@pytest.fixture
async def services(pub_settings):
    async with build_services(pub_settings) as built:
        built.publish_queue.start()
        yield built


@pytest.fixture
async def client(aiohttp_client, pub_settings, services):
    return await aiohttp_client(create_app(pub_settings, services=services))


@pytest.fixture
async def browser():
    async with aiohttp.ClientSession() as session:
        yield session


def chain_of(platform: str, server) -> list[tuple[str, str | None]]:
    """(text, what it replies to) of every post the stand-in stored, in order."""
    if platform == "x":
        return [(t["text"], t["in_reply_to"]) for t in server.tweets]
    if platform == "mastodon":
        return [(s["content"], s["in_reply_to_id"]) for s in server.statuses]
    out = []
    for rkey in server.order:
        value = server.records[rkey]["value"]
        reply = value.get("reply")
        out.append((value["text"], reply and (reply["root"]["uri"], reply["parent"]["uri"])))
    return out


def ids_of(platform: str, server) -> list[str]:
    if platform == "x":
        return [t["id"] for t in server.tweets]
    if platform == "mastodon":
        return [s["id"] for s in server.statuses]
    return [server.records[k]["uri"] for k in server.order]


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon"])
async def test_connect_and_publish_a_seven_post_thread_as_one_reply_chain(
        client, browser, networks, platform):
    headers = await account(client)
    dest_id = await connect(client, browser, headers, platform, networks)
    listed = await (await client.get("/api/v1/destinations", headers=headers)).json()
    assert [(d["id"], d["platform"]) for d in listed["destinations"]] == [(dest_id, platform)]
    thread_id = await seven_post_thread(client, headers)
    started = await client.post(f"/api/v1/threads/{thread_id}/publish", headers=headers,
                                json={"destination_id": dest_id})
    assert started.status == 202, await started.text()
    done = await wait_for(client, headers, (await started.json())["id"])
    assert done["status"] == "published", done
    server = networks[platform]
    stored, ids = chain_of(platform, server), ids_of(platform, server)
    assert [text for text, _ in stored] == SEVEN
    if platform == "bluesky":
        assert stored[0][1] is None
        assert [parent for _, parent in stored[1:]] == [(ids[0], p) for p in ids[:-1]]
    else:
        assert [parent for _, parent in stored] == [None, *ids[:-1]]
    assert [p["remote_id"] for p in done["posts"]] == (
        [server.order[i] for i in range(7)] if platform == "bluesky" else ids)
    assert all(p["url"].startswith("http") for p in done["posts"])


async def test_a_scheduled_publication_waits_for_its_time_and_one_can_be_cancelled(
        client, browser, networks, services):
    headers = await account(client)
    user = await services.store.get_user_by_email("pub@example.com")
    now = datetime.now(UTC)
    async with services.store.billing_transaction() as tx:
        await tx.add_premium_grant(user.id, "test", "grant-1", now, now + timedelta(days=1))
    await forget_plan(services, user.id)  # written behind the use cases' back
    dest_id = await connect(client, browser, headers, "mastodon", networks)
    thread_id = await seven_post_thread(client, headers)
    at = (now + timedelta(seconds=3)).isoformat()
    first = await (await client.post(f"/api/v1/threads/{thread_id}/publish", headers=headers,
                                     json={"destination_id": dest_id, "at": at})).json()
    second = await (await client.post(f"/api/v1/threads/{thread_id}/publish", headers=headers,
                                      json={"destination_id": dest_id, "at": at})).json()
    assert first["status"] == second["status"] == "scheduled"
    cancelled = await client.delete(f"/api/v1/publications/{second['id']}", headers=headers)
    assert (await cancelled.json())["status"] == "cancelled"
    assert networks["mastodon"].statuses == []  # nothing before its time
    done = await wait_for(client, headers, first["id"])
    assert done["status"] == "published"
    assert datetime.now(UTC) >= now + timedelta(seconds=3)
    assert [s["content"] for s in networks["mastodon"].statuses] == SEVEN  # once, not twice
    again = await client.delete(f"/api/v1/publications/{first['id']}", headers=headers)
    assert again.status == 409


async def test_scheduling_is_premium_and_publishing_now_is_free(client, browser, networks):
    headers = await account(client)
    dest_id = await connect(client, browser, headers, "bluesky", networks)
    thread_id = await seven_post_thread(client, headers)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    refused = await client.post(f"/api/v1/threads/{thread_id}/publish", headers=headers,
                                json={"destination_id": dest_id, "at": later})
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "premium_required"
    assert (await client.get("/api/v1/publications", headers=headers)).status == 200
