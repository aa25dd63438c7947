"""The extension publishes now: a signed-in popup with a connected Bluesky account threads the
page, then "Publish now" posts it (real Chromium, real server, the Bluesky stand-in)."""

from __future__ import annotations

import zipfile

import pytest

from cli.extension_build import build_extension
from tests.e2e.conftest import start_server, stop_server
from tests.e2e.test_extension import (  # noqa: F401  (the playwright fixture)
    ArticleSite,
    http,
    launch,
    playwright,
    unpacked_extension_id,
)
from tests.e2e.test_publish_page import bluesky  # noqa: F401  (fixture)
from tests.standins.bluesky_pds import APP_PASSWORD, HANDLE

pytestmark = pytest.mark.e2e


def test_publish_now_from_the_popup(playwright, bluesky, tmp_path):  # noqa: F811
    server, _ = bluesky
    root = tmp_path.resolve()
    ext_dir = root / "unpacked"
    ext_id = unpacked_extension_id(ext_dir)
    process, base = start_server(root, EXTENSION_IDS=ext_id, FREE_DAILY_QUOTA="1000",
                                 BURST_PER_MINUTE="1000", BLUESKY_SERVICE=server.base,
                                 FETCH_ALLOW_LOOPBACK="true",
                                 FETCH_ALLOWED_PORTS=f"80,443,{server.port}")
    site = ArticleSite()
    try:
        email, password = "ext-pub@example.com", "correct horse battery staple"
        assert http("POST", f"{base}/api/v1/auth/register",
                    {"email": email, "password": password})[0] == 202
        _, auth = http("POST", f"{base}/api/v1/auth/login", {"email": email, "password": password})
        status, _ = http("POST", f"{base}/api/v1/destinations/bluesky",
                         {"handle": HANDLE, "app_password": APP_PASSWORD}, token=auth["token"])
        assert status == 201
        with zipfile.ZipFile(build_extension(base, root / "dist", variant="test")) as zf:
            zf.extractall(ext_dir)
        ctx, sw = launch(playwright, root / "profile", ext_dir)
        try:
            page = ctx.new_page()
            page.goto(site.url("/article?tab=publish"))
            tab_id = sw.evaluate(
                "async (url) => (await chrome.tabs.query({url})).map((t) => t.id).pop()", page.url)
            popup = ctx.new_page()
            popup.goto(f"chrome-extension://{ext_id}/popup.html?tabId={tab_id}")
            popup.wait_for_selector("body[data-ready='true']")
            popup.click("#signin")
            popup.fill("#email", email)
            popup.fill("#password", password)
            popup.click("#signin-submit")
            popup.wait_for_selector(f"#who:has-text('{email}')")
            popup.click("#thread-page")
            popup.wait_for_selector("#status:has-text('Thread ready')")
            popup.wait_for_selector("#publish:not([hidden])")
            popup.click("#publish-now")
            popup.wait_for_selector("#status:has-text('Published.')", timeout=20000)
            links = popup.locator("#publish-links a").all()
            assert len(links) == len(server.order) >= 2
            assert all(f"/profile/{HANDLE}/post/" in a.get_attribute("href") for a in links)
        finally:
            ctx.close()
    finally:
        site.close()
        stop_server(process)
