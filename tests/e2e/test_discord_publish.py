"""Discord: with a connected Mastodon account, a thread gets a "Post to Mastodon" button that
publishes it (the real discord.py client, the Discord stand-in and the Mastodon stand-in)."""

from __future__ import annotations

from contextlib import asynccontextmanager

from yarl import URL

from bots.chat_flow import caller_for
from core.bootstrap import build_services
from core.usecases import destinations as dest_uc
from tests.e2e.bots_support import PASTED, bot_settings, running_discord
from tests.e2e.test_discord_bot import api, components, followups, post_of, thread_reply  # noqa: F401
from tests.publish.conftest import networks, publishing_settings  # noqa: F401  (fixtures)
from tests.publish.steps import _consent

USER = 4242


async def test_post_to_mastodon_button_publishes_the_thread(
        api, settings, networks):  # noqa: F811  (the fixtures imported above)
    dc_settings = bot_settings(publishing_settings(settings, networks))
    async with build_services(dc_settings) as services:
        services.publish_queue.start()
        caller = await caller_for(services, "discord", USER)
        url = await dest_uc.start_mastodon(services, caller.user_id, networks["mastodon"].base)
        code, state = await _consent(url)
        await dest_uc.finish_mastodon(services, code, state)

        @asynccontextmanager
        async def shared():
            yield services

        async with running_discord(dc_settings, api, shared):
            first = await api.slash("thread", text=PASTED, user_id=USER)
            messages = await thread_reply(api, first)
            posts = [post_of(e) for m in messages for e in m["embeds"]]
            post_to = [b for b in components(messages[-1]) if b.get("label", "").startswith(
                "📤 Post to Mastodon")]
            assert len(post_to) == 1
            pressed = await api.press(post_to[0]["custom_id"], user_id=USER)
            await api.wait_until(lambda: any("Published" in (m.get("content") or "")
                                             for m in followups(api, pressed)), limit=30)
            answer = next(m["content"] for m in followups(api, pressed)
                          if "Published" in (m.get("content") or ""))
    statuses = networks["mastodon"].statuses
    assert [s["content"] for s in statuses] == posts
    assert [s["in_reply_to_id"] for s in statuses] == [None, *[s["id"] for s in statuses[:-1]]]
    assert [str(URL(u)) for u in answer.splitlines()[1:]] == [s["url"] for s in statuses]
