"""Choosing what the thread keeps and how whole sentences fill posts: pure, deterministic.

- The lead: the best of the first three candidates that does not point back.
- Then the best-scored sentences while the whole-sentence packing stays within the target
  number of posts, skipping repeats (content overlap with a kept sentence), weak sentences
  and sentences that cannot fit one post whole.
- A sentence that points back (He/It/This/But… as its first word, a time counted from the
  sentence before such as "Three years later", or inside a quotation opened by the sentence
  before) is kept only with the article sentence right before it: both are added, or it is
  skipped.
- A sentence calling someone by title and surname alone ("Mr. Hatfield") is kept only with
  a sentence before it that names them: the last such sentence comes with it, or it is
  skipped.
- Packing: kept sentences in article order fill each post greedily, across paragraph
  breaks; a sentence that does not fit the rest of a post opens the next one, so no
  sentence that fits a post is ever cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from core.generate.rank import Ranked, similarity

POINTING_BACK = re.compile(
    r"^[\"'“‘«„]?(?:he|she|it|they|this|these|those|that|his|her|their|its|him|them|but|"
    r"however|and|also|meanwhile|together|still|yet|then|there|such|so|instead|thus|both|"
    r"er|dies|diese|dieser|dieses|aber|doch|jedoch|deshalb|elle|ils|elles|cela|ceci|mais|"
    r"cependant|él|ella|ellos|ellas|esto|pero)\b",
    re.IGNORECASE,
)
# A time counted from something the sentence before told ("Three years later, he…", "The
# next morning…", "Afterwards…"); not one that names its anchor ("Two days after his
# interview…", "Earlier this month…").
RELATIVE_TIME = re.compile(
    r"^(?:(?:[\w-]+ ){0,2}(?:years?|months?|weeks?|days?|hours?|minutes?|decades?|moments?) "
    r"(?:later|earlier)|(?:later|earlier) that (?:day|week|month|year|morning|afternoon|"
    r"evening|night)|the (?:next|following) (?:day|week|month|year|morning|afternoon|evening|"
    r"night)|(?:soon |shortly )?afterwards?|(?:soon|shortly) after(?=,)|later(?=,))\b",
    re.IGNORECASE,
)
# A person by title and surname alone ("as Mr. Hatfield calls it", "Dr Fan said"): someone a
# sentence before must have introduced. Not a full name ("Dr. Christopher Kuhar"), a title
# before a name ("Mr Justice Warby") or a naming ("only named as Mr Zhang").
# (No look-behind or leading \b in the pattern: then it is tried at every character.)
_TITLED = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.? ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?! [A-Z][a-z])")
_NAMING = ("named ", "named as ", "called ", "known as ")
LEAD_MARGIN = 0.7  # the first sentence leads unless another scores 1/0.7 times higher
REDUNDANT = 0.5  # Jaccard overlap above which a sentence repeats one already kept
FLOOR = 0.05  # a sentence scoring below this share of the best one is not worth a post
NEAR = 1000
MAX_MISSES = 25  # a full thread rarely takes another sentence: stop looking after a while


def points_back(r: Ranked) -> bool:
    """It opens on a word pointing back or a time counted from the sentence before, or
    inside a quotation opened before it."""
    text = r.sentence.text
    return (r.sentence.quoted or POINTING_BACK.match(text) is not None
            or RELATIVE_TIME.match(text) is not None)


def stranger(r: Ranked, kept: Sequence[Ranked]) -> str | None:
    """The surname of someone `r` calls by title alone ("Mr. Hatfield") whom neither `r`
    before that nor any sentence of `kept` before `r` names; None when there is nobody."""
    text = r.sentence.text
    earlier = None
    for m in _TITLED.finditer(text):
        before = text[: m.start()]
        if before[-1:].isalnum() or before.endswith(_NAMING) or m.group(1) in before:
            continue  # inside a word ("HMrs"), a naming, or named earlier in the sentence
        if earlier is None:
            earlier = " ".join(k.sentence.text for k in kept if k.sentence.index < r.sentence.index)
        if m.group(1) not in earlier:
            return m.group(1)
    return None


def _introduction(r: Ranked, surname: str, ranked: Sequence[Ranked]) -> Ranked | None:
    """The last sentence before `r` that names `surname`."""
    return next((k for k in reversed(ranked)
                 if k.sentence.index < r.sentence.index and surname in k.sentence.text), None)


def choose_lead(ranked: Sequence[Ranked]) -> Ranked | None:
    """The sentence carrying the news: the first, unless one of the next two that stands
    alone scores far higher (the first is a question, a fragment, a quote…)."""
    options = [r for k, r in enumerate(ranked[:3]) if k == 0 or not points_back(r)]
    best = max(options, key=lambda r: (r.score, -r.sentence.index), default=None)
    return options[0] if options and options[0].score >= LEAD_MARGIN * best.score else best


def choose(
    ranked: Sequence[Ranked],
    lead: Ranked | None,
    fits: Callable[[list[Ranked]], bool],
    too_long: Callable[[Ranked], bool],
) -> list[Ranked]:
    """The kept sentences in article order: `lead` first, then the best ones while
    `fits(kept)` (the packed posts stay within the target)."""
    kept = [lead] if lead else []
    if not ranked:
        return kept
    by_index = {r.sentence.index: r for r in ranked}
    chosen = {k.sentence.index for k in kept}  # `r in kept` without comparing dataclasses
    best, misses = max(r.score for r in ranked), 0
    for r in sorted(ranked, key=lambda r: (-r.score, r.sentence.index)):
        if r.score < FLOOR * best or misses >= MAX_MISSES:
            break
        if r.sentence.index in chosen or too_long(r):
            continue
        if misses and r.sentence.index > kept[-1].sentence.index + NEAR:
            continue  # a full thread only takes a short sentence near what it says
        bundle = [r]
        before = by_index.get(r.sentence.index - 1)
        if points_back(r) and (before is None or before.sentence.index not in chosen):
            if before is None or points_back(before) or too_long(before):
                continue  # its antecedent is not in the thread: skip it
            bundle = [before, r]
        if (surname := stranger(r, [*kept, *bundle])) is not None:  # "Mr. Hatfield": who?
            intro = _introduction(r, surname, ranked)
            if intro is None or points_back(intro) or too_long(intro):
                continue
            bundle = [intro, *bundle]
        if any(similarity(b.terms, k.terms) > REDUNDANT for b in bundle for k in kept):
            continue
        trial = sorted([*kept, *bundle], key=lambda k: k.sentence.index)
        if any(stranger(b, trial) for b in bundle):
            continue
        if fits(trial):
            kept = trial
            chosen.update(b.sentence.index for b in bundle)
        else:
            misses += 1
    return kept


def pack(weights: Sequence[int], room: Callable[[int], int], breaks: Sequence[bool] = ()) -> list[list[int]]:
    """Indexes of `weights` per post: each post takes the next items while they fit
    `room(post_index)` (a space between items); `breaks[i]`: item i opens a new post."""
    posts: list[list[int]] = []
    used = 0
    for i, w in enumerate(weights):
        forced = i < len(breaks) and breaks[i]
        if posts and not forced and used + 1 + w <= room(len(posts) - 1):
            posts[-1].append(i)
            used += 1 + w
        else:
            posts.append([i])
            used = w
    return posts
