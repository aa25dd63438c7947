"""Sentence ranking for the offline summarizer: pure, deterministic, no I/O.

A sentence's score mixes its centrality (TF-IDF cosine to the whole document), its overlap
with the title's keywords, and its position (early sentences, paragraph openers), scaled
down for very short or very long sentences and for questions to the reader. Boilerplate
(calls to subscribe, bylines, captions, credits, headings) is not a candidate at all.
Words are letter runs; scripts written without spaces (Han, kana, Thai…) use character
bigrams, so ranking works in any language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from core.generate.clean import clean_paragraph, is_caption, pieces, quote_balance, unglue
from core.generate.sentences import CJK, sentences_in, split_paragraphs

_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our
    ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours said says say new one
    two like get got make made many much may might must year years time also even still
    el la los las de del y en que un una por con para es se al lo le les des et du au
    une est pas pour sur dans qui ce il elle der die das und ist nicht ein eine zu den
    mit von im auf dem für o os as um uma não em da do il di che è per non""".split()
)
_BOILERPLATE_ANYWHERE = re.compile(
    r"""\b(?:subscribe|subscription|sign[ -]?up|sign[ -]?in|log[ -]?in|click\ (?:here|the\ link)|
    read\ more|newsletter|follow\ us|share\ this|all\ rights\ reserved|cookies?|
    advertisement|sponsored|related\ (?:articles?|stories)|recommended\ for\ you|
    terms\ of\ (?:use|service)|privacy\ policy|download\ (?:the|our)\ app|
    getty\ images|shutterstock|ap\ photo|afp\ via|copyright|javascript)\b|©""",
    re.VERBOSE,
)
# Cheap substring test first: the regex above runs only on sentences holding one of these.
_TRIGGERS = (
    "subscri", "sign", "log", "click", "read more", "newsletter", "follow us", "share this",
    "rights reserved", "cookie", "advertis", "sponsor", "related", "recommended", "terms of",
    "privacy", "download", "getty", "shutterstock", "ap photo", "afp via", "copyright",
    "javascript", "©",
)  # fmt: skip
_BOILERPLATE_START = re.compile(
    r"""(?:photo|image|picture|illustration|video|graphic|caption|credit|source|file)s?
      \s*(?::|by\b|credit)
    |(?:by|written\ by|reporting\ by|edited\ by|words\ by)\s+[^\W\d_]
    |(?:updated|published|posted|last\ (?:modified|updated))\b
    |(?:read|see|watch|listen)(?:\ also|\ more)?\s*:
    |(?:advertisement|ad)$""",
    re.VERBOSE,
)
_TERMINAL = re.compile(r"[.!?…。！？｡।؟\"'”’»」』)]$")
_NO_SPACE = CJK + "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"  # + Thai, Lao, Myanmar, Khmer
_DENSE = re.compile(f"([{_NO_SPACE}]+)")
# A word: letters/digits, then letters, digits, combining marks (Indic vowel signs…), ' and -.
_WORD = re.compile(r"[^\W_][\w\u0300-\u036f\u0900-\u0dff\u0e31-\u0e4e'’-]*")
_ASCII_WORD = re.compile(r"[a-z0-9][a-z0-9_'-]*")  # what _WORD finds in lower-case ASCII
_HASHTAG_WORD = re.compile(r"[^\W\d_]{4,}")
# A direct quotation: opens on a quote mark, or a quote closes before "said"/"added".
_QUOTE = re.compile(r"^[\"'“‘«„]|[\"'”’»],?\s+(?:[\w.]+\s+){0,3}(?:said|says|added|told)\b")
_QUOTE_MARKS = "\"'“‘«„”’»"  # every _QUOTE match holds one: a sentence without any is not scanned
# Score weights (see `rank`): general news priors, checked by cross-validation over halves
# of the dev set (bench/bench_quality.py --half even|odd).
LEAD_DECAY = 3.0  # the position prior is exp(-k / LEAD_DECAY) over candidate order
LEAD_REF = 3  # with no title, the first sentences stand in for it
OPENER = 0.05  # a paragraph's first sentence
W_CENTRAL = 0.25
W_TITLE = 0.3
QUOTE_FACTOR = 0.6
SHORT_TOKENS = 7  # fewer content words than this: a slight sentence, ranked lower
_HEAVY = re.compile(r"[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the article with where it stands: `index` counts sentences in order;
    `caption`: a photo caption glued into the text (never a candidate, see `clean`);
    `quoted`: it starts inside a quotation opened by an earlier sentence (someone's words
    whose speaker is named before it)."""

    index: int
    paragraph: int
    opens_paragraph: bool
    text: str
    caption: bool = False
    quoted: bool = False


def sentences_of(text: str) -> list[Sentence]:
    """The article's sentences, datelines and furniture removed, captions marked."""
    out: list[Sentence] = []
    for p, paragraph in enumerate(split_paragraphs(text)):
        first = not out
        parts = [p for k, part in enumerate(pieces(paragraph))
                 for p in unglue(clean_paragraph(part, first=first and k == 0))]
        found = [s for part in parts for s in sentences_in(part)]
        open_quotes = 0
        for i, sentence in enumerate(found):
            caption = is_caption(sentence, alone=len(found) == 1)
            out.append(Sentence(len(out), p, i == 0, sentence, caption, open_quotes > 0))
            open_quotes = 0 if caption else max(0, open_quotes + quote_balance(sentence))
    return out


def tokenize(text: str) -> list[str]:
    """Lower-cased content tokens: words, or character bigrams for unspaced scripts."""
    lower = text.lower()
    if not lower.isascii():
        return _tokens(lower)
    words = _ASCII_WORD.findall(lower)  # most text: `_tokens` without its non-ASCII cases
    if "'" in lower or "-" in lower:
        words = [w.rstrip("'-") for w in words]
    return [w for w in words if w not in _STOPWORDS]


def _tokens(lower: str) -> list[str]:
    """`tokenize` of lower-cased text in any script."""
    tokens: list[str] = []
    for word in _WORD.findall(lower):
        if not word.isascii() and _DENSE.search(word):
            for i, part in enumerate(_DENSE.split(word)):
                if i % 2:  # a dense run: its character bigrams
                    tokens.extend(part[j : j + 2] for j in range(max(1, len(part) - 1)))
                elif (part := part.strip("'’-")) and part not in _STOPWORDS:
                    tokens.append(part)
        elif (word := word.rstrip("'’-")) not in _STOPWORDS:
            tokens.append(word)
    return tokens


def is_boilerplate(sentence: str) -> bool:
    """Calls to action, bylines, captions, credits, datelines: never part of a thread."""
    lower = sentence.lower()
    if _BOILERPLATE_START.match(lower):
        return True
    return any(t in lower for t in _TRIGGERS) and bool(_BOILERPLATE_ANYWHERE.search(lower))


def is_heading(sentence: str) -> bool:
    """A short line without a closing stop: a heading or a caption, not a key point."""
    # a stop ends the text or comes before its final newline: searched for there only
    return not _TERMINAL.search(sentence, len(sentence) - 2) and len(tokenize(sentence)) < 12


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate sentence with its score (higher is better) and its content tokens."""

    sentence: Sentence
    score: float
    terms: frozenset[str]
    weight: int  # approximate weighted length (see `approx_weight`)


def rank(sentences: list[Sentence], title: str | None) -> list[Ranked]:
    """Scores for `sentences` (same order); deterministic for the same input.

    position prior (news leads with its point) + centrality (TF-IDF cosine to the whole
    text) + overlap with the title (with no title: with the first sentence), times a shape
    factor (very short/long sentences, questions, direct quotes rank lower).
    """
    bags = [Counter(tokenize(s.text)) for s in sentences]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    idf = {t: math.log((len(bags) + 1) / (c + 0.5)) for t, c in df.items()}
    vectors = [{t: c * idf[t] for t, c in bag.items()} for bag in bags]
    centroid: dict[str, float] = {}  # the sum of the vectors (what Counter.update adds)
    for vec in vectors:
        for t, w in vec.items():
            centroid[t] = w + centroid.get(t, 0)
    centroid_norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    ref = set(tokenize(title or "")) or set().union(*bags[:LEAD_REF])
    ranked = []
    for k, (s, bag, vec) in enumerate(zip(sentences, bags, vectors, strict=True)):
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        centrality = sum(w * centroid[t] for t, w in vec.items()) / (norm * centroid_norm)
        overlap = len(ref & bag.keys()) / len(ref) if ref else 0.0
        position = math.exp(-k / LEAD_DECAY) + OPENER * s.opens_paragraph
        base = position + W_CENTRAL * centrality + W_TITLE * overlap
        score = base * _shape_factor(s.text, sum(bag.values()), s.quoted)
        ranked.append(Ranked(s, score, frozenset(bag), approx_weight(s.text)))
    return ranked


def _shape_factor(text: str, n_tokens: int, quoted: bool) -> float:
    factor = 1.0
    if n_tokens < 4:
        factor *= 0.2
    elif n_tokens < SHORT_TOKENS:
        factor *= 0.6
    if len(text) > 320:
        factor *= 0.4
    elif len(text) > 240:
        factor *= 0.75
    if text.rstrip("\"'”’»」』) ").endswith(("?", "？", "؟")):
        factor *= 0.35
    if quoted or (any(q in text for q in _QUOTE_MARKS) and _QUOTE.search(text)):
        factor *= QUOTE_FACTOR
    return factor


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard overlap of two sentences' content tokens (for redundancy)."""
    if not (a and b):
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)  # |a ∪ b| without building it


def top_keywords(ranked: list[Ranked], title: str | None, k: int) -> list[str]:
    """Up to `k` keywords (alphabetic words, not unspaced-script bigrams) for hashtags."""
    if k <= 0:
        return []
    counts: Counter[str] = Counter()
    for r in ranked:
        counts.update(r.terms)
    counts = Counter({w: c for w, c in counts.items() if _hashtag_word(w)})
    title_terms = set(tokenize(title or ""))
    ranked = sorted(counts, key=lambda w: (-(counts[w] * (3 if w in title_terms else 1)), w))
    return [w for w in ranked if counts[w] > 1 or w in title_terms][:k]


def _hashtag_word(word: str) -> bool:
    return _HASHTAG_WORD.fullmatch(word) is not None and not _DENSE.search(word)


def approx_weight(text: str) -> int:
    """X's weighted length without URL and emoji rules: 1 per light code point, else 2."""
    return len(text) if text.isascii() else len(text) + len(_HEAVY.findall(text))
