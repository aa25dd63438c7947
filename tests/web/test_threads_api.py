"""POST/GET/PATCH/DELETE /api/v1/threads through the real app."""

from __future__ import annotations

import pytest

from core.text import weighted_length
from tests.web.conftest import ARTICLE, make_thread, register
from tests.web.sse import parse_sse


async def test_text_becomes_a_thread_whose_posts_fit_the_limit(client):
    thread = await make_thread(client)
    assert thread["generator"] == "offline"
    assert len(thread["posts"]) >= 1
    for post in thread["posts"]:
        assert post["weighted_length"] == weighted_length(post["text"]) <= 280


async def test_anonymous_threads_are_not_saved(client):
    thread = await make_thread(client)
    assert thread["id"] is None


async def test_signed_in_threads_are_saved_and_listed(client):
    headers = await register(client)
    thread = await make_thread(client, headers)
    assert thread["id"]
    listed = await (await client.get("/api/v1/threads", headers=headers)).json()
    assert [t["id"] for t in listed["threads"]] == [thread["id"]]
    assert listed["next_before"] is None
    one = await client.get(f"/api/v1/threads/{thread['id']}", headers=headers)
    assert (await one.json())["posts"] == thread["posts"]


async def test_history_is_paged_with_before(client):
    headers = await register(client)
    ids = [(await make_thread(client, headers, text=f"{ARTICLE} Note {i}."))["id"]
           for i in range(3)]
    first = await (await client.get("/api/v1/threads?limit=2", headers=headers)).json()
    assert [t["id"] for t in first["threads"]] == ids[::-1][:2]
    assert first["next_before"] == ids[1]
    second = await (await client.get(f"/api/v1/threads?limit=2&before={ids[1]}",
                                     headers=headers)).json()
    assert [t["id"] for t in second["threads"]] == [ids[0]]


async def test_edits_are_saved_and_revalidated(client):
    headers = await register(client)
    thread = await make_thread(client, headers)
    url = f"/api/v1/threads/{thread['id']}"
    response = await client.patch(url, json={"posts": ["Edited first post", "Second"]},
                                  headers=headers)
    assert response.status == 200
    body = await response.json()
    assert [p["text"] for p in body["posts"]] == ["Edited first post", "Second"]
    assert body["edited_at"]
    too_long = await client.patch(url, json={"posts": ["x" * 281]}, headers=headers)
    assert too_long.status == 422
    error = (await too_long.json())["error"]
    assert error["code"] == "post_too_long"
    assert error["index"] == 0


async def test_a_thread_can_be_deleted_once(client):
    headers = await register(client)
    thread = await make_thread(client, headers)
    url = f"/api/v1/threads/{thread['id']}"
    assert (await client.delete(url, headers=headers)).status == 204
    assert (await client.delete(url, headers=headers)).status == 404
    assert (await client.get(url, headers=headers)).status == 404


async def test_nobody_can_read_edit_or_delete_another_persons_thread(client):
    alice = await register(client, "alice@example.com")
    bob = await register(client, "bob@example.com")
    thread = await make_thread(client, alice)
    url = f"/api/v1/threads/{thread['id']}"
    assert (await client.get(url, headers=bob)).status == 404
    assert (await client.patch(url, json={"posts": ["mine now"]}, headers=bob)).status == 404
    assert (await client.delete(url, headers=bob)).status == 404
    assert (await client.get(url, headers=alice)).status == 200
    listed = await (await client.get("/api/v1/threads", headers=bob)).json()
    assert listed["threads"] == []


async def test_history_needs_a_sign_in(client):
    response = await client.get("/api/v1/threads")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_a_forged_token_is_refused_even_where_sign_in_is_optional(client):
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status == 401


async def test_stream_sends_meta_posts_then_done(client):
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["Cache-Control"].startswith("no-cache")
    events, _ = parse_sse(await response.text())
    names = [e.event for e in events]
    assert names[0] == "meta" and names[-1] == "done"
    posts = [e.json() for e in events if e.event == "post"]
    done = events[-1].json()
    assert [p["index"] for p in posts] == list(range(len(done["posts"])))
    assert [p["text"] for p in posts] == [p["text"] for p in done["posts"]]
    assert all(p["weighted_length"] == weighted_length(p["text"]) for p in posts)


