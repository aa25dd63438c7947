"""Where a text may be cut, and how good each cut is.

A cut is ``(left_end, right_start, level)``: the left post ends at ``left_end``, the next
starts at ``right_start`` (whitespace between them is dropped). Levels, best first:
paragraph > line > sentence > clause > word > character (text without spaces: CJK, Thai…).
A cut never falls inside a URL, @mention, #hashtag, $cashtag, number, emoji sequence or
grapheme cluster; whitespace cuts never fall inside a word by construction.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from core.text.graphemes import grapheme_spans
from core.text.length import emoji_spans
from core.text.urls import find_urls

PARAGRAPH, LINE, SENTENCE, CLAUSE, WORD, CHAR = 6, 5, 4, 3, 2, 1
# breaking white space (no-break spaces U+00A0, U+2007, U+202F are not cut points)
SPACE = "\t\n\x0b\x0c\r \x1c-\x1f\x85\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
# scripts written without spaces between words
NO_SPACE = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f"
            "\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
            "\U00020000-\U0003134f")
CJK_SENTENCE_END = "。！？｡"
CJK_CLAUSE_END = "、，；：､"
CLOSERS = "\"'”’)\\]}»」』）】〉》"
NO_LINE_START = CJK_SENTENCE_END + CJK_CLAUSE_END + CLOSERS + "ー・…ゝゞヽヾ々"
OPENERS = "「『（【〈《“‘([{«"


class Cut(NamedTuple):  # a tuple: made by the hundred per text, ~5x cheaper than a dataclass
    left_end: int
    right_start: int
    level: int


@cache
def _patterns() -> dict[str, re.Pattern]:
    return {
        "space": re.compile(f"[{SPACE}]+"),
        "sentence_end": re.compile(
            f"(?:[.!?…‼⁉]|[{CJK_SENTENCE_END}])[{CLOSERS}]*(?=[{SPACE}])"),
        "clause_end": re.compile(f"(?:[,;:—–]|[{CJK_CLAUSE_END}])[{CLOSERS}]*(?=[{SPACE}])"),
        "cjk_punct": re.compile(
            f"[{CJK_SENTENCE_END}{CJK_CLAUSE_END}][{CLOSERS}]*(?=[^{SPACE}])"),
        "protected": re.compile(
            r"(?<![\w@＠])[@＠]\w+|[#＃$][\w\u200c\u200d]+|\d+(?:[.,:/'’]\d+)+"),
        "no_space": re.compile(f"[{NO_SPACE}]"),
    }


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans that are never cut: URLs, mentions, hashtags, cashtags, numbers, emoji."""
    spans = list(find_urls(text)) + emoji_spans(text)
    spans.extend(m.span() for m in _patterns()["protected"].finditer(text))
    return spans


def blocked_positions(text: str, spans: list[tuple[int, int]]) -> bytearray:
    """blocked[i] == 1 when a cut between text[i-1] and text[i] is forbidden."""
    blocked = bytearray(len(text) + 1)
    for start, end in spans:
        if end - start > 1:
            blocked[start + 1:end] = b"\x01" * (end - start - 1)
    return blocked


def find_cuts(text: str, blocked: bytearray) -> list[Cut]:
    """Every allowed cut above hard-cutting, in text order."""
    pats = _patterns()
    after_sentence = {m.end() for m in pats["sentence_end"].finditer(text)}
    after_clause = {m.end() for m in pats["clause_end"].finditer(text)}
    cuts: dict[int, Cut] = {}
    for m in pats["space"].finditer(text):
        start, end = m.span()
        if start == 0 or end == len(text):
            continue
        if "\n" in (space := m.group()):
            level = PARAGRAPH if space.count("\n") > 1 else LINE
        else:
            level = (SENTENCE if start in after_sentence
                     else CLAUSE if start in after_clause else WORD)
        cuts[start] = Cut(start, end, level)
    if pats["no_space"].search(text):
        for m in pats["cjk_punct"].finditer(text):
            level = SENTENCE if text[m.start()] in CJK_SENTENCE_END else CLAUSE
            if not blocked[m.end()]:
                cuts.setdefault(m.end(), Cut(m.end(), m.end(), level))
        for pos in _char_cuts(text, blocked):
            cuts.setdefault(pos, Cut(pos, pos, CHAR))
    return [cuts[k] for k in sorted(cuts)]


def _char_cuts(text: str, blocked: bytearray) -> list[int]:
    """Grapheme boundaries next to a character of a script written without spaces."""
    no_space = _patterns()["no_space"]
    bounds = grapheme_bounds(text)
    return [pos for pos in bounds
            if 0 < pos < len(text) and not blocked[pos]
            and (no_space.match(text, pos - 1, pos) or no_space.match(text, pos, pos + 1))
            and not text[pos - 1].isspace() and text[pos - 1] not in OPENERS
            and not text[pos].isspace() and text[pos] not in NO_LINE_START]


def grapheme_bounds(text: str, start: int = 0, end: int | None = None) -> list[int]:
    """Start offsets of grapheme clusters in text[start:end], plus the end offset."""
    stop = len(text) if end is None else end
    return [s for s, _ in grapheme_spans(text, start, stop)] + [stop]
