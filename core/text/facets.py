"""Bluesky rich-text facets: links, mentions and hashtags with UTF-8 byte ranges.

A Bluesky server does not parse a post's text: the client sends ``app.bsky.richtext.facet``
entries whose ``index`` is a ``byteStart``/``byteEnd`` range of the UTF-8 encoded text.
Links are found like everywhere else in Threadr (twitter-text's rules); a mention is
``@`` + a handle (a domain name); a tag is ``#`` + up to 64 characters, not only digits,
trailing punctuation excluded (as the Bluesky app does). A mention facet needs the DID of the
handle, which only the network knows: ``facets`` returns the handle, the publisher resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from core.text.urls import find_urls

LINK, MENTION, TAG = "link", "mention", "tag"
MAX_TAG = 64
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_MENTION = regex.compile(rf"(?:^|(?<=[\s(]))@({_LABEL}(?:\.{_LABEL})+)(?![\w.-]*\w)")
_TAG = regex.compile(r"(?:^|(?<=\s))[#＃]((?!\ufe0f)[^\s\u00ad\u2060\u200a-\u200d\u20e2]+)")
_TRAILING_PUNCT = regex.compile(r"\p{P}+$")


@dataclass(frozen=True, slots=True)
class Facet:
    kind: str  # link | mention | tag
    byte_start: int
    byte_end: int
    value: str  # the link's URI, the mentioned handle, or the tag without '#'

    def record(self, did: str | None = None) -> dict:
        """The ``app.bsky.richtext.facet`` object (a mention needs the handle's DID)."""
        if self.kind == LINK:
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": self.value}
        elif self.kind == TAG:
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": self.value}
        else:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        return {"index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
                "features": [feature]}


def facets(text: str) -> list[Facet]:
    """Every link, mention and tag of `text`, in order, none overlapping."""
    found: list[tuple[int, int, str, str]] = []
    for start, end in find_urls(text):
        url = text[start:end]
        uri = url if url.lower().startswith(("http://", "https://")) else f"https://{url}"
        found.append((start, end, LINK, uri))
    taken = [(s, e) for s, e, _, _ in found]
    for m in _MENTION.finditer(text):
        if not _overlaps(m.start(), m.end(), taken):
            found.append((m.start(), m.end(), MENTION, m.group(1).lower()))
    for m in _TAG.finditer(text):
        tag = _TRAILING_PUNCT.sub("", m.group(1))
        end = m.start(1) + len(tag)
        if (tag and len(tag) <= MAX_TAG and not tag.isdigit()
                and not _overlaps(m.start(), end, taken)):
            found.append((m.start(), end, TAG, tag))
    found.sort()
    return [Facet(kind, _bytes(text, start), _bytes(text, end), value)
            for start, end, kind, value in found]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _bytes(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))
