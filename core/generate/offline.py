"""The offline generator: an extractive, deterministic summarizer that needs no key.

`summarize(article, options)` is the pure core. The thread it makes:
- a hook: the cleaned title (see `core.articles.titles`) and the lead sentence that
  carries the news, "🧵 … 👇" when emoji is on;
- the best-ranked sentences (see `rank`, `select`), lightly compressed (see `compress`),
  in article order, whole sentences packed into posts across paragraph breaks;
- a close: the article's own conclusion when the ranking keeps one, else the link
  ("Full story: URL" in the article's language, see `labels`) when the policy puts it
  last; hashtags when asked (see `plan`).
Datelines, captions and page furniture never reach a post (see `clean`). Length follows
the article (about one post per 900 weighted characters), 1..`options.max_posts or
DEFAULT_MAX_POSTS`. Punchy tone: one sentence per post, long sentences skipped, every
leading filler dropped. The article's language is kept; `options.language` is LLM-only.
"""

from __future__ import annotations

import asyncio
import math

from core.articles.titles import clean_title
from core.errors import EmptyArticle
from core.generate.base import OnPost
from core.generate.labels import language_of
from core.generate.plan import Plan
from core.generate.rank import (
    approx_weight,
    is_boilerplate,
    is_heading,
    rank,
    sentences_of,
    tokenize,
    top_keywords,
)
from core.generate.select import choose, choose_lead
from core.models import (
    DEFAULT_MAX_POSTS,
    Article,
    LinkPolicy,
    Mode,
    Post,
    Source,
    Thread,
    ThreadOptions,
)
from core.text import split_into_posts
from core.text.platforms import rules_for

_CHARS_PER_POST = 900  # article weighted characters per post, before the upper bound
INLINE_CHARS = 6000  # up to ~4 ms of work: generated on the event loop (see OfflineGenerator)


class OfflineGenerator:
    """The default `Generator`: `summarize` (or `split_into_posts` in split mode).

    The work is pure CPU: about 1 ms per 1,500 characters. A long article (tens of ms)
    runs in a worker thread, so the event loop gets the GIL back every switch interval
    (5 ms) meanwhile; a short one runs inline, since a thread would not give the loop
    the GIL any sooner and its hand-offs cost more than they save (~0.1-0.2 ms a call).
    """

    name = "offline"
    cache_key_part = "offline:v6"  # bumped whenever the same article gives another thread
    breaker_state = None  # no LLM behind it

    async def close(self) -> None:
        """Nothing to release."""

    async def generate(
        self, article: Article, options: ThreadOptions, on_post: OnPost | None = None
    ) -> Thread:
        if len(article.text) <= INLINE_CHARS:
            texts = thread_texts(article, options)
        else:
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
    tags = " ".join(f"#{w[:1].upper()}{w[1:]}" for w in top_keywords(ranked, title, options.hashtags))
    target = min(upper, _posts_needed(article.text))
    # the language only names the closing link post ("Full story:"): no guess without one
    language = language_of(article) if link and options.link == LinkPolicy.LAST else None
    plan = Plan(title, options, link, language, candidates, target, tags)
    kept = choose(ranked, choose_lead(ranked), lambda k: plan.count(k) <= target, plan.too_long)
    kept = plan.fill_short(kept, ranked)
    return plan.fit(kept, upper)


def _posts_needed(text: str) -> int:
    """As the article needs: about one post per `_CHARS_PER_POST` of text, at least one."""
    return max(1, math.ceil(approx_weight(text) / _CHARS_PER_POST))


