""""Post to …": publishing a thread from a chat to the account's connected destinations."""

from __future__ import annotations

import asyncio

from bots.chat_flow import caller_for, recall
from core.publish.models import FAILED, PUBLISHED, Destination
from core.services import Services
from core.usecases import destinations as dest_uc
from core.usecases import publications as pub_uc

NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
WAIT_SECONDS = 60.0


def button_label(dest: Destination) -> str:
    return f"📤 Post to {NAMES[dest.platform.value]} @{dest.handle}"


async def destinations_of(services: Services, platform: str, external_id) -> list[Destination]:
    caller = await caller_for(services, platform, external_id)
    return await dest_uc.list_destinations(services, caller.user_id) if caller.user_id else []


async def post_to(services: Services, platform: str, external_id, key: str,
                  dest_id: str) -> str | None:
    """Publish the remembered thread now; the links once published (None: buttons expired)."""
    remembered = await recall(services, platform, key)
    if remembered is None or not remembered.thread_id:
        return None
    caller = await caller_for(services, platform, external_id)
    pub = await pub_uc.publish_thread(services, caller.user_id, remembered.thread_id, dest_id)
    for _ in range(int(WAIT_SECONDS / 0.5)):
        pub = await pub_uc.get_publication(services, caller.user_id, pub.id)
        if pub.status in (PUBLISHED, FAILED):
            break
        await asyncio.sleep(0.5)
    if pub.status == FAILED:
        return f"Publishing failed: {pub.error}"
    if pub.status != PUBLISHED:
        return "Publishing… your thread will appear in a moment."
    links = "\n".join(post.url for post in pub.published_posts if post.url)
    return f"Published {len(pub.posts)} posts:\n{links}"
