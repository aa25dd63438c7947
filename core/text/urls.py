"""URL detection exactly like twitter-text's ``extractUrlsWithIndices``.

The pattern is a port of twitter-text's (Apache-2.0) regex building blocks
(``validUrlPrecedingChars``, ``validDomain``, ``validUrlPath``, ``validUrlQueryChars`` …);
the TLD list comes from ``data/tlds.txt`` (see ``core.text.datafiles``).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import regex

from core.text import datafiles as data
from core.text.url_patterns import (
    DIRECTIONAL,
    INVALID,
    LATIN_ACCENTS,
    LONG_TOKEN,
    MAX_TCO_SLUG,
    MAX_URL_LENGTH,
    SPACES,
    domain_char,
    url_pattern,
)


class UrlFinder:
    """Compiled twitter-text URL patterns; build once (``url_finder()``) and reuse."""

    def __init__(self, long_token: int = LONG_TOKEN) -> None:
        self.long_token = long_token
        tld = data.tlds()
        tlds = data.trie_regex(tld["generic"] + tld["country"])
        # matching runs on case-folded text (see _fold): IGNORECASE makes `re` ~6x slower here
        self.url = re.compile(url_pattern())
        self.ascii_domain = re.compile(
            f"(?:(?:[\\-a-z0-9{LATIN_ACCENTS}]+)\\.)+(?:(?:{tlds})(?=[^0-9a-zA-Z@+-]|$)"
            "|(?:xn--[\\-0-9a-z]+))")
        self.tco = re.compile(
            "^https?:\\/\\/t\\.co\\/([a-z0-9]+)(?:\\?[a-z0-9!?*'@();:&=+$/%#\\[\\]\\-_.,~|]*"
            "[a-z0-9\\-_&=#/])?")
        self.space_before = regex.compile(f"[{SPACES}]", regex.REVERSE)
        self.space_after = re.compile(f"[{SPACES}]")
        # every URL has a dot and a TLD: a token without one ("3.14", "Node.js", "end.") is
        # skipped. This also keeps `url` off its slow path: a long run of domain characters
        # (CJK text has no spaces) with a dot but no TLD costs it quadratic time.
        self.tld_candidate = re.compile(f"\\.(?:{tlds}(?=[^0-9a-z@+-]|$)|xn--)")
        dchar = domain_char()
        # a failed attempt that consumed a valid preceding character and began a domain
        self.structural = re.compile(f"(?:[^A-Za-z0-9@＠$#＃{INVALID}]|[{DIRECTIONAL}]){dchar}")
        self.label = re.compile(f"(?:{dchar}|[_-])*")

    def find(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every URL in `text`, in order (Python str indices)."""
        spans: list[tuple[int, int]] = []
        text = _fold(text)
        dot = text.find(".")
        while dot >= 0:
            before = self.space_before.search(text, 0, dot)
            start = before.start() if before else 0
            after = self.space_after.search(text, dot)
            end = after.start() if after else len(text)
            if self.tld_candidate.search(text, start, end):
                self._scan(text, start, end, spans)
            dot = text.find(".", end)
        return spans

    def _scan(self, text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
        """``url.finditer(text, start, end)``, minus attempts known to fail: in a long token
        (CJK text has no spaces) failed attempts would cost quadratic time."""
        if end - start <= self.long_token:
            for match in self.url.finditer(text, start, end):
                self._accept(match, spans)
            return
        pos = start
        while pos < end:
            match = self.url.match(text, pos, end)
            if match:
                self._accept(match, spans)
                pos = match.end()
            else:
                pos = self._next_attempt(text, pos)

    def _next_attempt(self, text: str, pos: int) -> int:
        """After a failed attempt at `pos` whose domain would start inside a label: later
        starts in that label fail alike (same labels after it) unless they pass its last
        '_' (domain names may not hold one) or start an "http" (a protocol)."""
        if not self.structural.match(text, pos):
            return pos + 1
        label_end = self.label.match(text, pos + 1).end()
        underscore = text.rfind("_", pos + 1, label_end)
        http = text.find("http", pos + 2, label_end)
        jumps = [label_end] + [i - 1 for i in (underscore + 1, http) if i > 0]
        return max(pos + 1, min(jumps))

    def _accept(self, match: re.Match, spans: list[tuple[int, int]]) -> None:
        before, url, protocol, domain, path = match.group(1, 2, 3, 4, 5)
        start, end = match.start(2), match.end(2)
        if not _is_valid_url(url, protocol or "https://", domain):
            return
        if protocol is None:
            if before and before[-1] in "-_./":
                return
            found = [[start + m.start(), start + m.end()]
                     for m in self.ascii_domain.finditer(domain)]
            if not found:
                return
            if path:  # the path belongs to the last ASCII domain
                found[-1][1] = end
            spans.extend((s, e) for s, e in found)
            return
        tco = self.tco.search(url)
        if tco:
            if tco.group(1) and len(tco.group(1)) > MAX_TCO_SLUG:
                return
            end = start + len(tco.group(0))
        spans.append((start, end))


def _fold(text: str) -> str:
    """Lower case with every offset kept (a character whose lower case is longer stays)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    """twitter-text's ``isValidUrl``: the domain converts to IDNA, the URL fits 4096."""
    if domain.isascii():  # what the idna codec checks for ASCII input
        if max(map(len, domain.split("."))) > 63:
            return False
        puny_length = len(domain)
    else:
        puny_length = _idna_length(domain)
        if puny_length is None:
            return False
    return len(protocol) + len(url) + puny_length - len(domain) <= MAX_URL_LENGTH


@lru_cache(maxsize=1024)
def _idna_length(domain: str) -> int | None:
    try:
        return len(domain.encode("idna"))
    except (UnicodeError, ValueError):
        return None


@cache
def url_finder() -> UrlFinder:
    return UrlFinder()


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans of the URLs twitter-text would detect in `text` (already NFC, ``\\n`` endings)."""
    return url_finder().find(text) if may_hold_url(text) else []


def may_hold_url(text: str) -> bool:
    """False when `text` surely holds no URL (most text: no "." before a letter)."""
    return "." in text and _DOT_LETTER.search(text) is not None


# Every URL holds "." + a TLD (a letter first: tests/unit/test_text_urls.py checks the list) or
# ".xn--": a text without a dot before a letter ("ends here.", "3.5%") needs no scan.
_DOT_LETTER = re.compile(r"\.[^\W\d_]")
