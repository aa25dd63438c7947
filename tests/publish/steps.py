"""Use-case level steps (no web door): an account with a 7-post thread connected to a
stand-in network, and a publication of it."""

from __future__ import annotations

import aiohttp
from yarl import URL

from core.models import Post, Thread
from core.usecases import destinations as dest_uc
from core.usecases import publications as pub_uc
from tests.publish.flows import SEVEN
from tests.standins.bluesky_pds import APP_PASSWORD, HANDLE


async def _consent(authorize_url: str) -> tuple[str, str]:
    async with aiohttp.ClientSession() as session, session.get(
            authorize_url, allow_redirects=False) as consent:
        back = URL(consent.headers["Location"])
    return back.query["code"], back.query["state"]


async def connected(services, platform: str, networks, email: str = "f@example.com"):
    """(user id, destination) of a new account connected to `platform`'s stand-in."""
    user = await services.store.create_user(email, None)
    if platform == "bluesky":
        return user.id, await dest_uc.connect_bluesky(services, user.id, HANDLE, APP_PASSWORD)
    if platform == "x":
        code, state = await _consent(await dest_uc.start_x(services, user.id))
        return user.id, await dest_uc.finish_x(services, code, state)
    url = await dest_uc.start_mastodon(services, user.id, networks["mastodon"].base)
    code, state = await _consent(url)
    return user.id, await dest_uc.finish_mastodon(services, code, state)


async def publication(services, user_id: str, dest_id: str, posts=SEVEN) -> str:
    thread = await services.store.save_thread(user_id, Thread(
        posts=tuple(Post(p, len(p)) for p in posts), generator="offline"))
    return (await pub_uc.publish_thread(services, user_id, thread.id, dest_id)).id


def stored_texts(platform: str, server) -> list[str]:
    if platform == "x":
        return [t["text"] for t in server.tweets]
    if platform == "mastodon":
        return [s["content"] for s in server.statuses]
    return [server.records[k]["value"]["text"] for k in server.order]