async def test_stream_errors_before_the_first_event_are_plain_json(client):
    response = await client.post("/api/v1/threads", json={"text": "   "},
                                 headers={"Accept": "text/event-stream"})
    assert response.status == 422
    assert response.content_type == "application/json"


async def test_a_cached_thread_streams_too(client):
    await make_thread(client)
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    events, _ = parse_sse(await response.text())
    done = events[-1].json()
    assert events[-1].event == "done" and done["cached"] is True
    assert len([e for e in events if e.event == "post"]) == len(done["posts"])


async def test_a_refused_address_is_a_400(client):
    response = await client.post("/api/v1/threads", json={"url": "http://127.0.0.1:9/"})
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "blocked_url"


async def test_a_body_that_is_not_json_is_a_415(client):
    response = await client.post("/api/v1/threads", data="text=hello",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 415
    assert (await response.json())["error"]["code"] == "unsupported_media_type"


async def test_broken_json_is_a_422(client):
    response = await client.post("/api/v1/threads", data=b"{nope",
                                 headers={"Content-Type": "application/json"})
    assert response.status == 422


async def test_unknown_fields_and_bad_options_are_422_with_the_field(client):
    response = await client.post("/api/v1/threads", json={"text": ARTICLE, "hashtags": 9})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["fields"][0]["loc"] == "hashtags"
    response = await client.post("/api/v1/threads", json={"text": ARTICLE, "colour": "red"})
    assert response.status == 422


async def test_html_without_its_url_is_refused(client):
    response = await client.post("/api/v1/threads", json={"html": "<p>hello</p>"})
    assert response.status == 422


async def test_text_over_100_kb_is_a_413(client):
    response = await client.post("/api/v1/threads", json={"text": "word " * 21_000})
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(client, web_settings):
    too_big = web_settings.max_html_bytes + 70_000
    reader, writer = await _raw_connection(client)
    writer.write(
        b"POST /api/v1/threads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {too_big}\r\n\r\n".encode() + b'{"text": "'
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    writer.close()
    assert head.startswith(b"HTTP/1.1 413")


async def _raw_connection(client):
    import asyncio

    return await asyncio.open_connection(client.server.host, client.server.port)


async def test_a_chunked_body_over_the_limit_is_cut_off_with_413(aiohttp_client, settings):
    from core.bootstrap import build_services
    from web.app import create_app

    small = settings.with_(max_html_bytes=100_000, max_text_bytes=10_000)

    async def body():
        yield b'{"html": "'
        for _ in range(4):
            yield b"x" * 50_000

    async with build_services(small) as services:
        client = await aiohttp_client(create_app(small, services=services))
        response = await client.post("/api/v1/threads", data=body(),
                                     headers={"Content-Type": "application/json"})
        assert response.status == 413
        assert (await response.json())["error"]["code"] == "payload_too_large"


async def test_the_daily_quota_answers_429_with_retry_after_and_upgrade(aiohttp_client, settings):
    from core.bootstrap import build_services
    from web.app import create_app

    tight = settings.with_(free_daily_quota=1, burst_per_minute=1000)
    async with build_services(tight) as services:
        client = await aiohttp_client(create_app(tight, services=services))
        await make_thread(client)
        response = await client.post("/api/v1/threads", json={"text": ARTICLE + " Again."})
        assert response.status == 429
        assert int(response.headers["Retry-After"]) >= 1
        error = (await response.json())["error"]
        assert error["code"] == "quota_exceeded"
        assert error["resets_at"]


async def test_the_burst_limit_answers_429_rate_limited(aiohttp_client, settings):
    from core.bootstrap import build_services
    from web.app import create_app

    tight = settings.with_(free_daily_quota=1000, burst_per_minute=2)
    async with build_services(tight) as services:
        client = await aiohttp_client(create_app(tight, services=services))
        statuses = []
        for i in range(3):
            r = await client.post("/api/v1/threads", json={"text": f"{ARTICLE} {i}"})
            statuses.append(r.status)
        assert statuses[:2] == [200, 200]
        assert statuses[2] == 429
        assert "Retry-After" in r.headers
        assert (await r.json())["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("field", [{"emoji": 0}, {"emoji": "yes"}, {"hashtags": "2"},
                                   {"max_posts": 3.5}, {"max_posts": "5"}])
async def test_options_of_the_wrong_json_type_are_refused_not_coerced(client, field):
    response = await client.post("/api/v1/threads", json={"text": "Some text.", **field})
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_input"
