"""Discord rendering: a thread as follow-up messages (embeds) with the Threadr buttons.

Buttons carry `threadr:<action>:<key>` custom ids and are handled by the bot's interaction
listener (`bots.discord.commands.on_component`), so they keep working after a restart; the
`View` here only builds the components and is never stored in discord.py's view store.
"""

from __future__ import annotations

import discord

from bots.chat_format import DiscordMessage, discord_messages, first_post_intent
from bots.chat_publish import button_label
from core.models import Thread

MAX_BUTTON_URL = 512  # Discord refuses longer link-button URLs
PREFIX = "threadr"


def thread_view(key: str, x_intent: str | None, dests=()) -> discord.ui.View:
    """Regenerate, Shorter, Copy all, Open in X (when its URL fits a button), "Post to …"
    per connected account (up to 3), Premium."""
    view = discord.ui.View(timeout=None)
    grey = discord.ButtonStyle.secondary
    view.add_item(discord.ui.Button(label="Regenerate", emoji="🔁", style=grey,
                                    custom_id=f"{PREFIX}:r:{key}"))
    view.add_item(discord.ui.Button(label="Shorter", emoji="✂️", style=grey,
                                    custom_id=f"{PREFIX}:s:{key}"))
    view.add_item(discord.ui.Button(label="Copy all", emoji="📋", style=grey,
                                    custom_id=f"{PREFIX}:c:{key}"))
    if x_intent and len(x_intent) <= MAX_BUTTON_URL:
        view.add_item(discord.ui.Button(label="Open in X", url=x_intent))
    for dest in dests[:3]:
        view.add_item(discord.ui.Button(label=button_label(dest), style=grey,
                                        custom_id=f"{PREFIX}:t:{key}:{dest.id}"))
    view.add_item(discord.ui.Button(label="Premium", emoji="⭐", style=discord.ButtonStyle.primary,
                                    custom_id=f"{PREFIX}:p:"))
    view.stop()  # a component builder only: never kept in the view store (see module doc)
    return view


def thread_messages(thread: Thread) -> list[DiscordMessage]:
    """The follow-ups for a thread; the X link goes into the text when too long for a button."""
    messages = discord_messages(thread)
    intent = first_post_intent(thread)
    if len(intent) > MAX_BUTTON_URL:
        last = messages[-1]
        link = f"[Open the first post in X]({intent})"
        if len(last.content) + len(link) + 1 <= 2000:
            last.content = (last.content + "\n" + link).strip()
        else:
            messages.append(DiscordMessage(content=link[:2000]))
    return messages


def embeds_of(message: DiscordMessage) -> list[discord.Embed]:
    return [discord.Embed.from_dict({**e, "color": 0x1D9BF0}) for e in message.embeds]
