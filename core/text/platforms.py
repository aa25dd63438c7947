"""Length rules of each network a thread can be made for.

- ``x``: twitter-text v3 weighted length, 280 (``core.text.length``).
- ``bluesky``: the lexicon of ``app.bsky.feed.post``: at most 300 grapheme clusters (UAX #29,
  the grapheme clusters of ``core.text.graphemes``) and 3000 UTF-8 bytes; the text counts as written (URLs in full).
- ``mastodon``: Mastodon's ``StatusLengthValidator``: grapheme clusters, where every URL with a
  scheme counts 23 and a remote mention ``@user@domain`` counts as ``@user``; 500 by default or
  the instance's ``configuration.statuses.max_characters``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from core.models import MAX_POST_LENGTH, Platform
from core.text.graphemes import grapheme_count, grapheme_spans
from core.text.length import EMOJI_LENGTH, HEAVY_RUNS, URL_LENGTH, emoji_spans, weighted_length
from core.text.urls import find_urls

BLUESKY_MAX_GRAPHEMES = 300
BLUESKY_MAX_BYTES = 3000
MASTODON_MAX_CHARACTERS = 500
MASTODON_URL_LENGTH = 23
# Mastodon's Account::MENTION_RE: @user, optionally @domain (which does not count)
MENTION = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(@\w+(?:[.-]+\w+)*)?",
                     re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rules:
    """How one network counts a post, and its limit."""

    platform: Platform
    limit: int
    length: Callable[[str], int]
    weights: Callable[[str], list[int]]  # per code point; sums to length between atoms
    max_bytes: int | None = None

    def fits(self, text: str) -> bool:
        if self.length(text) > self.limit:
            return False
        return self.max_bytes is None or len(text.encode("utf-8")) <= self.max_bytes

    @property
    def name(self) -> str:
        return {Platform.X: "X", Platform.BLUESKY: "Bluesky",
                Platform.MASTODON: "Mastodon"}[self.platform]


def _grapheme_weights(text: str) -> list[int]:
    if text.isascii() and "\r" not in text:
        return [1] * len(text)
    weights = [0] * len(text)
    for start, _ in grapheme_spans(text):
        weights[start] = 1
    return weights


def _x_weights(text: str) -> list[int]:
    weights = [1] * len(text)
    if not text.isascii():
        for m in HEAVY_RUNS.finditer(text):
            weights[m.start():m.end()] = [2] * (m.end() - m.start())
    for spans, value in ((emoji_spans(text), EMOJI_LENGTH), (find_urls(text), URL_LENGTH)):
        for start, end in spans:
            weights[start:end] = [value] + [0] * (end - start - 1)
    return weights


def mastodon_entities(text: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, counted, is_url) of the URLs with a scheme and the mentions, in order;
    a mention inside a URL is part of the URL."""
    urls = [(s, e) for s, e in find_urls(text) if text[s:s + 4].lower() == "http"]
    found = [(s, e, MASTODON_URL_LENGTH, True) for s, e in urls]
    for m in MENTION.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e in urls):
            found.append((m.start(), m.end(), 1 + len(m.group(1)), False))
    return sorted(found)


def mastodon_length(text: str) -> int:
    total, pos = 0, 0
    for start, end, counted, _ in mastodon_entities(text):
        total += grapheme_count(text[pos:start]) + counted
        pos = end
    return total + grapheme_count(text[pos:])


def _mastodon_weights(text: str) -> list[int]:
    weights = _grapheme_weights(text)
    for start, end, counted, is_url in mastodon_entities(text):
        if is_url:
            weights[start:end] = [counted] + [0] * (end - start - 1)
        else:  # a mention: "@user" counts, the "@domain" after it does not
            weights[start + counted:end] = [0] * (end - start - counted)
    return weights


@lru_cache(maxsize=64)
def rules_for(platform: Platform | str = Platform.X, limit: int | None = None) -> Rules:
    """The rules of `platform`; `limit` overrides the default (a Mastodon instance's maximum).
    Cached (Rules is immutable): a generation asks for them dozens of times (numbering widths)."""
    platform = Platform(platform)
    if platform == Platform.BLUESKY:
        return Rules(platform, limit or BLUESKY_MAX_GRAPHEMES, grapheme_count,
                     _grapheme_weights, BLUESKY_MAX_BYTES)
    if platform == Platform.MASTODON:
        return Rules(platform, limit or MASTODON_MAX_CHARACTERS, mastodon_length,
                     _mastodon_weights)
    return Rules(platform, limit or MAX_POST_LENGTH, weighted_length, _x_weights)
