"""The real python-telegram-bot Application against a stand-in Bot API on 127.0.0.1.

Scripted conversations: a link becomes a thread; the buttons; quota; /link; flood control;
a redelivered update; webhook mode. Run with `-s` to see the transcript.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from aiohttp import ClientSession, web

from core.settings import SecretStr
from core.text import weighted_length
from core.usecases.premium import forget_plan
from tests.e2e.bots_support import (
    ARTICLE,
    LONG_NOTES,
    PASTED,
    Transcript,
    bot_settings,
    running_telegram,
    words_of,
)
from tests.standins.article_server import ArticleServer
from tests.standins.telegram_api import TelegramApi

USER = 777


@pytest.fixture
async def api():
    async with TelegramApi() as stand_in:
        yield stand_in


@pytest.fixture
async def site():
    async with ArticleServer() as server:
        server.serve("/trees", ARTICLE)
        yield server


@pytest.fixture
def tg_settings(settings, site):
    return bot_settings(settings, fetch_allow_loopback=True, fetch_allowed_ports=(site.port,))


def posts_in(text: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r"<pre>(.*?)</pre>", text, re.S)]


def replies(api: TelegramApi, since: int = 0) -> list[dict]:
    """What the bot showed in the chat after call number `since` (sent or edited messages)."""
    return [p for name, p in api.calls[since:] if name in ("sendMessage", "editMessageText")]


def buttons(params: dict) -> list[dict]:
    markup = json.loads(params.get("reply_markup") or "{}")
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def thread_after(api: TelegramApi, since: int) -> list[dict]:
    """Wait for a whole thread (its last message carries the Regenerate button); its messages."""
    def complete():
        return any(b.get("callback_data", "").startswith("r:")
                   for m in replies(api, since) for b in buttons(m))
    await api.wait_until(complete)
    shown = replies(api, since)
    return shown[1:] if shown[0]["text"].startswith("Working") else shown


async def answer_after(api: TelegramApi, since: int) -> str:
    await api.wait_until(lambda: bool(replies(api, since)))
    return replies(api, since)[0]["text"]


def show(log: Transcript, messages: list[dict]) -> None:
    for message in messages:
        log.bot(message["text"])
        if buttons(message):
            log.note("buttons: " + " | ".join(b["text"] for b in buttons(message)))


async def test_a_conversation_link_buttons_and_usage(api, site, tg_settings):
    log = Transcript("Telegram conversation (stand-in Bot API, real PTB client)")
    async with running_telegram(tg_settings, api):
        await api.wait_for("setMyCommands")
        log.user("/start")
        api.send_text(USER, "/start")
        log.bot(await answer_after(api, 0))

        since = len(api.calls)
        log.user(site.url("/trees"))
        api.send_text(USER, site.url("/trees"))
        thread = await thread_after(api, since)
        log.bot(replies(api, since)[0]["text"])
        log.note("'Working…' message edited into the thread")
        show(log, thread)
        posts = [p for m in thread for p in posts_in(m["text"])]
        assert len(posts) >= 2 and all(weighted_length(p) <= 280 for p in posts)
        assert "Cities plant trees" in thread[0]["text"]
        assert any(p["action"] == "typing" for p in api.sent("sendChatAction"))
        assert thread[0] is replies(api, since)[1] and api.sent("editMessageText")
        labels = [b["text"].split(" ", 1)[1] for b in buttons(thread[-1])]
        assert labels == ["Regenerate", "Shorter", "Copy all", "Open in X", "Premium"]
        x_link = next(b["url"] for b in buttons(thread[-1]) if "url" in b)
        assert x_link.startswith("https://x.com/intent/post?text=")
        key = next(b["callback_data"] for b in buttons(thread[-1]))[2:]

        since = len(api.calls)
        log.user("[presses 📋 Copy all]")
        api.press(USER, 99, f"c:{key}")
        copy = await answer_after(api, since)
        log.bot(copy)
        assert posts_in(copy) == ["\n\n".join(posts)]

        since = len(api.calls)
        log.user("[presses ✂️ Shorter]")
        api.press(USER, 99, f"s:{key}")
        shorter = await thread_after(api, since)
        show(log, shorter)
        assert len([p for m in shorter for p in posts_in(m["text"])]) < len(posts)

        since = len(api.calls)
        log.user("[presses 🔁 Regenerate]")
        api.press(USER, 99, f"r:{key}")
        again = await thread_after(api, since)
        show(log, again)
        assert posts_in(again[0]["text"])

        since = len(api.calls)
        log.user("/usage")
        api.send_text(USER, "/usage")
        usage = await answer_after(api, since)
        log.bot(usage)
        assert "3 of 50 threads used today" in usage and "Resets at 00:00 UTC" in usage
    assert len(api.sent("answerCallbackQuery")) == 3
    log.print()


async def test_pasted_text_becomes_a_thread_and_chatter_gets_help(api, tg_settings):
    async with running_telegram(tg_settings, api):
        api.send_text(USER, "hello!")
        assert "Send me a link" in await answer_after(api, 0)
        since = len(api.calls)
        api.send_text(USER, PASTED, forwarded=True)
        thread = await thread_after(api, since)
        assert "Remote work" in "".join(m["text"] for m in thread)


async def test_a_file_name_in_pasted_text_is_not_taken_for_the_articles_link(api, tg_settings):
    pasted = ("Release notes: the build now runs setup.py only once, and the settings moved "
              "to config.toml. " + PASTED)
    async with running_telegram(tg_settings, api):
        api.send_text(USER, pasted)
        thread = await thread_after(api, 0)
    posts = [p for m in thread for p in posts_in(m["text"])]
    assert posts
    assert not any("https://setup.py" in p or "https://config.toml" in p for p in posts)


async def test_split_only_when_asked_keeps_every_word_and_warns_past_25_posts(api, tg_settings):
    async with running_telegram(tg_settings, api):
        api.send_text(USER, "/thread " + LONG_NOTES)
        summary = [p for m in await thread_after(api, 0) for p in posts_in(m["text"])]
        since = len(api.calls)
        api.send_text(USER, "/split " + LONG_NOTES)
        thread = await thread_after(api, since)
    assert len(summary) <= 12
    posts = [p for m in thread for p in posts_in(m["text"])]
    assert len(posts) > 25 and words_of(posts) == LONG_NOTES.split()
    assert f"⚠️ Your text became {len(posts)} posts" in thread[0]["text"]


@pytest.mark.parametrize("billing", [True, False])
async def test_quota_exhausted_gets_a_kind_message_with_reset_time_and_upgrade_link(
        api, tg_settings, billing):
    keys = {"stripe_secret_key": SecretStr("sk_test"), "stripe_webhook_secret": SecretStr("wh")}
    settings = tg_settings.with_(free_daily_quota=1, **(keys if billing else {}))
    async with running_telegram(settings, api):
        api.send_text(USER, "/thread " + PASTED)
        await thread_after(api, 0)
        since = len(api.calls)
        api.send_text(USER, "/thread " + PASTED + " Again.")
        await api.wait_until(lambda: len(api.sent("editMessageText")) >= 2)
        answer = api.sent("editMessageText")[-1]["text"]
    assert answer.startswith("You have used today's 1 free threads.")
    assert answer.count("00:00 UTC") == 1 and " h)." in answer  # one reset time
    assert ("https://threadr.example/#upgrade" in answer) is billing  # no upgrade without billing
    assert "Traceback" not in answer and since


async def test_a_link_code_joins_a_web_account_and_premium_carries_over(api, tg_settings):
    from datetime import timedelta

    from core.usecases.accounts import login, redeem_link_code, register

    async with running_telegram(tg_settings, api) as application:
        services = application.bot_data["lifecycle"].services
        api.send_text(USER, "/link")
        answer = await answer_after(api, 0)
        code = re.search(r"Your link code: (\w+)", answer).group(1)
        await register(services, "ada@example.com", "correct horse battery")
        user, _ = await login(services, "ada@example.com", "correct horse battery", None)
        assert await redeem_link_code(services, user.id, code) == ("telegram", str(USER))
        now = services.clock()
        async with services.store.billing_transaction() as tx:
            await tx.add_premium_grant(user.id, "test", "ref-1", now, now + timedelta(days=30))
        await forget_plan(services, user.id)  # written behind the use cases' back
        since = len(api.calls)
        api.send_text(USER, "/usage")
        usage = await answer_after(api, since)
    assert usage.startswith("Premium: 0 of 200 threads used today")


async def test_flood_control_429_is_retried_after_retry_after(api, tg_settings):
    async with running_telegram(tg_settings, api):
        api.fail_next("sendMessage", retry_after=1)
        api.send_text(USER, "/help")
        answer = await answer_after(api, 0)
    names = [name for name, _ in api.calls if name.startswith("sendMessage")]
    assert names[:2] == ["sendMessage:429", "sendMessage"]
    assert "/thread" in answer


async def test_the_same_update_delivered_twice_is_handled_once(api, tg_settings):
    async with running_telegram(tg_settings, api) as application:
        first = api.send_text(USER, "/usage")
        await answer_after(api, 0)
        api.redeliver(first)
        guard = application.bot_data["update_guard"]
        await api.wait_until(lambda: guard.dropped == 1 or len(replies(api)) > 1)
        api.send_text(USER, "/help")
        await api.wait_until(lambda: len(replies(api)) >= 2)
    shown = [m["text"] for m in replies(api)]
    assert guard.dropped == 1 and len(shown) == 2
    assert shown[0].startswith("Free plan") and "/thread" in shown[1]


async def test_webhook_mode_refuses_a_wrong_secret_and_accepts_the_right_one(
        api, tg_settings, aiohttp_server):
    from bots.telegram.webhook import (
        SECRET_HEADER,
        make_webhook_handler,
        telegram_webhook_lifecycle,
    )

    settings = tg_settings.with_(telegram_token=SecretStr(api.token),
                                 telegram_api_base=api.base_url, telegram_mode="webhook",
                                 telegram_webhook_secret=SecretStr("s3cret"))
    async with telegram_webhook_lifecycle(settings) as application:
        [registered] = api.sent("setWebhook")
        assert registered["url"] == "https://threadr.example/telegram/webhook"
        assert registered["secret_token"] == "s3cret"
        from web.middlewares import translate_errors  # the host app's one error mapping

        app = web.Application(middlewares=[translate_errors])
        app.router.add_post("/telegram/webhook", make_webhook_handler(application, "s3cret"))
        server = await aiohttp_server(app)
        update = {"update_id": 5, "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Ada"}}}
        async with ClientSession() as http:
            url = str(server.make_url("/telegram/webhook"))
            for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: "s3cret!"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
                    assert (await response.json())["error"]["code"] == "forbidden"
            assert not replies(api)
            async with http.post(url, json=update, headers={SECRET_HEADER: "s3cret"}) as response:
                assert response.status == 200
            assert "/thread" in await answer_after(api, 0)
            async with http.post(url, data=b"not json", headers={SECRET_HEADER: "s3cret"}) as r:
                assert r.status == 400
                assert (await r.json())["error"]["code"] == "invalid_webhook"


async def test_a_blocked_link_edits_the_working_message_into_a_clear_answer(api, tg_settings):
    async with running_telegram(tg_settings, api):
        api.send_text(USER, "http://10.1.2.3/admin")
        await api.wait_for("editMessageText")
    assert api.sent("sendMessage")[0]["text"] == "Working on your thread…"
    assert "cannot fetch that address" in api.sent("editMessageText")[0]["text"]


async def test_old_buttons_and_premium_without_billing_answer_kindly(api, tg_settings):
    async with running_telegram(tg_settings, api):
        api.press(USER, 5, "r:forgotten-key")
        [alert] = await api.wait_for("answerCallbackQuery")
        api.press(USER, 5, "p")
        premium = await answer_after(api, 0)
    assert alert["show_alert"] == "true" and "no longer in my memory" in alert["text"]
    assert "billing is not configured" in premium


async def test_threadr_serve_mounts_the_webhook_and_shares_the_web_services(
        api, tg_settings, aiohttp_client):
    from bots.telegram.mounts import webhook_mounts
    from bots.telegram.webhook import SECRET_HEADER
    from web.app import create_app

    settings = tg_settings.with_(telegram_token=SecretStr(api.token),
                                 telegram_api_base=api.base_url, telegram_mode="webhook",
                                 telegram_webhook_secret=SecretStr("s3cret"))
    assert webhook_mounts(settings.with_(telegram_mode="polling")) == []
    client = await aiohttp_client(create_app(settings, mounts=webhook_mounts(settings)))
    assert api.sent("setWebhook")
    update = {"update_id": 9, "message": {
        "message_id": 1, "date": 1_700_000_000, "text": "/usage",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": USER, "type": "private"},
        "from": {"id": USER, "is_bot": False, "first_name": "Ada"}}}
    wrong = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "no"})
    assert wrong.status == 403
    right = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: "s3cret"})
    assert right.status == 200
    assert (await answer_after(api, 0)).startswith("Free plan")


async def test_one_chat_identity_is_burst_limited_even_when_every_request_fails(api, tg_settings):
    """H2: 40 failing requests from one Telegram identity were never limited."""
    async with running_telegram(tg_settings.with_(burst_per_minute=3), api):
        for i in range(5):
            api.send_text(USER, f"http://10.1.2.{i}/admin")
        await api.wait_until(lambda: len(api.sent("editMessageText")) >= 5)
    answers = [m["text"] for m in api.sent("editMessageText")]
    assert sum("cannot fetch that address" in a for a in answers) == 3
    assert sum("slow down" in a.lower() or "too many" in a.lower() for a in answers) == 2


async def test_a_chat_is_burst_limited_across_its_members(tg_settings):
    from bots import chat_flow
    from core.bootstrap import build_services
    from core.errors import BlockedUrl, RateLimited
    from core.models import ThreadRequest

    async with build_services(tg_settings.with_(burst_per_minute=3)) as services:
        request = ThreadRequest(url="http://10.0.0.1/admin")
        outcomes = []
        for member in range(5):  # five different people in one group chat
            try:
                await chat_flow.make_thread(services, "telegram", 1000 + member, request,
                                            chat_id=-4242)
            except (BlockedUrl, RateLimited) as exc:
                outcomes.append(type(exc).__name__)
    assert outcomes == ["BlockedUrl"] * 3 + ["RateLimited"] * 2
