"""URL detection exactly like twitter-text's ``extractUrlsWithIndices``.

The pattern is a port of twitter-text's (Apache-2.0) regex building blocks
(``validUrlPrecedingChars``, ``validDomain``, ``validUrlPath``, ``validUrlQueryChars`` …);
the TLD list comes from ``data/tlds.txt`` (see ``core.text.data``).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import regex

from core.text import data

SPACES = "\\x09-\\x0D\\x20\\x85\\xA0\\u1680\\u180E\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
DIRECTIONAL = "\\u202A-\\u202E\\u061C\\u200E\\u200F\\u2066\\u2067\\u2068\\u2069"
INVALID = "\\uFFFE\\uFEFF\\uFFFF"
PUNCT = "\\!'#%&'\\(\\)*\\+,\\\\\\-\\.\\/:;<=>\\?@\\[\\]\\^_{|}~\\$/"
LATIN_ACCENTS = ("\\xC0-\\xD6\\xD8-\\xF6\\xF8-\\xFF\\u0100-\\u024F\\u0253\\u0254\\u0256\\u0257"
                 "\\u0259\\u025B\\u0263\\u0268\\u026F\\u0272\\u0289\\u028B\\u02BB\\u0300-\\u036F"
                 "\\u1E00-\\u1EFF")
CYRILLIC = "\\u0400-\\u04FF"
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG = 40


def _url_pattern() -> str:
    tld = data.tlds()
    gtld = f"(?:{data.trie_regex(tld['generic'])}(?=[^0-9a-zA-Z@+-]|$))"
    cctld = f"(?:{data.trie_regex(tld['country'])}(?=[^0-9a-zA-Z@+-]|$))"
    punycode = "(?:xn--[\\-0-9a-z]+)"
    dchar = f"[^{PUNCT}{SPACES}{INVALID}{DIRECTIONAL}]"
    subdomain = f"(?:(?:{dchar}(?:[_-]|{dchar})*)?{dchar}\\.)"
    domain_name = f"(?:(?:{dchar}(?:-|{dchar})*)?{dchar}\\.)"
    domain = f"(?:{subdomain}*{domain_name}(?:{gtld}|{cctld}|{punycode}))"
    pchar = f"[a-z{CYRILLIC}0-9!\\*';:=\\+,\\.\\$\\/%#\\[\\]\\-\\u2013_~@\\|&{LATIN_ACCENTS}]"
    parens = f"\\((?:{pchar}+|(?:{pchar}*\\({pchar}+\\){pchar}*))\\)"
    path_end = f"[\\+\\-a-z{CYRILLIC}0-9=_#\\/{LATIN_ACCENTS}]|(?:{parens})"
    path = f"(?:(?:{pchar}*(?:{parens}{pchar}*)*(?:{path_end}))|(?:@{pchar}+/))"
    query = "[a-z0-9!?*'@();:&=+$/%#\\[\\]\\-_.,~|]"
    query_end = "[a-z0-9\\-_&=#/]"
    preceding = f"(?:[^A-Za-z0-9@＠$#＃{INVALID}]|[{DIRECTIONAL}]|^)"
    return (f"({preceding})((https?:\\/\\/)?({domain})(?::[0-9]+)?(\\/{path}*)?"
            f"(?:\\?{query}*{query_end})?)")


class UrlFinder:
    """Compiled twitter-text URL patterns; build once (``url_finder()``) and reuse."""

    def __init__(self) -> None:
        tld = data.tlds()
        tlds = data.trie_regex(tld["generic"] + tld["country"])
        self.url = re.compile(_url_pattern(), re.IGNORECASE)
        self.ascii_domain = re.compile(
            f"(?:(?:[\\-a-z0-9{LATIN_ACCENTS}]+)\\.)+(?:(?:{tlds})(?=[^0-9a-zA-Z@+-]|$)"
            "|(?:xn--[\\-0-9a-z]+))", re.IGNORECASE)
        self.tco = re.compile(
            "^https?:\\/\\/t\\.co\\/([a-z0-9]+)(?:\\?[a-z0-9!?*'@();:&=+$/%#\\[\\]\\-_.,~|]*"
            "[a-z0-9\\-_&=#/])?", re.IGNORECASE)
        self.space_before = regex.compile(f"[{SPACES}]", regex.REVERSE)
        self.space_after = re.compile(f"[{SPACES}]")
        # every URL has a dot followed by the first letter of its TLD: skip "3.14", "end."
        self.tld_dot = re.compile("\\.[^\\x00-\\x40\\x5B-\\x60\\x7B-\\x7F]")

    def find(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every URL in `text`, in order (Python str indices)."""
        spans: list[tuple[int, int]] = []
        dot = text.find(".")
        while dot >= 0:
            before = self.space_before.search(text, 0, dot)
            start = before.start() if before else 0
            after = self.space_after.search(text, dot)
            end = after.start() if after else len(text)
            if self.tld_dot.search(text, start, end):
                for match in self.url.finditer(text, start, end):
                    self._accept(match, spans)
            dot = text.find(".", end)
        return spans

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
    if "." not in text:
        return []
    return url_finder().find(text)
