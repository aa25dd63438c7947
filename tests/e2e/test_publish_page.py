"""The page in headless Chromium against a real `threadr serve` and the Bluesky stand-in:
connect an account on /#account, make a thread for Bluesky, publish it, see each post's link."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

from tests.e2e.conftest import start_server, stop_server
from tests.standins.bluesky_pds import APP_PASSWORD, HANDLE, BlueskyStandIn

pytestmark = pytest.mark.e2e
TEXT = " ".join(f"Sentence {i} says something worth reading about trees and heat." for i in range(40))


@pytest.fixture(scope="module")
def bluesky():
    loop = asyncio.new_event_loop()
    server = BlueskyStandIn()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
    yield server, loop
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture(scope="module")
def publish_server(tmp_path_factory, bluesky):
    server, _ = bluesky
    process, base_url = start_server(
        tmp_path_factory.mktemp("threadr-publish"), FREE_DAILY_QUOTA="1000",
        BURST_PER_MINUTE="1000", BLUESKY_SERVICE=server.base, FETCH_ALLOW_LOOPBACK="true",
        FETCH_ALLOWED_PORTS=f"80,443,{server.port}")
    yield base_url
    stop_server(process)


def test_connect_bluesky_then_publish_a_thread_and_see_every_posts_link(
        chromium, publish_server, bluesky):
    server, _ = bluesky
    context = chromium.new_context(base_url=publish_server, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto("/")
        page.click("#signin")
        page.fill("#auth-email", f"pub-{uuid.uuid4().hex[:8]}@example.com")
        page.fill("#auth-password", "correct horse battery")
        page.click("#auth-register")
        page.wait_for_selector("#who:not(:empty)")
        page.goto("/#account")
        page.fill("#bsky-handle", HANDLE)
        page.fill("#bsky-password", APP_PASSWORD)
        page.click("#connect-bluesky button[type=submit]")
        page.wait_for_selector(f"#destinations-list li:has-text('@{HANDLE}')")
        page.goto("/")
        page.fill("#source", TEXT)
        page.check("input[name=mode][value=split]")
        page.locator("details.options summary").click()
        page.select_option("#platform", "bluesky")
        page.click("#generate")
        page.wait_for_selector("#status:has-text('Thread ready')")
        posts = [a.input_value() for a in page.locator("#posts textarea").all()]
        assert len(posts) >= 2 and all(len(p) <= 300 - len(" 10/10") for p in posts)
        page.click("#publish-open")
        page.wait_for_selector(f"#publish-destination option:has-text('@{HANDLE}')",
                               state="attached")
        page.click("#publish-go")
        page.wait_for_selector("#publish-status:has-text('Published.')", timeout=20000)
        links = [a.get_attribute("href") for a in page.locator("#publish-progress a").all()]
        assert len(links) == len(posts)
        assert all(f"bsky.app/profile/{HANDLE}/post/" in link for link in links)
        total = len(posts)  # the editor shows bodies; the labels are added to the posts
        assert [server.records[k]["value"]["text"] for k in server.order] == [
            f"{body} {i}/{total}" for i, body in enumerate(posts, 1)]
    finally:
        context.close()
