"""What the bots say, pure: help, usage, and a kind, specific message for every error.

Shared by Telegram and Discord, so both speak alike; no markup (each bot sends these as plain
text).
"""

from __future__ import annotations

from datetime import datetime

from core.errors import (
    BillingNotConfigured,
    BlockedUrl,
    EmptyArticle,
    FetchFailed,
    InvalidLinkCode,
    PayloadTooLarge,
    Paywalled,
    QuotaExceeded,
    RateLimited,
    ThreadrError,
    UnsupportedContent,
)
from core.models import Usage

COMMANDS: tuple[tuple[str, str], ...] = (
    ("thread", "Make a thread from a link or text"),
    ("split", "Split your own text into posts, every word kept"),
    ("usage", "How many threads you have left today"),
    ("premium", "Get premium: more threads, longer threads"),
    ("link", "Join this chat to your web account"),
    ("help", "How to use Threadr"),
    ("start", "Start"),
)

HELP_TEXT = (
    "Send me a link to an article (or paste or forward its text) and I will turn it into a "
    "ready-to-post X thread.\n\n"
    "/thread <link or text> - make a thread (a summary)\n"
    "/split <text> - cut your own text into posts, every word kept\n"
    "/usage - threads left today\n"
    "/premium - upgrade for more and longer threads\n"
    "/link - get a code to join this chat to your web account; "
    "/link CODE - join a code made elsewhere to this account\n"
    "/help - this help\n\n"
    "Under each thread: Regenerate, Shorter, Copy all, Open in X."
)
START_TEXT = "Hi! I am Threadr: articles in, X threads out.\n\n" + HELP_TEXT
NOT_UNDERSTOOD = (
    "Send me a link to an article, or paste at least a few sentences of text. "
    "/help shows everything I can do."
)
WORKING_TEXT = "Working on your thread…"
EXPIRED_TEXT = "That thread is no longer in my memory. Send the link or text again."
GENERIC_ERROR = "Sorry, something went wrong on my side. Please try again in a moment."


def usage_text(usage: Usage) -> str:
    plan = "Premium" if usage.plan == "premium" else "Free plan"
    lines = [f"{plan}: {usage.used} of {usage.limit} threads used today, "
             f"{usage.remaining} left.", f"Resets at {_when(usage.resets_at)}."]
    if usage.premium_until:
        lines.append(f"Premium until {usage.premium_until:%Y-%m-%d %H:%M} UTC.")
    else:
        lines.append("/premium for more threads a day.")
    return "\n".join(lines)


def error_text(error: BaseException) -> str:
    """What to tell the person about a failure: kind, specific, never a stack trace."""
    if isinstance(error, QuotaExceeded):
        return quota_text(error)
    if isinstance(error, RateLimited):
        return f"Easy there! Too many threads at once. Try again in {error.retry_after} s."
    if isinstance(error, Paywalled):
        return ("That page is behind a paywall or a sign-in, so I cannot read it. Open it in "
                "your browser and use the Threadr browser extension, which reads the page as "
                "you see it, or paste the article text here.")
    if isinstance(error, BlockedUrl):
        return "I cannot fetch that address (only public http/https pages). Check the link."
    if isinstance(error, EmptyArticle | UnsupportedContent):
        return (f"{error.message} Try another link, or paste the article text here.")
    if isinstance(error, FetchFailed):
        return f"{error.message} The site may be down or slow; try again or paste the text."
    if isinstance(error, PayloadTooLarge):
        return f"That is too long for one thread. {error.message}"
    if isinstance(error, InvalidLinkCode):
        return "That code is invalid or has expired. Make a new one with /link."
    if isinstance(error, BillingNotConfigured):
        return BILLING_OFF_TEXT
    if isinstance(error, ThreadrError):
        return error.message
    return GENERIC_ERROR


def quota_text(error: QuotaExceeded) -> str:
    """One reset time (UTC, with how long until then); an upgrade link only when billing is on
    and the link is absolute (PUBLIC_URL set)."""
    resets = _parse(error.resets_at)
    hours = max(1, round(error.retry_after / 3600))
    when = f"{_when(resets)} (in {hours} h)" if resets else f"in {hours} h"
    text = f"{error.message} It resets at {when}."
    if error.upgrade_url and "://" in error.upgrade_url:
        text += f"\nWant more now? Upgrade to premium: {error.upgrade_url} (or /premium)."
    return text


BILLING_OFF_TEXT = "Premium is not available here yet: billing is not configured."


def premium_text(checkout_url: str) -> str:
    return f"Premium: more threads a day and longer threads, on every surface.\n{checkout_url}"


def already_premium_text(until: datetime) -> str:
    return f"You are premium until {until:%Y-%m-%d %H:%M} UTC. Thank you!"


def link_code_text(code: str, public_url: str) -> str:
    return (f"Your link code: {code}\n"
            f"Enter it on your Threadr account page ({public_url.rstrip('/')}/#account) within "
            f"10 minutes, or send /link {code} to the other Threadr bot. Your quota and premium "
            "will then be shared.")


def linked_text(platform: str) -> str:
    return f"Done: your {platform.capitalize()} account now shares this account's quota and premium."


def _parse(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _when(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"
