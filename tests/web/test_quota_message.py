"""The quota refusal tells the truth: one reset time (as data), an upgrade link only when
billing is configured, built from PUBLIC_URL or else from the request's own origin."""

from __future__ import annotations

import pytest

from core.bootstrap import build_services
from core.settings import SecretStr
from tests.web.conftest import ARTICLE
from web.app import create_app

BILLING = {"stripe_secret_key": SecretStr("sk_test_x"), "stripe_webhook_secret": SecretStr("wh")}


async def refusal(aiohttp_client, settings) -> dict:
    async with build_services(settings.with_(free_daily_quota=1)) as services:
        client = await aiohttp_client(create_app(settings, services=services))
        for text in (ARTICLE, ARTICLE + " Again."):
            response = await client.post("/api/v1/threads", json={"text": text, "mode": "split"})
        assert response.status == 429
        return (await response.json())["error"], f"http://{client.host}:{client.port}"


@pytest.mark.parametrize(("public_url", "billing"), [("", True), ("https://threadr.example", True),
                                                      ("", False)])
async def test_the_upgrade_link_is_true(aiohttp_client, settings, public_url, billing):
    config = settings.with_(public_url=public_url, **(BILLING if billing else {}))
    error, origin = await refusal(aiohttp_client, config)
    assert error["message"] == "You have used today's 1 free threads."  # no time in the text
    assert error["resets_at"].endswith("+00:00")  # the one reset time, for local display
    if not billing:
        assert "upgrade_url" not in error
    else:
        assert error["upgrade_url"] == (public_url or origin) + "/#upgrade"


async def test_the_favicon_is_served(client):
    response = await client.get("/favicon.ico")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    assert (await response.read()).startswith(b"<svg")
