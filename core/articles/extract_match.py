"""Finding a paragraph of one extractor's output in another's, despite small differences.

Two extractors rarely agree to the letter: one drops a `<time>` or `<label>` inside a
sentence ("voted on  for a budget"), or splits a paragraph at a `<br>` the other keeps.
`OurText.find` says whether a paragraph (as a `word_key`) is in our text: exactly, as a
run of it, or by most of its word pairs; in the last case it also names our paragraph that
holds it, so the fuller sentence can be used. Pure, no I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict

_MIN_PAIRS = 6  # shorter paragraphs are matched exactly or not at all
_SHARED = 0.8  # share of a paragraph's word pairs found in one of ours to count as a match
_LONGER = 1.5  # our version may be this much longer (plus a few words) and still replace it


def _pairs(key: str) -> list[tuple[str, str]]:
    found = key.split()
    return list(zip(found, found[1:], strict=False))


class OurText:
    """Our paragraphs' keys, searchable exactly, as runs, and by shared word pairs."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.exact = set(keys)
        self.text = f" {' '.join(keys)} "
        self._pairs: dict[tuple[str, str], set[int]] | None = None

    def _pair_index(self) -> dict[tuple[str, str], set[int]]:
        if self._pairs is None:  # built only when an inexact paragraph needs it
            self._pairs = defaultdict(set)
            for n, key in enumerate(self.keys):
                for pair in _pairs(key):
                    self._pairs[pair].add(n)
        return self._pairs

    def find(self, key: str) -> tuple[bool, int | None]:
        """(is `key` in our text, index of our fuller version of it or None)."""
        if not key or key in self.exact or f" {key} " in self.text:
            return True, None
        pairs = _pairs(key)
        if len(pairs) < _MIN_PAIRS:
            return False, None
        index = self._pair_index()
        hits = Counter(n for pair in set(pairs) for n in index.get(pair, ()))
        if not hits:
            return False, None
        best, shared = hits.most_common(1)[0]
        if shared < _SHARED * len(set(pairs)):
            return False, None
        size = len(self.keys[best].split())
        fuller = len(key.split()) < size <= _LONGER * len(key.split()) + 3
        return True, best if fuller else None
