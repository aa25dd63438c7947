"""Web (its use cases), the Telegram bot and the Discord bot on one PostgreSQL + Redis, as
separate services like separate processes: once linked, a person's quota is one quota."""

from __future__ import annotations

import re

from core.bootstrap import build_services
from core.models import Caller, ThreadRequest
from core.usecases.accounts import login, redeem_link_code, register, usage
from core.usecases.threads import generate_thread
from tests.e2e.bots_support import PASTED, bot_settings, running_discord, running_telegram
from tests.e2e.test_discord_bot import reply, thread_reply
from tests.e2e.test_telegram_bot import answer_after, thread_after
from tests.standins.discord_api import DiscordApi
from tests.standins.telegram_api import TelegramApi

TG_USER, DC_USER = 31337, 271828


async def test_a_linked_person_has_one_quota_across_web_telegram_and_discord(
        settings, pg_database_url, redis_url, redis_prefix):
    shared = bot_settings(settings, database_url=pg_database_url, redis_url=redis_url,
                          redis_prefix=redis_prefix, free_daily_quota=3)
    async with build_services(shared) as web, TelegramApi() as tg, DiscordApi() as dc, \
            running_telegram(shared, tg), running_discord(shared, dc):
        await register(web, "grace@example.com", "correct horse battery")
        user, _ = await login(web, "grace@example.com", "correct horse battery", None)
        tg.send_text(TG_USER, "/link")
        tg_code = re.search(r"code: (\w+)", await answer_after(tg, 0)).group(1)
        asked = await dc.slash("link", user_id=DC_USER)
        dc_code = re.search(r"code: (\w+)", (await reply(dc, asked))["content"]).group(1)
        assert await redeem_link_code(web, user.id, tg_code) == ("telegram", str(TG_USER))
        assert await redeem_link_code(web, user.id, dc_code) == ("discord", str(DC_USER))

        await generate_thread(web, Caller("web", user.id, "127.0.0.1"),
                              ThreadRequest(text=PASTED))
        since = len(tg.calls)
        tg.send_text(TG_USER, "/thread " + PASTED + " On Telegram.")
        await thread_after(tg, since)
        asked = await dc.slash("thread", user_id=DC_USER, text=PASTED + " On Discord.")
        await thread_reply(dc, asked)
        assert (await usage(web, f"user:{user.id}", user.id)).used == 3

        since = len(tg.calls)
        tg.send_text(TG_USER, "/thread " + PASTED + " Once more.")
        await tg.wait_until(lambda: any("free threads" in p.get("text", "")
                                        for p in tg.sent("editMessageText")))
        asked = await dc.slash("usage", user_id=DC_USER)
        dc_usage = (await reply(dc, asked))["content"]
        assert dc_usage.startswith("Free plan: 3 of 3 threads used today, 0 left.")
