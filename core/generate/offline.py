"""The offline generator: an extractive, deterministic summarizer that needs no key.

`summarize(article, options)` is the pure core. The thread it makes:
- a hook: the cleaned title (see `core.articles.titles`) and the lead sentence that
  carries the news, "🧵 … 👇" when emoji is on;
- the best-ranked sentences (see `rank`, `select`), lightly compressed (see `compress`),
  in article order, whole sentences packed into posts across paragraph breaks;
- a close: the article's own conclusion when the ranking keeps one, else the link
  ("Full story: URL" in the article's language, see `labels`) when the policy puts it
  last; hashtags when asked and they fit.
Datelines, captions and page furniture never reach a post (see `clean`). Length follows
the article (about one post per 900 weighted characters), 1..`options.max_posts or
DEFAULT_MAX_POSTS`. Punchy tone: one sentence per post, long sentences skipped, every
leading filler dropped. The article's language is kept; `options.language` is LLM-only.
"""

from __future__ import annotations

import asyncio
import math

import regex

from core.articles.titles import clean_title
from core.errors import EmptyArticle
from core.generate.base import OnPost
from core.generate.compress import compress
from core.generate.labels import full_story, language_of
from core.generate.rank import (
    Ranked,
    approx_weight,
    is_boilerplate,
    is_heading,
    rank,
    sentences_of,
    tokenize,
    top_keywords,
)
from core.generate.select import choose, choose_lead, pack
from core.models import (
    DEFAULT_MAX_POSTS,
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
from core.text import numbering_width, pack_units, split_into_posts
from core.text.platforms import rules_for

_WIDE_STOPS = "。！？｡」』）"
_CHARS_PER_POST = 900  # article weighted characters per post, before the upper bound


class OfflineGenerator:
    """The default `Generator`: `summarize` (or `split_into_posts` in split mode).

    The work is pure CPU (tens of ms for a long article); it runs in a worker thread so
    the event loop keeps serving other requests meanwhile.
    """

    name = "offline"
    cache_key_part = "offline:v2"

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
    """Hook, key sentences in article order, close; every post within the platform's limit.

    Raises `EmptyArticle` when the text has no usable sentence.
    """
    sentences = sentences_of(article.text)
    usable = [s for s in sentences if not s.caption and not is_boilerplate(s.text)]
    candidates = [s for s in usable if not is_heading(s.text)]
    candidates = candidates or [s for s in usable if tokenize(s.text)]  # notes, no stops
    if not candidates:
        raise EmptyArticle()
    title = clean_title(article.title, article.site_name) or ""
    ranked = rank(candidates, title)
    link = Source.from_article(article).link
    upper = max(1, options.max_posts or DEFAULT_MAX_POSTS)
    plan = _Plan(title, options, link, language_of(article), candidates[-1].index)
    target = min(upper, _posts_needed(article.text))
    kept = choose(ranked, choose_lead(ranked), lambda k: plan.count(k) <= target, plan.too_long)
    posts = plan.fit(kept, upper)
    return _with_hashtags(posts, plan, kept, ranked, options, upper)


class _Plan:
    """How kept sentences become posts: the hook (title + lead), whole sentences packed
    in article order, and the close (the article's own conclusion, else the link)."""

    def __init__(self, title, options: ThreadOptions, link, language, last_index) -> None:
        self.title, self.options, self.link, self.language = title, options, link, language
        self.last_index = last_index  # the index of the article's last candidate sentence
        self.punchy = options.tone == Tone.PUNCHY
        self.length = rules_for(options.platform).length
        width = numbering_width(max(options.max_posts or DEFAULT_MAX_POSTS, 9) + 1, options)
        self.room = rules_for(options.platform).limit - width - 1
        first_link = link and options.link == LinkPolicy.FIRST
        self.first_room = self.room - (1 + self.length(link) if first_link else 0)
        self.first_room -= 6 if options.emoji else 0  # "🧵 " and " 👇"
        self._texts: dict[int, str] = {}
        self._weights: dict[str, int] = {}

    def weight(self, text: str) -> int:
        if text not in self._weights:
            self._weights[text] = self.length(text)
        return self._weights[text]

    def too_long(self, r: Ranked) -> bool:
        return self.weight(self._text(r, False)) > (200 if self.punchy else self.room)

    def _text(self, r: Ranked, follows: bool) -> str:
        key = r.sentence.index * 2 + follows
        if key not in self._texts:
            self._texts[key] = compress(r.sentence.text, follows, aggressive=self.punchy)
        return self._texts[key]

    def _units(self, kept: list[Ranked]) -> tuple[list[str], list[int], list[bool]]:
        """Hook and sentence texts, their weights, and which must open a post."""
        indexes = {r.sentence.index for r in kept}
        texts = [self._text(r, r.sentence.index - 1 in indexes) for r in kept]
        hook = "\n\n".join(t for t in (self.title, texts[0] if texts else "") if t)
        if texts and self.title and self.weight(hook) > self.first_room:
            hook = self.title  # the lead does not fit beside the title: it opens post 2
        else:
            texts = texts[1:]
        if self.options.emoji:
            hook = f"{'' if self.options.numbering == Numbering.THREAD else '🧵 '}{hook} 👇"
        units = [hook, *texts]
        # punchy: a sentence per post; emoji: the marked hook stands alone
        breaks = [self.punchy or (i == 1 and self.options.emoji) for i in range(len(units))]
        return units, [self.weight(u) for u in units], breaks

    def _room(self, index: int) -> int:
        return self.first_room if index == 0 else self.room

    def _link_post(self, kept: list[Ranked]) -> bool:
        """A closing "Full story: URL" post: the link goes last and no conclusion is kept."""
        return bool(self.link) and self.options.link == LinkPolicy.LAST and not self._concludes(kept)

    def groups(self, kept: list[Ranked]) -> list[list[str]]:
        """The post bodies (one group per post) before numbering and link."""
        units, weights, breaks = self._units(kept)
        groups = [[_join([units[i] for i in post])] for post in pack(weights, self._room, breaks)]
        if self._link_post(kept):
            groups.append([full_story(self.link, self.language)])
        return groups

    def count(self, kept: list[Ranked]) -> int:
        _, weights, breaks = self._units(kept)
        return len(pack(weights, self._room, breaks)) + self._link_post(kept)

    def _concludes(self, kept: list[Ranked]) -> bool:
        """The ranking kept a sentence from the article's closing part."""
        return bool(kept) and kept[-1].sentence.index >= 0.75 * self.last_index

    def link_for_packing(self, groups: list[list[str]]) -> str | None:
        closing = groups[-1][-1] if groups else ""
        return None if self.link and closing.endswith(self.link) else self.link

    def fit(self, kept: list[Ranked], upper: int) -> list[str]:
        """Numbered posts, dropping the weakest body sentence while over `upper`."""
        while True:
            groups = self.groups(kept)
            posts = pack_units(groups, self.options, self.link_for_packing(groups), max_posts=upper)
            if len(posts) <= upper or len(kept) <= 1:
                break
            kept = [r for r in kept if r is not min(kept[1:], key=lambda r: (r.score, -r.sentence.index))]
        if len(posts) > upper:  # the hook alone is too long for the posts allowed
            posts = _shortened_hook(groups[0][0], self.options, self.link, upper)
        self.final_groups = groups
        return posts


def _posts_needed(text: str) -> int:
    """As the article needs: about one post per `_CHARS_PER_POST` of text, at least one."""
    return max(1, math.ceil(approx_weight(text) / _CHARS_PER_POST))


def _shortened_hook(hook: str, options: ThreadOptions, link: str | None, upper: int) -> list[str]:
    """The hook alone, shortened (at a space, never inside a grapheme) until it fits."""
    posts = pack_units([[hook]], options, link, max_posts=upper)
    for _ in range(30):
        if len(posts) <= upper:
            break
        graphemes = regex.findall(r"\X", hook.rstrip(" …"))
        cut = "".join(graphemes[: max(1, len(graphemes) * 9 // 10)])
        hook = (cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut).rstrip() + "…"
        posts = pack_units([[hook]], options, link, max_posts=upper)
    return posts


def _join(sentences: list[str]) -> str:
    """Sentences of one post: a space between them, none after a CJK full stop; the
    hook keeps its own lines."""
    out = sentences[0]
    for sentence in sentences[1:]:
        out += sentence if out[-1] in _WIDE_STOPS else " " + sentence
    return out


def _with_hashtags(posts, plan: _Plan, kept, ranked, options, upper) -> list[str]:
    """Hashtags go at the end of the last post only if they fit without a new post."""
    tags = ["#" + w[:1].upper() + w[1:] for w in top_keywords(ranked, plan.title, options.hashtags)]
    groups = plan.final_groups
    while tags:
        tagged = [*groups[:-1], [*groups[-1][:-1], f"{groups[-1][-1]}\n\n{' '.join(tags)}"]]
        with_tags = pack_units(tagged, options, plan.link_for_packing(groups), max_posts=upper)
        if len(with_tags) == len(posts):
            return with_tags
        tags.pop()
    return posts
