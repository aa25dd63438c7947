"""The real app (`create_app`) over real services: SQLite in a temp dir, in-process counters."""

from __future__ import annotations

import pytest

from core.bootstrap import build_services
from core.usecases.sessions import forget_auth
from web.app import create_app

ARTICLE = (
    "Cities are planting trees to cope with heat. Shade from a mature tree can cool a street "
    "by several degrees on a summer afternoon. Researchers measured surface temperatures in "
    "forty neighbourhoods and found the leafiest ones were markedly cooler at night.\n\n"
    "The programmes are not cheap. A city must water young trees for years, and many die "
    "before they give any shade. Planners now pick species that tolerate drought and pollution.\n\n"
    "Residents notice the difference. Surveys show people walk more on shaded streets, and "
    "shops on those streets report more visitors during heat waves. The lesson is simple: "
    "trees are infrastructure, and they pay back what they cost."
)


@pytest.fixture
def web_settings(settings):
    """The shared test settings with quotas loose enough not to get in the way."""
    return settings.with_(free_daily_quota=1000, burst_per_minute=1000,
                          cors_origins=("https://partner.example",),
                          extension_ids=("abcdefghijklmnopabcdefghijklmnop",))


@pytest.fixture
async def services(web_settings):
    async with build_services(web_settings) as built:
        yield built


@pytest.fixture
async def client(aiohttp_client, web_settings, services):
    return await aiohttp_client(create_app(web_settings, services=services))


async def register(client, email: str = "ada@example.com", password: str = "correct horse 1"):
    """Register, then sign in (registration itself answers the same for any address)."""
    response = await client.post("/api/v1/auth/register",
                                 json={"email": email, "password": password})
    assert response.status == 202, await response.text()
    response = await client.post("/api/v1/auth/login",
                                 json={"email": email, "password": password})
    assert response.status == 200, await response.text()
    body = await response.json()
    return {"Authorization": f"Bearer {body['token']}"}


async def make_thread(client, headers=None, text: str = ARTICLE, **options):
    response = await client.post("/api/v1/threads", json={"text": text, **options},
                                 headers=headers or {})
    assert response.status == 200, await response.text()
    return await response.json()


async def mark_verified(services, email: str) -> None:
    """Verify an address without the mail round trip (tests of other things than mail)."""
    user = await services.store.get_user_by_email(email)
    await services.records.set_email(user.id, user.email, services.clock())
    await forget_auth(services, user.id)  # written behind the use cases' back
