"""Filling the versioned thread prompt: post-count bounds, options, trimmed article. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.generate.prompts import Prompt
from core.models import DEFAULT_MAX_POSTS, MIN_SUMMARY_POSTS, Article, ThreadOptions

# Characters per post asked of the model: room for numbering ("12/12 ") and a little slack.
# Threadr re-splits anything longer, so this is advice, not the rule.
POST_CHARS = 250
_TONES = {
    "neutral": "neutral and clear",
    "casual": "casual and friendly",
    "professional": "professional and precise",
    "punchy": "punchy: short, strong sentences",
    "educational": "educational: explain terms a newcomer would not know",
}


@dataclass(frozen=True)
class PostBounds:
    """How many posts the model is asked for (`target`) and the range Threadr accepts."""

    target: int
    low: int
    high: int


def post_bounds(article: Article, options: ThreadOptions) -> PostBounds:
    """`options.max_posts` when set; otherwise as the article needs: 3..12 by length."""
    if options.max_posts:
        high = options.max_posts
        return PostBounds(high, min(MIN_SUMMARY_POSTS, high), high)
    words = len(article.text.split())
    target = max(MIN_SUMMARY_POSTS, min(DEFAULT_MAX_POSTS, 2 + words // 180))
    return PostBounds(target, MIN_SUMMARY_POSTS, DEFAULT_MAX_POSTS)


def estimate_tokens(text: str) -> int:
    """Cheap token estimate: ~4 ASCII characters per token, ~1 token per other character."""
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return (len(text) - non_ascii) // 4 + non_ascii + 1


def trim_to_tokens(text: str, max_tokens: int) -> str:
    """The article cut to about `max_tokens`, at a paragraph or sentence end when possible."""
    if estimate_tokens(text) <= max_tokens:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix within the budget
        mid = (lo + hi + 1) // 2
        if estimate_tokens(text[:mid]) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    for boundary in ("\n\n", "\n", ". ", "。", "! ", "? "):
        at = cut.rfind(boundary)
        if at > lo // 2:
            return cut[: at + len(boundary)].rstrip()
    return cut.rstrip()


def build_messages(
    prompt: Prompt, article: Article, options: ThreadOptions, bounds: PostBounds,
    max_input_tokens: int,
) -> list[dict]:
    """The chat messages: system rules (options, output contract) and the user's article.
    The system message depends on the options only: one shared string per combination, not a
    copy per request (held streams keep their messages until the model's answer ends)."""
    system = _system(prompt, bounds, str(options.tone), options.hashtags, options.emoji,
                     options.language or article.language)
    values = {"target_posts": bounds.target, "min_posts": bounds.low,
              "max_posts": bounds.high, "post_chars": POST_CHARS, "tone": "", "hashtags": "",
              "emoji": "", "language": "", "metadata": _metadata(article)}
    _, user_frame = prompt.render(**values, article="")
    budget = max(200, max_input_tokens - estimate_tokens(system + user_frame))
    _, user = prompt.render(**values, article=trim_to_tokens(article.text.strip(), budget))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


@lru_cache(maxsize=1024)
def _system(prompt: Prompt, bounds: PostBounds, tone: str, hashtags: int, emoji: bool,
            language: str | None) -> str:
    if "{{metadata}}" in prompt.system or "{{article}}" in prompt.system:
        raise ValueError(f"{prompt.id}: the system message must not depend on the article")
    system, _ = prompt.render(
        target_posts=bounds.target, min_posts=bounds.low, max_posts=bounds.high,
        post_chars=POST_CHARS, tone=_TONES.get(tone, tone), hashtags=_hashtags(hashtags),
        emoji=_emoji(emoji), language=_language(language), metadata="", article="",
    )
    return system


def _metadata(article: Article) -> str:
    fields = (("Title", article.title), ("Author", article.author),
              ("Site", article.site_name), ("Published", article.published))
    lines = [f"{name}: {value}" for name, value in fields if value]
    return "\n".join(lines) or "(no title)"


def _hashtags(n: int) -> str:
    if n <= 0:
        return "none"
    return f"add {n} relevant hashtag{'s' if n > 1 else ''} at the end of the last post only"


def _emoji(on: bool) -> str:
    return "a few where they help (at most one per post)" if on else "none"


def _language(code: str | None) -> str:
    if not code:
        return "the same language as the article"
    return f"the language with BCP 47 code '{code}'"
