"""Grapheme clusters (UAX #29 extended grapheme clusters).

The ``regex`` module's ``\\X`` (maintained, current Unicode, C speed) with one correction:
it joins an Indic linker (virama) to the next consonant even when no consonant precedes the
linker, where rule GB9c of UAX #29 needs ``Consonant [Extend Linker]* Linker [Extend Linker]*``
before the joined consonant. ICU (``Intl.Segmenter``, what the Bluesky apps count with) follows
the rule; ``tests/unit/test_text_bluesky.py`` checks both agree.
"""

from __future__ import annotations

import regex

_CLUSTER = regex.compile(r"\X")
_LINKER = regex.compile(r"\p{InCB=Linker}")
_CONSONANT = regex.compile(r"\p{InCB=Consonant}")
_PREPEND = regex.compile(r"\p{Grapheme_Cluster_Break=Prepend}")
_CONJUNCT_BEFORE = regex.compile(
    r"\p{InCB=Consonant}[\p{InCB=Extend}\p{InCB=Linker}]*\p{InCB=Linker}"
    r"[\p{InCB=Extend}\p{InCB=Linker}]*\Z")


def grapheme_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every grapheme cluster of text[start:end]."""
    stop = len(text) if end is None else end
    spans = []
    for m in _CLUSTER.finditer(text, pos=start, endpos=stop):
        s, e = m.span()
        if e - s > 1 and _LINKER.search(text, s, e):
            for p in range(s + 1, e):
                if (_CONSONANT.match(text, p) and not _PREPEND.match(text, p - 1)
                        and not _CONJUNCT_BEFORE.search(text, s, p)):
                    spans.append((s, p))
                    s = p
        spans.append((s, e))
    return spans


def grapheme_count(text: str) -> int:
    if text.isascii() and "\r" not in text:
        return len(text)
    return len(grapheme_spans(text))
