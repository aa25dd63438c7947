"""Stand-in X, Bluesky and Mastodon servers on 127.0.0.1 and settings pointing at them."""

from __future__ import annotations

import pytest

from tests.standins.bluesky_pds import BlueskyStandIn
from tests.standins.mastodon_api import MastodonStandIn
from tests.standins.x_api import XStandIn


@pytest.fixture
async def networks():
    x, bsky, masto = XStandIn(), BlueskyStandIn(), MastodonStandIn(max_characters=500)
    for server in (x, bsky, masto):
        await server.start()
    yield {"x": x, "bluesky": bsky, "mastodon": masto}
    for server in (x, bsky, masto):
        await server.close()


def publishing_settings(settings, networks):
    x, bsky, masto = networks["x"], networks["bluesky"], networks["mastodon"]
    return settings.with_(
        x_client_id=x.client_id, x_api_base=x.base,
        x_authorize_url=f"{x.base}/i/oauth2/authorize", x_token_url=f"{x.base}/2/oauth2/token",
        bluesky_service=bsky.base, fetch_allow_loopback=True,
        fetch_allowed_ports=(80, 443, bsky.port, masto.port),
        publish_retry_seconds=0.05, publish_lease_seconds=3.0,
        free_daily_quota=1000, burst_per_minute=1000)


@pytest.fixture
def pub_settings(settings, networks):
    return publishing_settings(settings, networks)
