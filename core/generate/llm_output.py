"""Turning the model's drafts into posts Threadr will emit, whole and while streaming.

Both go through `core.text.finalize_posts` (strip model numbering, drop empty/duplicate
drafts, re-split over-long drafts, apply numbering and link policy), so every post is
≤ 280 weighted and never truncated.

Streaming numbering: the total is unknown until the model stops, so provisional posts are
numbered against the expected count (`PostBounds.target`, what the prompt asked for). When
the model writes more or fewer posts, or a draft is re-split, the final `Thread` carries the
corrected numbering: the returned Thread is authoritative and a surface replaces the
provisional post `i` with the final one.
"""

from __future__ import annotations

from core.generate.base import OnPost
from core.models import MAX_POST_LENGTH, LinkPolicy, Numbering, ThreadOptions
from core.text import finalize_posts, pack_units, weighted_length


class UnusableDrafts(ValueError):
    """Nothing usable, or a post Threadr cannot emit, came out of the drafts."""


def repair(drafts: list[str], options: ThreadOptions, link: str | None, high: int) -> list[str]:
    """Final post texts: finalized, merged down to at most `high` posts when the model overshot."""
    posts = finalize_posts(drafts, options, link)
    if len(posts) > high:
        bare = options.with_(numbering=Numbering.NONE, link=LinkPolicy.NONE)
        bodies = finalize_posts(drafts, bare, None)
        groups = [[bodies[0]], bodies[1:-1], [bodies[-1]]] if len(bodies) > 2 else [bodies]
        posts = pack_units([g for g in groups if g], options, link, max_posts=high)
    if not posts:
        raise UnusableDrafts("no post survived validation")
    if any(weighted_length(p) > MAX_POST_LENGTH for p in posts):
        raise UnusableDrafts("a post is over the limit after repair")
    return posts


class ProvisionalPosts:
    """Feeds `on_post(i, text)` as drafts complete, formatted as Threadr will emit them.

    Drafts not yet written are stood in for by short placeholders, so numbering uses the
    expected total and the link policy lands where it will (first post, or a later one).
    """

    def __init__(
        self, options: ThreadOptions, link: str | None, expected: int, on_post: OnPost
    ) -> None:
        self._options, self._link, self._expected = options, link, expected
        self._on_post = on_post
        self._drafts: list[str] = []
        self._sent: list[str] = []

    async def add(self, draft: str) -> None:
        self._drafts.append(draft)
        missing = max(0, self._expected - len(self._drafts))
        fillers = [f"pending post {_letters(k)}" for k in range(missing)]
        posts = finalize_posts(self._drafts + fillers, self._options, self._link)
        real = posts[: len(posts) - missing] if missing else posts
        for i, text in enumerate(real):
            if i >= len(self._sent):
                self._sent.append(text)
                await self._on_post(i, text)

    @property
    def sent(self) -> list[str]:
        return list(self._sent)


def _letters(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(97 + r) + out
    return out
