"""POST /api/v1/threads with "platform": posts fit that network's rules; the thread keeps it."""

from __future__ import annotations

from core.text.platforms import mastodon_length, rules_for
from tests.web.conftest import register

LINK = "https://example.com/" + "long-path/" * 12
TEXT = " ".join(f"Sentence {i} about the topic, with a link {LINK} inside." for i in range(30))


async def split(client, platform: str | None, headers=None) -> dict:
    body = {"text": TEXT, "mode": "split", "link": "none"}
    if platform:
        body["platform"] = platform
    response = await client.post("/api/v1/threads", json=body, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_bluesky_posts_fit_300_graphemes_with_urls_counted_in_full(client):
    thread = await split(client, "bluesky")
    assert thread["options"]["platform"] == "bluesky"
    for post in thread["posts"]:
        assert post["weighted_length"] == len(post["text"]) <= 300  # ASCII: 1 per grapheme


async def test_mastodon_posts_fit_500_with_urls_counted_23(client):
    thread = await split(client, "mastodon")
    for post in thread["posts"]:
        assert post["weighted_length"] == mastodon_length(post["text"]) <= 500
    assert len(thread["posts"]) < len((await split(client, "bluesky"))["posts"])


async def test_x_is_the_default_and_an_unknown_platform_is_a_422(client):
    assert (await split(client, None))["options"]["platform"] == "x"
    bad = await client.post("/api/v1/threads", json={"text": TEXT, "platform": "myspace"})
    assert bad.status == 422
    assert (await bad.json())["error"]["code"] == "invalid_input"


async def test_edits_are_checked_against_the_threads_own_platform(client):
    headers = await register(client)
    thread = await split(client, "bluesky", headers)
    url = f"/api/v1/threads/{thread['id']}"
    ok = await client.patch(url, json={"posts": ["y" * 300]}, headers=headers)  # > 280 on X
    assert ok.status == 200
    too_long = await client.patch(url, json={"posts": ["y" * 301]}, headers=headers)
    error = (await too_long.json())["error"]
    assert too_long.status == 422 and error["code"] == "post_too_long"
    assert "Bluesky allows 300" in error["message"]
    assert rules_for("bluesky").length("y" * 301) == error["weighted_length"]
