"""Turning the model's drafts into posts Threadr will emit, whole and while streaming.

Both go through `core.text.finalize_posts` (strip model numbering, drop empty/duplicate
drafts, re-split over-long drafts, apply numbering and link policy), so every post is
within the platform's limit (280 weighted on X) and never truncated.

Streaming numbering: the total is unknown until the model stops, so provisional posts are
numbered against the expected count (`PostBounds.target`, what the prompt asked for). When
the model writes more or fewer posts, or a draft is re-split, the final `Thread` carries the
corrected numbering: the returned Thread is authoritative and a surface replaces the
provisional post `i` with the final one.
"""

from __future__ import annotations

from core.generate.base import OnPost
from core.models import LinkPolicy, ThreadOptions
from core.text import finalize_posts, numbering_width, pack_units, strip_numbering
from core.text.platforms import rules_for

_JOIN = "\n\n"  # two of the model's points merged into one post stay two paragraphs


class UnusableDrafts(ValueError):
    """Nothing usable, or a post Threadr cannot emit, came out of the drafts."""


def repair(drafts: list[str], options: ThreadOptions, link: str | None, high: int) -> list[str]:
    """Final post texts, at most `high` of them when it can be done without cutting a post:
    adjacent points are merged first; if the model wrote more than fits, its last body
    points are dropped whole (hook and closing kept). Nothing is truncated."""
    drafts = list(drafts)
    posts, bodies = _fit(drafts, options, link, high)
    while len(posts) > high and len(drafts) > 2:
        del drafts[-2]
        posts, bodies = _fit(drafts, options, link, high)
    if len(posts) > high:  # one or two drafts too long for `high` posts: let the packer try
        posts = pack_units([bodies], options, link, max_posts=high)
    if not posts:
        raise UnusableDrafts("no post survived validation")
    rules = rules_for(options.platform)
    if not all(rules.fits(p) for p in posts):
        raise UnusableDrafts("a post is over the limit after repair")
    return posts


def _fit(drafts: list[str], options: ThreadOptions, link: str | None, high: int):
    """(posts, their unnumbered bodies): finalized, adjacent ones merged when over `high`."""
    posts = finalize_posts(drafts, options, link)
    if len(posts) <= high:
        return posts, drafts
    # Bodies cut with the numbering width reserved, then unnumbered for merging.
    split = finalize_posts(drafts, options.with_(link=LinkPolicy.NONE), None)
    bodies = _merge_adjacent([strip_numbering(p) for p in split], high, options, link)
    return finalize_posts(bodies, options, link), bodies


def _merge_adjacent(
    bodies: list[str], high: int, options: ThreadOptions, link: str | None
) -> list[str]:
    """Join the shortest adjacent pair, again and again, while it fits one post and there
    are more than `high` posts. The hook and the points keep their order."""
    rules = rules_for(options.platform)
    room = rules.limit - numbering_width(high, options)
    if link and options.link != LinkPolicy.NONE:
        room -= rules.length(link) + 1
    bodies = list(bodies)
    while len(bodies) > high:
        size, i = min(
            (rules.length(bodies[i] + _JOIN + bodies[i + 1]), i)
            for i in range(len(bodies) - 1)
        )
        if size > room:
            break
        bodies[i:i + 2] = [bodies[i] + _JOIN + bodies[i + 1]]
    return bodies


class ProvisionalPosts:
    """Feeds `on_post(i, text)` as drafts complete, formatted as Threadr will emit them.

    Drafts not yet written are stood in for by short placeholders, so numbering uses the
    expected total and the link policy lands where it will (first post, or a later one).
    """

    __slots__ = ("_options", "_link", "_expected", "_on_post", "_drafts", "_sent")  # one a stream

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


def _letters(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(97 + r) + out
    return out
