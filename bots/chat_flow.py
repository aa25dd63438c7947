"""The steps both bots take, over the core use cases: who is asking, make a thread, usage,
premium, link codes, and remembering a thread for its buttons.

Each function takes the `Services` and a chat identity (platform + the platform's user id);
the bot handlers only parse, call one of these, and render the answer.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace

from bots import chat, chat_texts
from core.errors import BillingNotConfigured
from core.models import Caller, Thread, ThreadOptions, ThreadRequest, Tone
from core.services import Services
from core.usecases import accounts
from core.usecases.billing import create_checkout
from core.usecases.threads import generate_thread

# How long the buttons under a thread keep working (its request is kept this long).
REMEMBER_SECONDS = 2 * 86_400
_TONES = list(Tone)


@dataclass(frozen=True, slots=True)
class Remembered:
    request: ThreadRequest
    posts: tuple[str, ...]  # the texts as sent, for "Copy all"
    thread_id: str | None = None  # the saved thread, for "Post to …"


async def caller_for(services: Services, platform: str, external_id: str | int) -> Caller:
    """The caller behind a chat user: their account (created on first use, or the web account
    the identity was linked to), so quota and premium follow the account everywhere."""
    user_id = await accounts.identity_user(services, platform, str(external_id))
    return Caller(platform=platform, user_id=user_id)


async def make_thread(
    services: Services, platform: str, external_id: str | int, request: ThreadRequest,
    chat_id: str | int | None = None,
) -> Thread:
    """Generate a thread for a chat user (quota charged to their account; burst-limited per
    chat user and per chat)."""
    caller = await caller_for(services, platform, external_id)
    caller = replace(caller, identity=str(external_id),
                     chat=None if chat_id is None else str(chat_id))
    return await generate_thread(services, caller, request)


async def usage_text(services: Services, platform: str, external_id: str | int) -> str:
    caller = await caller_for(services, platform, external_id)
    usage = await accounts.usage(services, caller.quota_key, caller.user_id)
    return chat_texts.usage_text(usage)


async def premium_answer(
    services: Services, platform: str, external_id: str | int
) -> tuple[str, str | None]:
    """(text, checkout URL or None). Already premium, or billing off, → text only."""
    caller = await caller_for(services, platform, external_id)
    premium = await accounts.premium_status(services, caller.user_id)
    if premium.active:
        return chat_texts.already_premium_text(premium.until), None
    try:
        url = await create_checkout(services, caller.user_id)
    except BillingNotConfigured:
        return chat_texts.BILLING_OFF_TEXT, None
    return chat_texts.premium_text(url), url


async def link_answer(
    services: Services, platform: str, external_id: str | int, code: str = ""
) -> str:
    """`/link` → a new one-time code for this identity; `/link CODE` → join the identity the
    code was made for (in the other bot) to this chat's account."""
    if not code.strip():
        new_code = await accounts.create_link_code(services, platform, str(external_id))
        return chat_texts.link_code_text(new_code, services.settings.public_origin())
    caller = await caller_for(services, platform, external_id)
    other_platform, _ = await accounts.redeem_link_code(services, caller.user_id, code.strip())
    return chat_texts.linked_text(other_platform)


async def remember(services: Services, platform: str, request: ThreadRequest,
                   thread: Thread) -> str:
    """Keep what the buttons under `thread` need; returns a short key for their data."""
    key = secrets.token_urlsafe(8)
    payload = {
        "url": request.url, "text": request.text, "options": request.options.as_dict(),
        "posts": [p.text for p in thread.posts], "thread_id": thread.id,
    }
    await services.cache.cache_set(_key(platform, key), json.dumps(payload).encode(),
                                      REMEMBER_SECONDS)
    return key


async def recall(services: Services, platform: str, key: str) -> Remembered | None:
    raw = await services.cache.cache_get(_key(platform, key))
    if raw is None:
        return None
    data = json.loads(raw)
    request = ThreadRequest(url=data["url"], text=data["text"],
                            options=ThreadOptions.from_dict(data["options"]))
    return Remembered(request, tuple(data["posts"]), data.get("thread_id"))


def regenerate_request(remembered: Remembered) -> ThreadRequest:
    """A fresh take on the same source: the next tone, so it is a new thread, not the cache."""
    options = remembered.request.options
    tone = _TONES[(_TONES.index(options.tone) + 1) % len(_TONES)]
    return _with_options(remembered.request, options.with_(tone=tone))


def shorter_request(remembered: Remembered) -> ThreadRequest:
    options = chat.shorter_options(remembered.request.options, len(remembered.posts))
    return _with_options(remembered.request, options)


def _with_options(request: ThreadRequest, options: ThreadOptions) -> ThreadRequest:
    return ThreadRequest(url=request.url, html=request.html, text=request.text, options=options)


def _key(platform: str, key: str) -> str:
    return f"bot:{platform}:{key}"
