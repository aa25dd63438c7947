"""The real discord.py bot against a stand-in Discord REST API + gateway on 127.0.0.1.

Scripted: /thread → deferred at once → follow-ups carry the thread within Discord's limits;
the buttons; /usage, /link, /premium answered ephemerally; an error. `-s` shows the transcript.
"""

from __future__ import annotations

import pytest

from bots.chat_format import embed_size
from core.text import weighted_length
from tests.e2e.bots_support import (
    LONG_NOTES,
    PASTED,
    Transcript,
    bot_settings,
    running_discord,
    words_of,
)
from tests.standins.discord_api import DiscordApi

EPHEMERAL = 64


@pytest.fixture
async def api():
    async with DiscordApi() as stand_in:
        yield stand_in


@pytest.fixture
def dc_settings(settings):
    return bot_settings(settings)


def followups(api: DiscordApi, interaction_id: str) -> list[dict]:
    return api.sent("followup", token=f"tok{interaction_id}")


def post_of(embed: dict) -> str:
    return embed["description"].removeprefix("```\n").removesuffix("\n```")


def components(message: dict) -> list[dict]:
    return [c for row in message.get("components", []) for c in row.get("components", [])]


async def thread_reply(api: DiscordApi, interaction_id: str) -> list[dict]:
    """Wait for the follow-up that carries the buttons; all follow-ups so far."""
    await api.wait_until(lambda: any(components(m) for m in followups(api, interaction_id)))
    return followups(api, interaction_id)


async def reply(api: DiscordApi, interaction_id: str) -> dict:
    await api.wait_until(lambda: bool(followups(api, interaction_id)))
    return followups(api, interaction_id)[0]


def show(log: Transcript, messages: list[dict]) -> None:
    for message in messages:
        ephemeral = " (only you can see this)" if message.get("flags", 0) & EPHEMERAL else ""
        if message.get("content"):
            log.bot(message["content"] + ephemeral)
        for embed in message.get("embeds", []):
            log.bot(f"[embed {embed['title']}] {post_of(embed)}")
        if components(message):
            log.note("buttons: " + " | ".join(c["label"] for c in components(message)))


async def test_a_conversation_thread_buttons_and_account_replies(api, dc_settings):
    log = Transcript("Discord conversation (stand-in REST + gateway, real discord.py client)")
    async with running_discord(dc_settings, api):
        assert {c["name"] for c in api.commands} == {"thread", "usage", "premium", "link"}
        log.user(f"/thread text: {PASTED}")
        first = await api.slash("thread", text=PASTED)
        messages = await thread_reply(api, first)
        callback = api.sent("callback", interaction_id=first)[0]
        dispatched = api.sent("dispatch", interaction_id=first)[0]["received_at"]
        log.note(f"deferred (type {callback['type']}) "
                 f"{(callback['received_at'] - dispatched) * 1000:.0f} ms after the dispatch")
        show(log, messages)
        assert callback["type"] == 5 and callback["received_at"] - dispatched < 1.0
        embeds = [e for m in messages for e in m["embeds"]]
        posts = [post_of(e) for e in embeds]
        assert len(posts) >= 2 and all(weighted_length(p) <= 280 for p in posts)
        assert "Remote work" in posts[0]
        for message in messages:
            assert len(message.get("content") or "") <= 2000 and len(message["embeds"]) <= 10
            assert sum(embed_size(e) for e in message["embeds"]) <= 6000
            assert all(len(e["description"]) <= 4096 for e in message["embeds"])
        buttons = components(messages[-1])
        assert [b["label"] for b in buttons] == [
            "Regenerate", "Shorter", "Copy all", "Open in X", "Premium"]
        assert buttons[3]["url"].startswith("https://x.com/intent/post?text=")
        copy_id = buttons[2]["custom_id"]

        log.user("[presses 📋 Copy all]")
        pressed = await api.press(copy_id)
        copied = await reply(api, pressed)
        show(log, [copied])
        assert copied["flags"] & EPHEMERAL
        assert copied["content"] == "```\n" + "\n\n".join(posts) + "\n```"

        log.user("[presses ✂️ Shorter]")
        pressed = await api.press(buttons[1]["custom_id"])
        shorter = await thread_reply(api, pressed)
        show(log, shorter)
        assert len([e for m in shorter for e in m["embeds"]]) < len(posts)

        log.user("/usage")
        asked = await api.slash("usage")
        usage = await reply(api, asked)
        show(log, [usage])
        assert api.sent("callback", interaction_id=asked)[0]["data"]["flags"] == EPHEMERAL
        assert usage["flags"] & EPHEMERAL and "2 of 50 threads used today" in usage["content"]

        log.user("/premium")
        asked = await api.slash("premium")
        premium = await reply(api, asked)
        show(log, [premium])
        assert premium["flags"] & EPHEMERAL and "billing is not configured" in premium["content"]

        log.user("/link")
        asked = await api.slash("link")
        linked = await reply(api, asked)
        show(log, [linked])
        assert linked["flags"] & EPHEMERAL and "Your link code: " in linked["content"]
    log.print()


async def test_an_error_is_answered_kindly_and_the_bot_keeps_working(api, dc_settings):
    async with running_discord(dc_settings, api):
        asked = await api.slash("thread", url="http://10.0.0.1/internal")
        answer = await reply(api, asked)
        assert "cannot fetch that address" in answer["content"]
        assert "Traceback" not in answer["content"]
        asked = await api.slash("link", code="NOPE2345")
        answer = await reply(api, asked)
        assert "invalid or has expired" in answer["content"] and answer["flags"] & EPHEMERAL
        asked = await api.slash("usage")
        assert "threads used today" in (await reply(api, asked))["content"]


async def test_split_only_when_chosen_keeps_every_word_and_warns(api, dc_settings):
    async with running_discord(dc_settings, api):
        summary = await thread_reply(api, await api.slash("thread", text=LONG_NOTES))
        split = await thread_reply(api, await api.slash("thread", text=LONG_NOTES,
                                                        mode="split"))
    assert len([e for m in summary for e in m["embeds"]]) <= 12
    assert "⚠️" not in summary[0]["content"]
    posts = [post_of(e) for m in split for e in m["embeds"]]
    assert len(posts) > 25 and words_of(posts) == LONG_NOTES.split()
    assert f"⚠️ Your text became {len(posts)} posts" in split[0]["content"]


async def test_a_thread_with_no_input_asks_for_one(api, dc_settings):
    async with running_discord(dc_settings, api):
        asked = await api.slash("thread")
        assert "`url:`" in (await reply(api, asked))["content"]


async def test_a_thread_in_a_server_channel_is_public_and_usage_stays_private(api, dc_settings):
    async with running_discord(dc_settings, api):
        asked = await api.slash("thread", guild=True, user_id=99, text=PASTED)
        messages = await thread_reply(api, asked)
        assert not any(m.get("flags", 0) & EPHEMERAL for m in messages)
        asked = await api.slash("usage", guild=True, user_id=99)
        usage = await reply(api, asked)
    assert usage["flags"] & EPHEMERAL and "1 of 50 threads used today" in usage["content"]
