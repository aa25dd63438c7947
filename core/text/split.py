"""Cutting one text into post bodies at the best boundaries that fit.

``Chunk`` analyses a text once (cuts, protected spans, weight prefix); ``Chunk.bodies`` then
cuts it greedily for any per-post budget, so the numbering width can be re-tried cheaply.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import cached_property
from itertools import accumulate

from core.text import boundaries as b
from core.text.length import normalize
from core.text.platforms import Rules, rules_for

# a better boundary is used when it fills at least this share of the post
# (a third: a one-sentence post reads better than a sentence broken mid-way)
MIN_FILL = {b.PARAGRAPH: 0.33, b.LINE: 0.33, b.SENTENCE: 0.33, b.CLAUSE: 0.5}
LEVELS = (b.PARAGRAPH, b.LINE, b.SENTENCE, b.CLAUSE, b.WORD, b.CHAR)
# a text's last post, when its cut falls inside a sentence, carries at least this share of a
# post: "…waiting for him at the end" / "of the season." reads as a stub left over
MIN_TAIL = 0.33

Fits = Callable[[int, str], bool]  # (post index, body) -> does the finished post fit?


class Chunk:
    """A text that starts a new post; its analysis is reused across budgets."""

    def __init__(self, text: str, rules: Rules | None = None) -> None:
        self.text = normalize(text).strip()
        self.rules = rules or rules_for()
        # prefix[i]: estimated length of text[:i] (exact for cuts between atoms)
        self.prefix = [0, *accumulate(self.rules.weights(self.text))]
        self._levels: dict[int, tuple[list[b.Cut], list[int]]] = {}  # made when first cut

    @cached_property
    def blocked(self) -> bytearray:
        """Positions a cut may not take (see `boundaries`); only a text that is cut needs
        them, and most packed posts fit whole."""
        return b.blocked_positions(self.text, b.protected_spans(self.text))

    @cached_property
    def cuts(self) -> list[b.Cut]:
        return b.find_cuts(self.text, self.blocked)

    def _at_least(self, level: int) -> tuple[list[b.Cut], list[int]]:
        """The cuts of `level` or better, and their left ends (most texts fit whole: none)."""
        if level not in self._levels:
            cuts = [c for c in self.cuts if c.level >= level]
            self._levels[level] = cuts, [c.left_end for c in cuts]
        return self._levels[level]

    def bodies(self, first: int, budget: Callable[[int], int], fits: Fits) -> list[str]:
        """Cut the whole text into bodies for posts first, first+1, …; nothing is dropped
        but whitespace at the cuts."""
        out: list[str] = []
        start, end = 0, len(self.text)
        while start < end:
            index = first + len(out)
            rest = self.text[start:]
            if self._weight(start, end) <= budget(index) and fits(index, rest):
                out.append(rest)
                break
            left_end, right_start, level = self._next_cut(start, index, budget(index), fits)
            if level in (b.CLAUSE, b.WORD) and \
                    self._weight(right_start, end) < MIN_TAIL * budget(index):
                left_end, right_start = self._balanced(start, end, index, budget(index), fits,
                                                       level, left_end) or (left_end, right_start)
            out.append(self.text[start:left_end])
            start = right_start
        return out

    def _balanced(self, start: int, end: int, index: int, budget: int, fits: Fits, level: int,
                  greedy: int) -> tuple[int, int] | None:
        """For the last cut of the text (`greedy` would leave a stub): the latest cut as good
        as `level` leaving at least `MIN_TAIL` of a post on each side, the rest still one
        post; None if there is none."""
        cuts, ends = self._at_least(level)
        least = MIN_TAIL * budget
        for k in range(bisect_left(ends, greedy) - 1, -1, -1):  # the cuts before `greedy`
            left_end, right_start = ends[k], cuts[k].right_start
            if self._weight(start, left_end) < least:
                return None  # earlier cuts leave even less in this post
            if self._weight(right_start, end) >= least and \
                    fits(index, self.text[start:left_end]) and \
                    fits(index + 1, self.text[right_start:end]):
                return left_end, right_start
        return None

    def _weight(self, start: int, end: int) -> int:
        return self.prefix[end] - self.prefix[start]

    def _limit(self, start: int, budget: int) -> int:
        """The furthest position whose estimated weight from `start` is within `budget`."""
        return bisect_right(self.prefix, self.prefix[start] + budget) - 1

    def _next_cut(self, start: int, index: int, budget: int,
                  fits: Fits) -> tuple[int, int, int | None]:
        """(left end, right start, level) of the best cut for this post; level None: a cut
        inside a token."""
        limit = self._limit(start, budget)
        for level in LEVELS:
            cuts, ends = self._at_least(level)
            k = bisect_right(ends, limit) - 1
            if k < 0 or ends[k] <= start:
                continue
            if level in MIN_FILL and self._weight(start, ends[k]) < MIN_FILL[level] * budget:
                continue
            while k >= 0 and ends[k] > start:
                if fits(index, self.text[start:ends[k]]):
                    return ends[k], cuts[k].right_start, cuts[k].level
                k -= 1
        return *self._hard_cut(start, limit, index, fits), None

    def _hard_cut(self, start: int, limit: int, index: int, fits: Fits) -> tuple[int, int]:
        """Only a token longer than a post gets here: cut it at a grapheme boundary."""
        bounds = b.grapheme_bounds(self.text, start, min(len(self.text), limit + 1))
        bounds = [p for p in bounds if start < p <= limit] or [start + 1]
        preferred = [p for p in bounds if not self.blocked[p]] + bounds
        for pos in sorted(set(preferred), key=lambda p: (self.blocked[p], -p)):
            if fits(index, self.text[start:pos]):
                return pos, pos
        for pos in range(min(limit, len(self.text)), start, -1):  # a grapheme over budget
            if fits(index, self.text[start:pos]):
                return pos, pos
        return start + 1, start + 1

