"""From text to finished posts: split mode, packing for generators, and LLM drafts.

Every post returned here fits the rules of the platform (``core.text.platforms``; X's
280 weighted characters by default), numbering and link included. The numbering width is reserved for the final count: bodies are cut for an
assumed total (every body leaves room for that total's widest label), and cut again with the
count they produced until it is stable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.models import LinkPolicy, ThreadOptions
from core.text.length import normalize
from core.text.numbering import number_body, numbering_width, strip_numbering, widest_index
from core.text.platforms import Rules, rules_for
from core.text.split import Chunk

MAX_ROUNDS = 50  # counts settle in 1-3 rounds; this only bounds a pathological case


def _finish(body: str, index: int, total: int, options: ThreadOptions,
            link: str | None) -> str:
    text = number_body(body, index, total, options)
    return f"{text}\n{link}" if link else text


class _Layout:
    """Bodies of all chunks for one assumed total, with the link placed by policy."""

    def __init__(self, options: ThreadOptions, link: str | None, reserve_link: bool,
                 rules: Rules) -> None:
        self.options = options
        self.rules = rules
        self.link = link if link and options.link != LinkPolicy.NONE else None
        self.reserve = reserve_link and options.link == LinkPolicy.FIRST and self.link
        self.link_cost = 1 + rules.length(self.link) if self.link else 0

    def _link_on(self, index: int) -> str | None:
        return self.link if self.reserve and index == 1 else None

    def run(self, chunks: Sequence[Chunk], total: int) -> list[tuple[str, str | None]]:
        # every body is cut to fit the widest label of `total`, so a post moved by a link
        # post placed later (or a smaller final count) still fits
        widest = widest_index(total, self.options)
        width = numbering_width(total, self.options)

        def budget(index: int) -> int:
            return self.rules.limit - width - (self.link_cost if self._link_on(index) else 0)

        def fits(index: int, body: str) -> bool:
            text = _finish(body, widest, total, self.options, self._link_on(index))
            return self.rules.fits(text)

        posts: list[tuple[str, str | None]] = []
        for chunk in chunks:
            for body in chunk.bodies(len(posts) + 1, budget, fits):
                posts.append((body, self._link_on(len(posts) + 1)))
        if self.link and not self.reserve:
            self._place_link(posts, total)
        return posts

    def _place_link(self, posts: list[tuple[str, str | None]], total: int) -> None:
        at = 0 if self.options.link == LinkPolicy.FIRST else len(posts) - 1
        if posts:
            body = posts[at][0]
            text = _finish(body, widest_index(total, self.options), total, self.options,
                           self.link)
            if self.rules.fits(text):
                posts[at] = (body, self.link)
                return
        posts.insert(at + 1 if posts else 0, (self.link or "", None))


def layout(chunks: Sequence[Chunk], options: ThreadOptions, link: str | None,
           *, reserve_link: bool, rules: Rules) -> list[str]:
    """Cut, place the link, and number. Bodies are cut for an assumed total; a larger
    count is re-cut with its own (wider) labels, a smaller one re-cut only when its labels
    are narrower; cuts made for a larger total always fit a smaller one."""
    if not chunks:
        return []
    plan = _Layout(options, link, reserve_link, rules)
    total = _estimate(chunks, rules.limit)
    tried: set[int] = set()
    for _ in range(MAX_ROUNDS):
        posts = plan.run(chunks, total)
        count = len(posts)
        tried.add(total)
        narrower = numbering_width(count, options) < numbering_width(total, options)
        if count == total or (count < total and (count in tried or not narrower)):
            break
        total = count if count not in tried else max(total, count) + 1
    count = len(posts)
    return [_finish(body, i, count, options, with_link)
            for i, (body, with_link) in enumerate(posts, 1)]


def _estimate(chunks: Sequence[Chunk], limit: int) -> int:
    """A lower bound of the count, so the smallest stable count is found from below."""
    weight = sum(chunk.prefix[-1] for chunk in chunks)
    return max(len(chunks), 1, weight // limit)


def _rules(options: ThreadOptions, rules: Rules | None) -> Rules:
    return rules or rules_for(options.platform)


def split_into_posts(text: str, options: ThreadOptions, link: str | None = None,
                     *, rules: Rules | None = None) -> list[str]:
    """Split mode: the person's own text, whole and in order, cut into numbered posts.
    `rules` (else the options' platform's) say how long a post may be."""
    rules = _rules(options, rules)
    chunk = Chunk(text, rules)
    return layout([chunk] if chunk.text else [], options, link, reserve_link=True, rules=rules)


def fit_post(text: str, options: ThreadOptions, total: int,
             *, rules: Rules | None = None) -> list[str]:
    """Re-split the body of one post of a `total`-post thread (the editor's Fit): bodies that
    each fit once numbered for the thread's new count; whole text, in order."""
    rules = _rules(options, rules)
    chunk = Chunk(text, rules)
    if not chunk.text:
        return []
    count = max(total, 1)
    for _ in range(MAX_ROUNDS):
        width, widest = numbering_width(count, options), widest_index(count, options)

        def fits(_: int, body: str, n: int = count, at: int = widest) -> bool:
            return rules.fits(number_body(body, at, n, options))

        bodies = chunk.bodies(1, lambda _, w=width: rules.limit - w, fits)
        if total - 1 + len(bodies) <= count:
            return bodies
        count = total - 1 + len(bodies)
    return bodies


def pack_units(groups: Sequence[Sequence[str]], options: ThreadOptions,
               link: str | None = None, *, max_posts: int | None = None,
               rules: Rules | None = None) -> list[str]:
    """Pack sentences into posts; each group starts a new post. Sentences longer than a
    post are cut like split mode. `max_posts` (else options.max_posts) is a soft target:
    over it, groups may share posts; no sentence is ever dropped here."""
    texts = [" ".join(s.strip() for s in group if s.strip()) for group in groups]
    rules = _rules(options, rules)
    chunks = [Chunk(t, rules) for t in texts if t]
    posts = layout(chunks, options, link, reserve_link=True, rules=rules)
    target = max_posts or options.max_posts
    if target and len(posts) > target and len(chunks) > 1:
        merged = Chunk("\n\n".join(c.text for c in chunks), rules)
        shorter = layout([merged], options, link, reserve_link=True, rules=rules)
        posts = shorter if len(shorter) < len(posts) else posts
    return posts


def _dedupe_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def finalize_posts(drafts: Sequence[str], options: ThreadOptions,
                   link: str | None = None, *, rules: Rules | None = None) -> list[str]:
    """LLM drafts → posts: strip the model's numbering, drop empty and duplicate drafts,
    re-split over-long ones at the right boundaries (never truncate), number, add link."""
    rules = _rules(options, rules)
    seen: set[str] = set()
    chunks: list[Chunk] = []
    for draft in drafts:
        body = strip_numbering(normalize(draft or ""))
        key = _dedupe_key(body)
        if body and key not in seen:
            seen.add(key)
            chunks.append(Chunk(body, rules))
    return layout(chunks, options, link, reserve_link=False, rules=rules)
