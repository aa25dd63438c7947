"""M5: concurrent edits cannot lose data (version + ETag + If-Match → 412)."""

from __future__ import annotations

import asyncio

from tests.web.conftest import make_thread, register


async def test_get_and_patch_carry_the_version_as_an_etag(client):
    headers = await register(client)
    thread = await make_thread(client, headers)
    assert thread["version"] == 1
    url = f"/api/v1/threads/{thread['id']}"
    got = await client.get(url, headers=headers)
    assert got.headers["ETag"] == '"1"' and (await got.json())["version"] == 1
    patched = await client.patch(url, json={"posts": ["New"]},
                                 headers={**headers, "If-Match": '"1"'})
    assert patched.status == 200
    assert patched.headers["ETag"] == '"2"' and (await patched.json())["version"] == 2


async def test_two_editors_of_one_version_cannot_overwrite_each_other(client):
    """The attack: two clients PATCH different posts of one thread; both got 200, one edit
    was gone. Now the second save answers 412 with the current version."""
    headers = await register(client)
    thread = await make_thread(client, headers)
    url = f"/api/v1/threads/{thread['id']}"
    texts = [p["text"] for p in thread["posts"]]
    ann = [*texts]
    ann[0] = "Ann's better hook"
    bob = [*texts]
    bob[-1] = "Bob's better close"
    first, second = await asyncio.gather(
        client.patch(url, json={"posts": ann}, headers={**headers, "If-Match": '"1"'}),
        client.patch(url, json={"posts": bob}, headers={**headers, "If-Match": '"1"'}),
    )
    statuses = sorted([first.status, second.status])
    assert statuses == [200, 412]
    loser = first if first.status == 412 else second
    error = (await loser.json())["error"]
    assert error["code"] == "version_conflict" and error["current_version"] == 2
    winner_posts = ann if loser is second else bob
    stored = await (await client.get(url, headers=headers)).json()
    assert [p["text"] for p in stored["posts"]] == winner_posts and stored["version"] == 2


async def test_a_malformed_if_match_never_matches(client):
    headers = await register(client)
    thread = await make_thread(client, headers)
    url = f"/api/v1/threads/{thread['id']}"
    for value in ('"abc"', '"99999999999999999999"', "W/"):
        response = await client.patch(url, json={"posts": ["x"]},
                                      headers={**headers, "If-Match": value})
        assert response.status == 412, value
    assert (await (await client.get(url, headers=headers)).json())["version"] == 1


async def test_patch_without_if_match_still_applies_and_bumps_the_version(client):
    headers = await register(client)
    thread = await make_thread(client, headers)
    url = f"/api/v1/threads/{thread['id']}"
    response = await client.patch(url, json={"posts": ["Plain edit"]}, headers=headers)
    assert response.status == 200 and (await response.json())["version"] == 2
