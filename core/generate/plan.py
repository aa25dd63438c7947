"""How the kept sentences become posts (SPEC §2): pure, deterministic.

- Post 1, the hook: the cleaned title and the lead sentence ("🧵 … 👇" with emoji; then it
  stands alone); without a title the lead opens post 1 and the next sentences may join it.
- Whole sentences in article order fill each post greedily across paragraph breaks (see
  `select.pack`); only a sentence longer than a post is cut (and only an early one, the
  news, is kept at that length: `EARLY`).
- A post left short takes a neighbouring sentence of the article when it fits (`fill_short`).
- The close: the last kept sentence when it comes from the article's closing part (its
  own conclusion); else, when the link goes last, "Full story: URL" in the article's
  language (see `labels`). Hashtags end the last sentence post.
"""

from __future__ import annotations

import regex

from core.generate.clean import closing_marks, has_quotation_marks, open_quotations
from core.generate.compress import compress, shorten
from core.generate.labels import full_story
from core.generate.rank import Ranked, Sentence, similarity
from core.generate.select import REDUNDANT, pack, points_back, stranger
from core.models import DEFAULT_MAX_POSTS, LinkPolicy, Numbering, ThreadOptions, Tone
from core.text import numbering_width, pack_units
from core.text.platforms import rules_for

SHORT = 140  # a post under this many characters reads as a fragment (but the last)
EARLY = 2  # the first sentences carry the news: kept even when one needs two posts
_WIDE_STOPS = "。！？｡」』）"


