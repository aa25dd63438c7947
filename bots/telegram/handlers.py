"""Telegram handlers: parse the update, call one shared step (`bots.chat_flow`), render.

Failures are raised, not answered here: the one error handler (`on_error`) turns them into a
kind message, editing the "working…" message when there is one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bots import chat, chat_flow, chat_publish, chat_texts
from bots.chat_format import first_post_intent, telegram_copy_all, telegram_messages
from core.errors import ThreadrError
from core.models import Mode, ThreadOptions, ThreadRequest
from core.services import Services

log = logging.getLogger("threadr.telegram")
PLATFORM = "telegram"
Context = ContextTypes.DEFAULT_TYPE


class TelegramHandlers:
    """The bot's handlers over the services entered in `post_init` (`services()`)."""

    def __init__(self, services: Callable[[], Services]) -> None:
        self.services = services

    # --- commands ---
    async def start(self, update: Update, context: Context) -> None:
        """/start: greet and explain."""
        await update.effective_message.reply_text(chat_texts.START_TEXT)

    async def help(self, update: Update, context: Context) -> None:
        """/help: what the bot can do."""
        await update.effective_message.reply_text(chat_texts.HELP_TEXT)

    async def thread(self, update: Update, context: Context) -> None:
        """/thread <link or text>: make a thread (summarized)."""
        await self._command(update, context, "thread", ThreadOptions())

    async def split(self, update: Update, context: Context) -> None:
        """/split <text>: the person's own text cut into posts, every word kept."""
        await self._command(update, context, "split", ThreadOptions(mode=Mode.SPLIT))

    async def _command(self, update: Update, context: Context, name: str,
                       options: ThreadOptions) -> None:
        message = update.effective_message
        argument = chat.parse_command(message.text or "").argument
        replied = message.reply_to_message
        if not argument and replied is not None:  # "/thread" in reply to an article
            argument = replied.text or replied.caption or ""
        request = chat.request_from_command(argument, options)
        if request is None:
            await update.effective_message.reply_text(f"Usage: /{name} <link or text>")
            return
        await self._send_thread(update, context, request)

    async def message(self, update: Update, context: Context) -> None:
        """A plain message: a link, or an article's text (pasted or forwarded)."""
        message = update.effective_message
        request = chat.request_from_message(message.text or message.caption or "",
                                            forwarded=message.forward_origin is not None)
        if request is None:
            if update.effective_chat.type == "private":  # in groups, chatter is not for us
                await message.reply_text(chat_texts.NOT_UNDERSTOOD)
            return
        await self._send_thread(update, context, request)

    async def usage(self, update: Update, context: Context) -> None:
        """/usage: threads left today and when they reset."""
        text = await chat_flow.usage_text(self.services(), PLATFORM, update.effective_user.id)
        await update.effective_message.reply_text(text)

    async def premium(self, update: Update, context: Context) -> None:
        """/premium: a checkout link for this account (or why there is none)."""
        text, url = await chat_flow.premium_answer(self.services(), PLATFORM,
                                                   update.effective_user.id)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Get premium", url=url)]]) \
            if url else None
        await update.effective_chat.send_message(text, reply_markup=markup)

    async def link(self, update: Update, context: Context) -> None:
        """/link: a code for the web account; /link CODE: join another identity here."""
        code = chat.parse_command(update.effective_message.text or "").argument
        text = await chat_flow.link_answer(self.services(), PLATFORM, update.effective_user.id,
                                           code)
        await update.effective_message.reply_text(text)

    # --- buttons ---
    async def button(self, update: Update, context: Context) -> None:
        """Regenerate (r:key), Shorter (s:key), Copy all (c:key), Premium (p)."""
        query = update.callback_query
        action, _, key = (query.data or "").partition(":")
        if action == "t":
            await self._post_to(update, *key.partition(":")[::2])
            return
        if action == "p":
            await query.answer()
            await self.premium(update, context)
            return
        remembered = await chat_flow.recall(self.services(), PLATFORM, key)
        if remembered is None:
            await query.answer(chat_texts.EXPIRED_TEXT, show_alert=True)
            return
        if action == "c":
            await query.answer("All posts below, ready to copy.")
            for text in telegram_copy_all(remembered.posts):
                await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)
        elif action in ("r", "s"):
            await query.answer("Working on it…")
            request = chat_flow.regenerate_request(remembered) if action == "r" \
                else chat_flow.shorter_request(remembered)
            await self._send_thread(update, context, request)
        else:
            await query.answer()

    async def _post_to(self, update: Update, key: str, dest_id: str) -> None:
        query = update.callback_query
        await query.answer("Publishing…")
        text = await chat_publish.post_to(self.services(), PLATFORM, update.effective_user.id,
                                          key, dest_id)
        await update.effective_chat.send_message(text or chat_texts.EXPIRED_TEXT,
                                                 disable_web_page_preview=True)

    # --- the thread itself ---
    async def _send_thread(self, update: Update, context: Context, request: ThreadRequest) -> None:
        chat_ = update.effective_chat
        await chat_.send_action(ChatAction.TYPING)
        working = await chat_.send_message(chat_texts.WORKING_TEXT)
        pending = context.chat_data.setdefault("working", {})
        pending[update.update_id] = working
        services = self.services()
        thread = await chat_flow.make_thread(services, PLATFORM, update.effective_user.id, request,
                                             chat_id=chat_.id)
        key = await chat_flow.remember(services, PLATFORM, request, thread)
        messages = telegram_messages(thread)
        dests = await chat_publish.destinations_of(services, PLATFORM, update.effective_user.id)
        markup = keyboard(key, first_post_intent(thread), dests)
        last = len(messages) - 1
        await working.edit_text(messages[0], parse_mode=ParseMode.HTML,
                                reply_markup=markup if last == 0 else None)
        for i, text in enumerate(messages[1:], start=1):
            await chat_.send_message(text, parse_mode=ParseMode.HTML,
                                     reply_markup=markup if i == last else None)
        pending.pop(update.update_id, None)


def keyboard(key: str, x_intent: str, dests=()) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("🔁 Regenerate", callback_data=f"r:{key}"),
         InlineKeyboardButton("✂️ Shorter", callback_data=f"s:{key}")],
        [InlineKeyboardButton("📋 Copy all", callback_data=f"c:{key}"),
         InlineKeyboardButton("𝕏 Open in X", url=x_intent)],
        *[[InlineKeyboardButton(chat_publish.button_label(d), callback_data=f"t:{key}:{d.id}")]
          for d in dests[:3]],
        [InlineKeyboardButton("⭐ Premium", callback_data="p")],
    ])


async def on_error(update: object, context: Context) -> None:
    """The one error handler: log, then tell the person kindly (no stack traces)."""
    error = context.error
    if isinstance(error, ThreadrError):
        log.info("telegram request failed: %s", error.code)
    else:
        log.error("telegram handler failed", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = chat_texts.error_text(error)
    pending = (context.chat_data or {}).get("working", {})
    working: Message | None = pending.pop(update.update_id, None)
    if update.callback_query is not None and working is None:
        with contextlib.suppress(TelegramError):  # it may have been answered already
            await update.callback_query.answer()
    try:
        if working is not None:
            await working.edit_text(text)
        else:
            await update.effective_chat.send_message(text)
    except TelegramError:
        log.warning("could not deliver an error message to a Telegram chat")

