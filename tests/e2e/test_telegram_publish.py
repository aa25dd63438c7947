"""Telegram: with a connected Bluesky account, a thread gets a "Post to Bluesky" button that
publishes it (the real PTB client, the stand-in Bot API and the Bluesky stand-in)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from bots.chat_flow import caller_for
from core.bootstrap import build_services
from core.usecases.destinations import connect_bluesky
from tests.e2e.bots_support import PASTED, Transcript, bot_settings, running_telegram
from tests.e2e.test_telegram_bot import buttons, posts_in, replies, thread_after
from tests.publish.conftest import networks, publishing_settings  # noqa: F401  (fixture)
from tests.standins.bluesky_pds import APP_PASSWORD, HANDLE
from tests.standins.telegram_api import TelegramApi

USER = 778


@pytest.fixture
async def api():
    async with TelegramApi() as stand_in:
        yield stand_in


async def test_post_to_bluesky_button_publishes_the_thread_and_answers_with_links(
        api, settings, networks):  # noqa: F811  (the fixture imported above)
    log = Transcript("Telegram: Post to Bluesky")
    tg_settings = bot_settings(publishing_settings(settings, networks))
    async with build_services(tg_settings) as services:
        services.publish_queue.start()
        caller = await caller_for(services, "telegram", USER)
        await connect_bluesky(services, caller.user_id, HANDLE, APP_PASSWORD)
        @asynccontextmanager
        async def shared():
            yield services

        async with running_telegram(tg_settings, api, shared):
            await api.wait_for("setMyCommands")
            since = len(api.calls)
            api.send_text(USER, PASTED)
            thread = await thread_after(api, since)
            posts = [p for m in thread for p in posts_in(m["text"])]
            post_to = [b for b in buttons(thread[-1]) if b.get("callback_data", "").startswith("t:")]
            assert [b["text"] for b in post_to] == [f"📤 Post to Bluesky @{HANDLE}"]
            log.user("[presses 📤 Post to Bluesky]")
            since = len(api.calls)
            api.press(USER, 99, post_to[0]["callback_data"])
            await api.wait_until(lambda: any("Published" in m["text"]
                                             for m in replies(api, since)))
            answer = next(m["text"] for m in replies(api, since) if "Published" in m["text"])
            log.bot(answer)
    log.print()
    bsky = networks["bluesky"]
    assert [bsky.records[k]["value"]["text"] for k in bsky.order] == posts
    assert answer.count(f"https://bsky.app/profile/{HANDLE}/post/") == len(posts)
