"""The offline generator: an extractive, deterministic summarizer that needs no key.

`summarize(article, options)` is the pure core. The thread it makes:
- a hook: the title and the lead sentence (why it matters), "🧵 … 👇" when emoji is on;
- body posts: the best-ranked sentences (see `rank`), lightly compressed (see `compress`),
  in article order, one group per paragraph so a post carries one point;
- a closing post: the best sentence from the article's last part as the takeaway
  ("💡" when emoji is on; an English label for English articles), hashtags when asked
  and they fit, and the link where `options.link` says (placed by `pack_units`).
Posts: as the article needs, 3..`options.max_posts or DEFAULT_MAX_POSTS` (a short article
may give fewer). Tone, offline: punchy → fewer and shorter points, one sentence per post,
every leading filler dropped; other tones change only the takeaway's English label.
The article's language is kept; `options.language` (translation) is LLM-only.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass

import regex

from core.errors import EmptyArticle
from core.generate.base import OnPost
from core.generate.compress import compress
from core.generate.rank import (
    Ranked,
    approx_weight,
    choose_body,
    choose_lead,
    choose_takeaway,
    group_body,
    is_boilerplate,
    is_heading,
    rank,
    sentences_of,
    tokenize,
    top_keywords,
)
from core.models import (
    DEFAULT_MAX_POSTS,
    MIN_SUMMARY_POSTS,
    Article,
    LinkPolicy,
    Mode,
    Numbering,
    Post,
    Source,
    Thread,
    ThreadOptions,
    Tone,
)
from core.text import pack_units, split_into_posts
from core.text.platforms import rules_for

_LABELS = {
    Tone.NEUTRAL: "Takeaway: ",
    Tone.CASUAL: "TL;DR: ",
    Tone.PROFESSIONAL: "Key takeaway: ",
    Tone.PUNCHY: "Bottom line: ",
    Tone.EDUCATIONAL: "What to remember: ",
}
_ENGLISH_HINT = re.compile(r"\b(?:the|and|of|is|to|in|that)\b", re.IGNORECASE)
_WIDE_STOPS = "。！？｡」』）"
_CHARS_PER_BODY_POST = 900  # article weighted characters per body post, before the upper bound


class OfflineGenerator:
    """The default `Generator`: `summarize` (or `split_into_posts` in split mode).

    The work is pure CPU (tens of ms for a long article); it runs in a worker thread so
    the event loop keeps serving other requests meanwhile.
    """

    name = "offline"
    cache_key_part = "offline:v1"

    async def generate(
        self, article: Article, options: ThreadOptions, on_post: OnPost | None = None
    ) -> Thread:
        texts = await asyncio.to_thread(thread_texts, article, options)
        length = rules_for(options.platform).length
        posts = tuple(Post(text, length(text)) for text in texts)
        if on_post is not None:
            for i, text in enumerate(texts):
                await on_post(i, text)
        source = Source.from_article(article)
        return Thread(posts=posts, generator=self.name, source=source, options=options)


def thread_texts(article: Article, options: ThreadOptions) -> list[str]:
    """The post texts for either mode: summarized, or the text itself split into posts."""
    if options.mode == Mode.SPLIT:
        if not article.text.strip():
            raise EmptyArticle()
        return split_into_posts(article.text, options, Source.from_article(article).link)
    return summarize(article, options)


def summarize(article: Article, options: ThreadOptions) -> list[str]:
    """Hook, key sentences in article order, takeaway; every post within the platform's limit, numbered, linked.

    Raises `EmptyArticle` when the text has no usable sentence.
    """
    sentences = [s for s in sentences_of(article.text) if not is_boilerplate(s.text)]
    candidates = [s for s in sentences if not is_heading(s.text)]
    candidates = candidates or [s for s in sentences if tokenize(s.text)]  # notes, no stops
    if not candidates:
        raise EmptyArticle()
    ranked = rank(candidates, article.title)
    link = Source.from_article(article).link
    upper = max(1, options.max_posts or DEFAULT_MAX_POSTS)
    punchy = options.tone == Tone.PUNCHY
    title = (article.title or "").strip()
    room = _hook_room(options, link, title)
    length = rules_for(options.platform).length
    lead = choose_lead(ranked, title, lambda r: length(compress(r.sentence.text)) <= room)
    takeaway = choose_takeaway(ranked, exclude=lead) if upper > 1 else None
    body_posts = _body_target(article.text, upper, punchy)
    body = choose_body(ranked, body_posts, exclude=(lead, takeaway), punchy=punchy)
    plan = _Plan(title, lead, body, takeaway, options, _is_english(article))
    groups, posts = _fit(plan, link, upper)
    return _with_hashtags(posts, groups, ranked, article.title, options, link, upper)


@dataclass(slots=True)
class _Plan:
    """What the thread will say; `shrink` drops the least important part."""

    title: str
    lead: Ranked | None
    body: list[Ranked]
    takeaway: Ranked | None
    options: ThreadOptions
    english: bool

    def groups(self) -> list[list[str]]:
        punchy = self.options.tone == Tone.PUNCHY
        kept = {r.sentence.index for r in self.body}
        kept |= {self.lead.sentence.index} if self.lead else set()
        groups = [[_hook(self.title, self.lead, self.options)]]
        for group in group_body(self.body, punchy):
            texts = [
                compress(r.sentence.text, r.sentence.index - 1 in kept, aggressive=punchy)
                for r in group
            ]
            groups.append([_join(texts)])
        if self.takeaway is not None:
            groups.append([_closing(self.takeaway, self.options, self.english)])
        return groups

    def shrink(self) -> bool:
        if self.body:
            self.body.remove(min(self.body, key=lambda r: (r.score, -r.sentence.index)))
        elif self.takeaway is not None:
            self.takeaway = None
        elif self.lead is not None and self.title:
            self.lead = None
        else:
            return False
        return True


def _fit(plan: _Plan, link: str | None, upper: int) -> tuple[list[list[str]], list[str]]:
    """Pack the plan, shrinking it until it gives at most `upper` posts."""
    while True:
        groups = plan.groups()
        posts = pack_units(groups, plan.options, link, max_posts=upper)
        if len(posts) <= upper or not plan.shrink():
            break
    if len(posts) > upper:  # the hook alone is too long for the posts allowed: keep its start
        bare = plan.options.with_(numbering=Numbering.NONE, link=LinkPolicy.NONE)
        hook = pack_units(groups[:1], bare, None)[0]
        for _ in range(30):
            groups = [[hook]]
            posts = pack_units(groups, plan.options, link, max_posts=upper)
            if len(posts) <= upper:
                break
            hook = _shorten(hook)
    return groups, posts


def _shorten(text: str) -> str:
    """About 90% of `text`, cut at a space when there is one, never inside a grapheme."""
    graphemes = regex.findall(r"\X", text.rstrip(" …"))
    cut = "".join(graphemes[: max(1, len(graphemes) * 9 // 10)])
    return (cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut).rstrip() + "…"


def _body_target(text: str, upper: int, punchy: bool) -> int:
    wanted = max(MIN_SUMMARY_POSTS, 2 + math.ceil(approx_weight(text) / _CHARS_PER_BODY_POST))
    wanted = min(upper, wanted) - 2
    return max(0, wanted - 1 if punchy and wanted > 2 else wanted)


def _hook_room(options: ThreadOptions, link: str | None, title: str) -> int:
    """Weighted room for the lead next to the title in the first post."""
    rules = rules_for(options.platform)
    link_cost = rules.length(link) + 2 if link and options.link == LinkPolicy.FIRST else 0
    room = rules.limit - 12 - link_cost - (6 if options.emoji else 0)
    return room - (rules.length(title) + 2 if title else 0)


def _hook(title: str, lead: Ranked | None, options: ThreadOptions) -> str:
    lead_text = compress(lead.sentence.text) if lead else ""
    text = "\n\n".join(part for part in (title, lead_text) if part)
    if options.emoji:
        prefix = "" if options.numbering == Numbering.THREAD else "🧵 "
        text = f"{prefix}{text} 👇"
    return text


def _closing(takeaway: Ranked | None, options: ThreadOptions, english: bool) -> str:
    if takeaway is None:
        return ""
    label = _LABELS[options.tone] if english else ""
    emoji = "💡 " if options.emoji else ""
    return f"{emoji}{label}{compress(takeaway.sentence.text, aggressive=True)}"


def _join(sentences: list[str]) -> str:
    """One paragraph again: a space between sentences, none after a CJK full stop."""
    out = sentences[0]
    for sentence in sentences[1:]:
        out += sentence if out[-1] in _WIDE_STOPS else " " + sentence
    return out


def _with_hashtags(posts, groups, ranked, title, options, link, upper) -> list[str]:
    """Hashtags go at the end of the last post only if they fit without a new post."""
    tags = ["#" + w[:1].upper() + w[1:] for w in top_keywords(ranked, title, options.hashtags)]
    while tags:
        tagged = [*groups[:-1], [*groups[-1][:-1], f"{groups[-1][-1]}\n\n{' '.join(tags)}"]]
        with_tags = pack_units(tagged, options, link, max_posts=upper)
        if len(with_tags) == len(posts):
            return with_tags
        tags.pop()
    return posts


def _is_english(article: Article) -> bool:
    if article.language:
        return article.language.lower().startswith("en")
    return len(_ENGLISH_HINT.findall(article.text[:3000])) >= 5
