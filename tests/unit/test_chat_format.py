"""Threads as chat messages: Telegram HTML, Discord embeds within limits, the X intent link."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from bots import chat_format as fmt
from core.models import Post, Source, Thread


def make_thread(texts: list[str], title: str | None = "Trees & <heat>", **extra) -> Thread:
    return Thread(posts=tuple(Post(t, len(t)) for t in texts), generator="offline",
                  source=Source(title=title), **extra)


def pre_blocks(message: str) -> list[str]:
    return [html.unescape(b) for b in re.findall(r"<pre>(.*?)</pre>", message, re.S)]


def test_the_intent_link_carries_the_exact_post_text():
    text = "Café & co: 50% off #deal https://ex.com/?a=1&b=2 1/3\nnext line"
    url = fmt.intent_url(text)
    assert url.startswith("https://x.com/intent/post?text=")
    assert parse_qs(urlsplit(url).query)["text"] == [text]


def test_a_short_thread_is_one_telegram_message_per_post_with_the_headline_first():
    thread = make_thread(["one <b>1/3</b>", "two & more 2/3", "three 3/3"])
    messages = fmt.telegram_messages(thread)
    assert len(messages) == 3
    assert messages[0].startswith("🧵 3 posts · Trees &amp; &lt;heat&gt;")
    assert [pre_blocks(m) for m in messages] == [["one <b>1/3</b>"], ["two & more 2/3"],
                                                 ["three 3/3"]]


def test_a_long_thread_is_packed_into_few_telegram_messages_under_4096_chars():
    texts = [f"post number {i} " + "x" * 250 for i in range(20)]
    messages = fmt.telegram_messages(make_thread(texts))
    assert 1 < len(messages) < 20
    assert all(len(m) <= fmt.TELEGRAM_MAX_CHARS for m in messages)
    assert [b for m in messages for b in pre_blocks(m)] == texts


def test_the_headline_says_when_the_offline_writer_stood_in():
    thread = make_thread(["a"], title=None, fallback_reason="llm_unavailable")
    assert fmt.headline(thread) == "🧵 1 post · written offline (the AI writer is unavailable)"


def test_copy_all_is_one_pre_block_with_every_post():
    messages = fmt.telegram_copy_all(["a & b", "c < d"])
    assert messages == ["<pre>a &amp; b\n\nc &lt; d</pre>"]


def test_discord_posts_are_code_block_embeds_keeping_the_exact_text():
    thread = make_thread(["*not bold* 1/2", "has ``` fence 2/2"])
    [message] = fmt.discord_messages(thread)
    assert message.content.startswith("🧵 2 posts")
    assert message.embeds[0] == {"title": "1/2", "description": "```\n*not bold* 1/2\n```"}
    assert message.embeds[1]["description"] == "has ``` fence 2/2"


def test_discord_messages_hold_at_most_ten_embeds():
    messages = fmt.discord_messages(make_thread([f"post {i}" for i in range(25)]))
    assert [len(m.embeds) for m in messages] == [10, 10, 5]


def test_discord_embeds_stay_under_6000_characters_per_message():
    texts = [("https://example.com/" + "p" * 1500 + f" {i}") for i in range(10)]
    messages = fmt.discord_messages(make_thread(texts))
    assert len(messages) > 1
    for message in messages:
        assert sum(fmt.embed_size(e) for e in message.embeds) <= fmt.DISCORD_MAX_EMBED_TOTAL
        assert all(len(e["description"]) <= fmt.DISCORD_MAX_DESCRIPTION for e in message.embeds)
    assert sum(len(m.embeds) for m in messages) == 10


def test_discord_copy_all_fits_2000_characters_per_message():
    texts = ["y" * 270 for _ in range(15)]
    messages = fmt.discord_copy_all(texts)
    assert len(messages) > 1 and all(len(m) <= fmt.DISCORD_MAX_CONTENT for m in messages)
    joined = "\n\n".join(m.removeprefix("```\n").removesuffix("\n```") for m in messages)
    assert joined == "\n\n".join(texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=30),
       st.integers(min_value=20, max_value=5000))
def test_pack_keeps_everything_in_order_within_the_limit(blocks, limit):
    out = fmt.pack(blocks, limit, "\n\n")
    assert all(len(chunk) <= limit for chunk in out)
    if all(len(b) <= limit for b in blocks):
        assert "\n\n".join(out) == "\n\n".join(blocks)
    else:
        assert "".join(out).replace("\n\n", "") == "".join(blocks).replace("\n\n", "")
