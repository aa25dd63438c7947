"""Publications: a thread sent to a destination now or at a time (scheduling is premium).

Before anything is queued, every post is checked against the destination's rules; a thread
made for another platform (or a Mastodon instance with a smaller limit) is re-fitted by the
splitter — never truncated. The fitted texts are stored with the publication, so every retry
sends exactly the same posts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.errors import Conflict, InvalidInput, NotFound, PremiumRequired
from core.models import LinkPolicy, Platform, Thread, is_valid_id
from core.publish.models import SCHEDULED, Destination, Publication, Sent
from core.services import Services
from core.text import finalize_posts
from core.text.numbering import label
from core.text.platforms import Rules, rules_for
from core.usecases.destinations import get_destination
from core.usecases.premium import premium_status
from core.usecases.threads import get_thread

NOW_SLACK = timedelta(seconds=1)  # "at" this close to now is "publish now"


def _unnumbered(post: str, index: int, total: int, thread: Thread) -> str:
    """A post without the label Threadr gave it (the link line after a suffix label kept)."""
    tag = label(index, total, thread.options.numbering)
    if not tag:
        return post
    if post.startswith(tag + " "):
        return post[len(tag) + 1:]
    head, sep, last = post.rpartition("\n")
    for body, tail in ((post, ""), (head, sep + last)):
        if body.endswith(" " + tag):
            return body[: -len(tag) - 1] + tail
    return post


def fit_posts(thread: Thread, rules: Rules) -> list[str]:
    """The thread's posts if they all fit `rules`, else re-fitted to them."""
    texts = [p.text for p in thread.posts]
    if all(rules.fits(t) for t in texts):
        return texts
    bodies = [_unnumbered(t, i, len(texts), thread) for i, t in enumerate(texts, 1)]
    options = thread.options.with_(platform=rules.platform, link=LinkPolicy.NONE)
    posts = finalize_posts(bodies, options, None, rules=rules)
    if not posts or not all(rules.fits(p) for p in posts):
        raise InvalidInput(f"This thread cannot be fitted to {rules.name}'s limits.")
    return posts


async def publish_thread(services: Services, user_id: str, thread_id: str,
                         destination_id: str, at: datetime | None = None) -> Publication:
    thread = await get_thread(services, user_id, thread_id)
    dest: Destination = await get_destination(services, user_id, destination_id)
    now = services.clock()
    run_at = now if at is None or at <= now + NOW_SLACK else at
    if run_at > now and not (await premium_status(services, user_id)).active:
        raise PremiumRequired("Scheduling is a Premium feature; publish now instead.")
    posts = fit_posts(thread, rules_for(dest.platform, dest.max_chars))
    pub_id = await services.store.add_publication(
        user_id, thread_id, dest.id, dest.platform.value, SCHEDULED, run_at, posts, now)
    await services.publish_queue.enqueue(pub_id, run_at)
    return await get_publication(services, user_id, pub_id)


def publication_of(row: dict) -> Publication:
    sent = {r["idx"]: Sent(r["remote_id"], r["url"], r["uri"], r["cid"]) if r["remote_id"]
            else None for r in row["sent"]}
    fields = {k: v for k, v in row.items() if k != "sent"}
    fields["platform"] = Platform(fields["platform"])
    return Publication(**fields, sent=sent)


async def get_publication(services: Services, user_id: str, pub_id: str) -> Publication:
    row = await services.store.get_publication(pub_id, user_id) if is_valid_id(pub_id) else None
    if row is None:
        raise NotFound("Publication not found.")
    return publication_of(row)


async def list_publications(services: Services, user_id: str,
                            limit: int = 20) -> list[Publication]:
    ids = await services.store.list_publications(user_id, max(1, min(limit, 100)))
    return [await get_publication(services, user_id, i) for i in ids]


async def cancel_publication(services: Services, user_id: str, pub_id: str) -> Publication:
    """Cancel a scheduled publication; one already publishing or done cannot be."""
    current = await get_publication(services, user_id, pub_id)
    if not await services.store.cancel_publication(user_id, pub_id, services.clock()):
        raise Conflict(f"This publication is {current.status}; only a scheduled one can be "
                       "cancelled.")
    return await get_publication(services, user_id, pub_id)
