"""X's weighted length (twitter-text v3, ``config/v3.json``).

NFC first, ``\\r\\n`` -> ``\\n``; each URL counts 23; each emoji sequence counts 2; code points
in the weight-100 ranges count 1, all others 2. Data: see ``core.text.datafiles``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from core.models import MAX_POST_LENGTH
from core.text import datafiles as data
from core.text.urls import find_urls, may_hold_url

URL_LENGTH = 23
EMOJI_LENGTH = 2
# config/v3.json "ranges" with weight 100 (everything else weighs 200 = 2 characters)
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
HEAVY_RUNS = re.compile(
    "[^" + "".join(f"\\U{lo:08X}-\\U{hi:08X}" for lo, hi in LIGHT_RANGES) + "]+")

__all__ = ["MAX_POST_LENGTH", "URL_LENGTH", "emoji_spans", "normalize", "weighted_length"]


def normalize(text: str) -> str:
    """What twitter-text counts: NFC, with ``\\r\\n`` line endings as ``\\n``."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n") if "\r" in text else text


def weighted_length(text: str) -> int:
    """The length X shows for `text` (a post is valid when it is 1..MAX_POST_LENGTH)."""
    if text.isascii() and not may_hold_url(text):  # NFC already; "\r\n" counts one
        return len(text) - text.count("\r\n")
    return _counted(normalize(text))


def _counted(text: str) -> int:
    """The length of normalized text: 23 per URL, the rest by `_plain_length`."""
    total = 0
    pos = 0
    for start, end in find_urls(text):
        total += _plain_length(text, pos, start) + URL_LENGTH
        pos = end
    return total + _plain_length(text, pos, len(text))


def _heavy(text: str) -> int:
    return sum(map(len, HEAVY_RUNS.findall(text))) if not text.isascii() else 0


def _plain_length(text: str, start: int, end: int) -> int:
    part = text[start:end]
    if part.isascii():
        return len(part)
    total = len(part) + _heavy(part)
    for s, e in emoji_spans(part):
        seq = part[s:e]
        total += EMOJI_LENGTH - len(seq) - _heavy(seq)
    return total


@cache
def _emoji_starts() -> re.Pattern:
    """Where an emoji may start. Exact for the BMP; one coarse range for astral code points
    (``re`` scans astral classes linearly), which the trie walk then confirms."""
    firsts = {seq[0] for seq in data.emoji_sequences()}
    bmp = "".join(re.escape(c) for c in sorted(firsts) if 127 < ord(c) < 0x10000)
    astral = sorted(ord(c) for c in firsts if ord(c) >= 0x10000)
    ascii_ = "".join(re.escape(c) for c in sorted(firsts) if c.isascii())
    return re.compile(f"[{bmp}\\U{astral[0]:08X}-\\U{astral[-1]:08X}]"
                      f"|[{ascii_}](?=[\\uFE0F\\u20E3])")


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """Leftmost-longest emoji sequences in `text`, as (start, end) spans."""
    spans: list[tuple[int, int]] = []
    if text.isascii():
        return spans
    trie = data.emoji_trie()
    end = 0
    for match in _emoji_starts().finditer(text):
        i = match.start()
        if i < end:
            continue
        node, j, last = trie, i, -1
        while j < len(text) and (node := node.get(text[j])) is not None:
            j += 1
            if data.END in node:
                last = j
        if last > 0:
            spans.append((i, last))
            end = last
    return spans
