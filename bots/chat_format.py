"""A thread as chat messages, pure: Telegram HTML messages, Discord embeds, the X intent link.

Every post's exact text stays copyable: a Telegram `<pre>` block (clients show a copy
button) or a Discord code block inside an embed. Platform limits are respected here, so the
handlers can send what they get.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from core.models import Thread

INTENT_URL = "https://x.com/intent/post?text="
TELEGRAM_MAX_CHARS = 4096
# Up to this many posts, one message each; longer threads come as one message (or a few).
TELEGRAM_MESSAGES_PER_POST = 6
DISCORD_MAX_CONTENT = 2000
DISCORD_MAX_DESCRIPTION = 4096
DISCORD_MAX_EMBEDS = 10
DISCORD_MAX_EMBED_TOTAL = 6000
DISCORD_MAX_TITLE = 256


def intent_url(text: str) -> str:
    """The X "compose a post" link, pre-filled with `text` (every character percent-encoded)."""
    return INTENT_URL + quote(text, safe="")


def first_post_intent(thread: Thread) -> str:
    return intent_url(thread.posts[0].text if thread.posts else "")


def headline(thread: Thread) -> str:
    """A plain line above the thread (how many posts, from what, by which generator), and
    a line for each warning (a split past 25 posts)."""
    count = len(thread.posts)
    line = f"🧵 {count} post{'s' if count != 1 else ''}"
    if thread.source.title:
        line += f" · {thread.source.title}"
    if thread.fallback_reason:
        line += " · written offline (the AI writer is unavailable)"
    for warning in thread.warnings:
        line += f"\n⚠️ {warning['message']}"
    return line


# --- Telegram (parse_mode=HTML) ---

def telegram_post(index: int, total: int, text: str) -> str:
    return f"<b>{index}/{total}</b>\n<pre>{html.escape(text, quote=False)}</pre>"


def telegram_messages(thread: Thread) -> list[str]:
    """HTML messages for a thread: a headline, then one message per post for short threads,
    or the posts packed into as few messages as fit (4,096 characters each) for long ones."""
    total = len(thread.posts)
    blocks = [telegram_post(i + 1, total, p.text) for i, p in enumerate(thread.posts)]
    head = html.escape(headline(thread), quote=False)
    if total <= TELEGRAM_MESSAGES_PER_POST:
        return [head + "\n\n" + blocks[0], *blocks[1:]] if blocks else [head]
    return pack([head, *blocks], TELEGRAM_MAX_CHARS, "\n\n")


def telegram_copy_all(posts: Sequence[str]) -> list[str]:
    """Every post in one `<pre>` block (one copy button), split only if over 4,096 characters."""
    texts = [html.escape(text, quote=False) for text in posts]
    chunks = pack(texts, TELEGRAM_MAX_CHARS - len("<pre></pre>"), "\n\n")
    return [f"<pre>{chunk}</pre>" for chunk in chunks]


# --- Discord ---

@dataclass(slots=True)
class DiscordMessage:
    content: str = ""
    embeds: list[dict] = field(default_factory=list)


def discord_post_embed(index: int, total: int, text: str) -> dict:
    """One post as an embed; a code block keeps the exact text (no markdown) and copyable."""
    body = text if "```" in text else f"```\n{text}\n```"
    if len(body) > DISCORD_MAX_DESCRIPTION:  # only a post full of very long URLs gets here
        body = text[:DISCORD_MAX_DESCRIPTION]
    return {"title": f"{index}/{total}", "description": body}


def discord_messages(thread: Thread) -> list[DiscordMessage]:
    """The thread as follow-up messages within Discord's limits: ≤ 10 embeds and ≤ 6,000
    embed characters per message, descriptions ≤ 4,096, content ≤ 2,000."""
    total = len(thread.posts)
    embeds = [discord_post_embed(i + 1, total, p.text) for i, p in enumerate(thread.posts)]
    messages: list[DiscordMessage] = []
    current = DiscordMessage(content=headline(thread)[:DISCORD_MAX_CONTENT])
    size = 0
    for embed in embeds:
        weight = embed_size(embed)
        if current.embeds and (len(current.embeds) == DISCORD_MAX_EMBEDS
                               or size + weight > DISCORD_MAX_EMBED_TOTAL):
            messages.append(current)
            current, size = DiscordMessage(), 0
        current.embeds.append(embed)
        size += weight
    messages.append(current)
    return messages


def discord_copy_all(posts: Sequence[str]) -> list[str]:
    """All posts in code blocks of ≤ 2,000 characters (as few messages as fit)."""
    fence = "```\n", "\n```"
    room = DISCORD_MAX_CONTENT - len(fence[0]) - len(fence[1])
    chunks = pack([text.replace("```", "`\u200b``") for text in posts], room, "\n\n")
    return [fence[0] + chunk + fence[1] for chunk in chunks]


def embed_size(embed: dict) -> int:
    """Characters Discord counts towards the 6,000 total: title, description, footer…"""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len((embed.get("footer") or {}).get("text", ""))
    total += len((embed.get("author") or {}).get("name", ""))
    return total + sum(len(f.get("name", "")) + len(f.get("value", ""))
                       for f in embed.get("fields", []))


def pack(blocks: list[str], limit: int, joiner: str) -> list[str]:
    """Join blocks into as few strings of ≤ `limit` characters as possible, in order; a block
    longer than `limit` on its own is cut at the limit (posts are ≤ 280 weighted, so only a
    post of huge URLs could be)."""
    out: list[str] = []
    current = ""
    for block in blocks:
        while len(block) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(block[:limit])
            block = block[limit:]
        candidate = current + joiner + block if current else block
        if len(candidate) > limit:
            out.append(current)
            candidate = block
        current = candidate
    if current or not out:
        out.append(current)
    return out
