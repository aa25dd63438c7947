"""Slash commands and buttons: defer at once, call one shared step, answer by follow-up.

Discord drops an interaction not acknowledged within 3 s, so every handler defers first.
Account replies (/usage, /premium, /link, Copy all) are ephemeral. Every failure goes to
`report_error`, the one error handler.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bots import chat, chat_flow, chat_publish, chat_texts
from bots.chat_format import discord_copy_all, first_post_intent
from bots.discord.render import MAX_BUTTON_URL, PREFIX, embeds_of, thread_messages, thread_view
from core.errors import ThreadrError
from core.models import Mode, ThreadOptions, ThreadRequest

log = logging.getLogger("threadr.discord")
PLATFORM = "discord"
MODE_CHOICES = [app_commands.Choice(name="Summarize into a thread", value=Mode.SUMMARIZE.value),
                app_commands.Choice(name="Split my text into posts", value=Mode.SPLIT.value)]
NEED_INPUT = "Give me a `url:` (a link to an article) or a `text:` (the article's text)."


def register(bot) -> None:
    """Add /thread, /usage, /premium, /link, the button listener and the error handler."""
    tree = bot.tree
    tree.error(report_error)

    @tree.command(name="thread", description="Make an X thread from an article link or text")
    @app_commands.describe(url="Link to the article", text="Or paste the article's text",
                           mode="Summarize into a thread (default), or split your own text")
    @app_commands.choices(mode=MODE_CHOICES)
    async def thread(interaction: discord.Interaction, url: str | None = None,
                     text: str | None = None,
                     mode: app_commands.Choice[str] | None = None) -> None:
        await interaction.response.defer(thinking=True)
        request = request_from_options(url, text, mode.value if mode else Mode.SUMMARIZE)
        if request is None:
            await interaction.followup.send(NEED_INPUT)
            return
        await send_thread(bot, interaction, request)

    @tree.command(name="usage", description="How many threads you have left today")
    async def usage(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await chat_flow.usage_text(bot.services, PLATFORM, interaction.user.id)
        await interaction.followup.send(text, ephemeral=True)

    @tree.command(name="premium", description="Get premium: more threads, longer threads")
    async def premium(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_premium(bot, interaction)

    @tree.command(name="link", description="Join this Discord account to your Threadr account")
    @app_commands.describe(code="A code from /link in the Telegram bot (leave empty for a new one)")
    async def link(interaction: discord.Interaction, code: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await chat_flow.link_answer(bot.services, PLATFORM, interaction.user.id,
                                           code or "")
        await interaction.followup.send(text, ephemeral=True)

    async def on_interaction(interaction: discord.Interaction) -> None:
        await on_component(bot, interaction)

    bot.add_listener(on_interaction, "on_interaction")


def request_from_options(url: str | None, text: str | None,
                         mode: str = Mode.SUMMARIZE) -> ThreadRequest | None:
    """`/thread url:` (the first link in it, else the value as given) or `/thread text:`;
    `mode:` split only when chosen."""
    options = ThreadOptions(mode=Mode(mode))
    if url and url.strip():
        links = chat.find_links(url.strip())
        return ThreadRequest(url=chat.with_scheme(links[0] if links else url.strip()),
                             options=options)
    return chat.request_from_command(text or "", options)


async def send_thread(bot, interaction: discord.Interaction, request: ThreadRequest) -> None:
    services = bot.services
    thread = await chat_flow.make_thread(services, PLATFORM, interaction.user.id, request,
                                         chat_id=interaction.channel_id)
    key = await chat_flow.remember(services, PLATFORM, request, thread)
    messages = thread_messages(thread)
    dests = await chat_publish.destinations_of(services, PLATFORM, interaction.user.id)
    view = thread_view(key, first_post_intent(thread), dests)
    for i, message in enumerate(messages):
        extra = {"view": view} if i == len(messages) - 1 else {}
        await interaction.followup.send(content=message.content or None,
                                        embeds=embeds_of(message), wait=True, **extra)


async def send_premium(bot, interaction: discord.Interaction) -> None:
    text, url = await chat_flow.premium_answer(bot.services, PLATFORM, interaction.user.id)
    extra = {}
    if url and len(url) <= MAX_BUTTON_URL:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Get premium", url=url))
        extra["view"] = view
    await interaction.followup.send(text, ephemeral=True, **extra)


async def on_component(bot, interaction: discord.Interaction) -> None:
    """A Threadr button: `threadr:<r|s|c|p>:<key>`."""
    if interaction.type is not discord.InteractionType.component:
        return
    parts = str((interaction.data or {}).get("custom_id", "")).split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return
    _, action, key = parts
    try:
        await _press(bot, interaction, action, key)
    except Exception as exc:  # noqa: BLE001 - handed to the one error handler
        await report_error(interaction, exc)


async def _press(bot, interaction: discord.Interaction, action: str, key: str) -> None:
    private = action in ("c", "p")
    await interaction.response.defer(ephemeral=private, thinking=True)
    if action == "p":
        await send_premium(bot, interaction)
        return
    if action == "t":
        short, _, dest_id = key.partition(":")
        text = await chat_publish.post_to(bot.services, PLATFORM, interaction.user.id, short,
                                          dest_id)
        await interaction.followup.send(text or chat_texts.EXPIRED_TEXT)
        return
    remembered = await chat_flow.recall(bot.services, PLATFORM, key)
    if remembered is None:
        await interaction.followup.send(chat_texts.EXPIRED_TEXT, ephemeral=True)
    elif action == "c":
        for text in discord_copy_all(remembered.posts):
            await interaction.followup.send(text, ephemeral=True)
    elif action in ("r", "s"):
        request = chat_flow.regenerate_request(remembered) if action == "r" \
            else chat_flow.shorter_request(remembered)
        await send_thread(bot, interaction, request)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """The one error handler: log, then answer kindly (ephemeral when still possible)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, ThreadrError):
        log.info("discord request failed: %s", error.code)
    else:
        log.error("discord handler failed", exc_info=error)
    text = chat_texts.error_text(error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message to a Discord interaction")