class Plan:
    """How kept sentences become posts: the hook (title + lead), whole sentences packed
    in article order, and the close (the article's own conclusion, else the link)."""

    def __init__(self, title: str, options: ThreadOptions, link: str | None,
                 language: str | None, candidates: list[Sentence], target: int,
                 tags: str = "") -> None:
        self.title, self.options, self.link, self.language = title, options, link, language
        self.tags = tags  # hashtags closing the last sentence post ("#Grid #Solar")
        self.last_index = candidates[-1].index  # the article's last candidate sentence
        self.early = {s.index for s in candidates[:EARLY]}  # its first sentences
        self.punchy = options.tone == Tone.PUNCHY
        self.length = rules_for(options.platform).length
        # the labels' width for the count planned (+2: the link post, a cut sentence)
        width = numbering_width(min(options.max_posts or DEFAULT_MAX_POSTS, target) + 2, options)
        self.room = rules_for(options.platform).limit - width
        first_link = link and options.link == LinkPolicy.FIRST
        self.first_room = self.room - (1 + self.length(link) if first_link else 0)
        self.first_room -= 6 if options.emoji else 0  # "🧵 " and " 👇"
        self._texts: dict[int, str] = {}
        self._quoting: set[int] = set()  # indexes of sentences holding a quotation mark
        self._weights: dict[str, int] = {}

    def weight(self, text: str) -> int:
        if text not in self._weights:
            self._weights[text] = self.length(text)
        return self._weights[text]

    def too_long(self, r: Ranked) -> bool:
        """Longer than a post (punchy: 200); an early sentence may take two posts."""
        if self.punchy:
            return self.weight(self._text(r, False)) > 200
        posts = 2 if r.sentence.index in self.early else 1
        return self.weight(self._text(r, False)) > posts * self.room

    def _text(self, r: Ranked, follows: bool) -> str:
        key = r.sentence.index * 2 + follows
        if key not in self._texts:
            text = compress(r.sentence.text, follows, aggressive=self.punchy)
            # an early sentence longer than a post loses its trailing clause rather than
            # going on in a second post (a longer later one is not kept: often a caption
            # glued to a sentence)
            if r.sentence.index in self.early and not self.punchy and \
                    self.weight(text) > self.room:
                text = shorten(text, lambda t: self.weight(t) <= self.room) or text
            self._texts[key] = text
            if has_quotation_marks(self._texts[key]):
                self._quoting.add(r.sentence.index)
        return self._texts[key]

    def _units(self, kept: list[Ranked]) -> tuple[list[str], list[int], list[bool]]:
        """Hook and sentence texts, their weights, and which must open a post."""
        indexes = {r.sentence.index for r in kept}
        texts = [self._text(r, r.sentence.index - 1 in indexes) for r in kept]
        if not self._quoting.isdisjoint(indexes):  # asked for every packing tried: mostly none
            texts = _close_quotations(texts, [r.sentence.index for r in kept],
                                      self._quoting)
        hook = "\n\n".join(t for t in (self.title, texts[0] if texts else "") if t)
        if texts and self.title and self.weight(hook) > self.first_room:
            hook = self.title  # the lead does not fit beside the title: it opens post 2
        else:
            texts = texts[1:]
        if self.options.emoji:
            hook = f"{'' if self.options.numbering == Numbering.THREAD else '🧵 '}{hook} 👇"
        units = [hook, *texts]
        if self.tags:
            units[-1] = f"{units[-1]}\n\n{self.tags}"
        # punchy: a sentence per post; emoji: the marked hook stands alone
        breaks = [self.punchy or (i == 1 and self.options.emoji) for i in range(len(units))]
        return units, [self.weight(u) for u in units], breaks

    def _room(self, index: int) -> int:
        return self.first_room if index == 0 else self.room

    def _link_post(self, kept: list[Ranked]) -> bool:
        """A closing "Full story: URL" post: the link goes last and no conclusion is kept."""
        return bool(self.link) and self.options.link == LinkPolicy.LAST and not self._concludes(kept)

    def groups(self, kept: list[Ranked]) -> list[list[str]]:
        """The post bodies (one group per post) before numbering and link."""
        units, weights, breaks = self._units(kept)
        groups = [[_join([units[i] for i in post])] for post in pack(weights, self._room, breaks)]
        if self._link_post(kept):
            groups.append([full_story(self.link, self.language)])
        return groups

    def count(self, kept: list[Ranked]) -> int:
        _, weights, breaks = self._units(kept)
        posts = pack(weights, self._room, breaks)  # an over-long sentence takes more posts
        extra = sum(-(-weights[p[0]] // self.room) - 1 for p in posts if len(p) == 1)
        return len(posts) + extra + self._link_post(kept)

    def fill_short(self, kept: list[Ranked], ranked: list[Ranked]) -> list[Ranked]:
        """A post left short (< SHORT) takes the article's next sentence when it fits
        there: the thread keeps its number of posts, and the sentence follows its own."""
        by_index = {r.sentence.index: r for r in ranked}
        for _ in range(len(ranked)):
            units, weights, breaks = self._units(kept)
            offset = len(units) - len(kept)  # 1: the hook holds the title alone
            count = self.count(kept)
            posts = pack(weights, self._room, breaks)
            for post, following in zip(posts, posts[1:], strict=False):
                if sum(weights[i] + 1 for i in post) >= SHORT or post[-1] < offset:
                    continue
                after = kept[post[-1] - offset].sentence.index + 1
                before = kept[following[0] - offset].sentence.index - 1
                options = [by_index.get(i) for i in dict.fromkeys((after, before))]
                trial = next((t for r in options if (t := self._with(kept, r, by_index, count))), None)
                if trial:
                    kept = trial
                    break
            else:
                return kept
        return kept

    def _with(self, kept, r, by_index, count) -> list[Ranked] | None:
        """`kept` plus `r` if it is new, fits, repeats nothing, has its antecedent (and
        whoever it names by title alone) and does not add a post."""
        if r is None or r in kept or self.too_long(r):
            return None
        if points_back(r) and by_index.get(r.sentence.index - 1) not in kept:
            return None
        if any(similarity(r.terms, k.terms) > REDUNDANT for k in kept):
            return None
        trial = sorted([*kept, r], key=lambda k: k.sentence.index)
        return trial if stranger(r, trial) is None and self.count(trial) <= count else None

    def _concludes(self, kept: list[Ranked]) -> bool:
        """The ranking kept a sentence from the article's closing part."""
        return bool(kept) and kept[-1].sentence.index >= 0.75 * self.last_index

    def link_for_packing(self, groups: list[list[str]]) -> str | None:
        closing = groups[-1][-1] if groups else ""
        return None if self.link and closing.endswith(self.link) else self.link

    def fit(self, kept: list[Ranked], upper: int) -> list[str]:
        """Numbered posts, dropping the weakest body sentence while over `upper`."""
        while True:
            groups = self.groups(kept)
            posts = pack_units(groups, self.options, self.link_for_packing(groups), max_posts=upper)
            if len(posts) <= upper or len(kept) <= 1:
                break
            kept = [r for r in kept if r is not min(kept[1:], key=lambda r: (r.score, -r.sentence.index))]
        if len(posts) > upper:  # the hook alone is too long for the posts allowed
            posts = _shortened_hook(groups[0][0], self.options, self.link, upper)
        return posts


def _shortened_hook(hook: str, options: ThreadOptions, link: str | None, upper: int) -> list[str]:
    """The hook alone, shortened (at a space, never inside a grapheme) until it fits."""
    posts = pack_units([[hook]], options, link, max_posts=upper)
    for _ in range(30):
        if len(posts) <= upper:
            break
        graphemes = regex.findall(r"\X", hook.rstrip(" …"))
        cut = "".join(graphemes[: max(1, len(graphemes) * 9 // 10)])
        hook = (cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut).rstrip() + "…"
        posts = pack_units([[hook]], options, link, max_posts=upper)
    return posts


def _close_quotations(texts: list[str], indexes: list[int], quoting: set[int]) -> list[str]:
    """A quotation still open where the thread leaves the article (the next sentence, which
    goes on with it, is not kept) is closed there: a post never leaves one open. `quoting`:
    the sentences that hold a quotation mark (the others cannot change what is open)."""
    out, still_open = list(texts), ()
    for k, index in enumerate(indexes):
        if not still_open and index not in quoting:
            continue
        still_open = open_quotations(texts[k], still_open)
        if still_open and (k + 1 == len(indexes) or indexes[k + 1] != index + 1):
            out[k], still_open = texts[k] + closing_marks(still_open), ()
    return out


def _join(sentences: list[str]) -> str:
    """Sentences of one post: a space between them, none after a CJK full stop; the
    hook keeps its own lines."""
    out = sentences[0]
    for sentence in sentences[1:]:
        out += sentence if out[-1] in _WIDE_STOPS else " " + sentence
    return out


