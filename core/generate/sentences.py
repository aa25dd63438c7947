"""Sentence segmentation for any language: pure functions over strings.

Latin-style terminators (. ! ? …) end a sentence only when followed by whitespace and a
word that may start one (not a lowercase letter), and not after an abbreviation
("Dr.", "e.g."), an initial ("J."), or a dotted acronym ("U.S.") unless the next word is
a typical sentence opener. Decimals ("3.14") never split (no whitespace). CJK, Devanagari
and Arabic terminators (。！？।؟) always end a sentence, spaces or not. A terminator inside
an open quotation that closes later in the paragraph does not split.
"""

from __future__ import annotations

import re

# Titles and Latin shorthands that are (almost) never the end of a sentence.
_NEVER_END = frozenset(
    "mr mrs ms mx dr prof st mt gen gov sen rep lt col capt sgt maj adm rev hon fr vs cf "
    "e.g i.e approx ca messrs mme mlle viz resp dept univ".split()
)
# Abbreviations that are not an end when a number follows ("No. 5", "Jan. 3", "p. 12").
_BEFORE_NUMBER = frozenset(
    "no nos p pp vol fig figs art sec ch op jan feb mar apr jun jul aug sep sept oct nov "
    "dec est tel ed eds".split()
)
# Abbreviations that often do end a sentence; split only before a typical opener.
_MAYBE_END = frozenset("inc ltd co corp llc plc jr sr etc al bros".split())
_OPENERS = frozenset(
    "the this that these those it its he she they we i you but and yet so in on at for a an "
    "as if when while after before there here our his her their what why how now then some "
    "many most one meanwhile however still today last next".split()
)

# Unspaced scripts: Han, kana, Hangul syllables are spaced but kept here for "!?" runs.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN_END = re.compile(r"""([.!?‽…]+)["'”’»)\]]*\s+(?=(\S))""")
_WIDE_END = re.compile(rf"[。！？｡।॥؟۔]+[」』”’）》〉】\"')]*\s*|[!?]+(?=[{CJK}])")
_WIDE_CLOSERS = "」』”’）》〉】\"')"
_KANA_NEXT = re.compile(r"[\u3040-\u309f]")
_WORD_AFTER = re.compile(r"[^\W_]+")
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
_QUOTE_SPAN = 800  # longest quotation (in characters) kept together across full stops
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of `text` (extracted articles put one paragraph per line), spaces
    collapsed. Splitting at each newline, then stripping, gives what splitting at white space
    runs holding a newline gives: the rest of such a run sits at a line's ends."""
    return [_collapse(line).strip() for line in text.split("\n") if line.strip()]


def _collapse(line: str) -> str:
    if line.isascii() and "  " not in line and "\t" not in line:  # _SPACES would change nothing
        return line
    return _SPACES.sub(" ", line)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, whitespace-trimmed; paragraphs never merge."""
    return [s for p in split_paragraphs(text) for s in sentences_in(p)]


def sentences_in(paragraph: str) -> list[str]:
    """The sentences of one paragraph (as given by `split_paragraphs`)."""
    cuts = {m.end() for m in _LATIN_END.finditer(paragraph) if _is_latin_end(paragraph, m)}
    if not paragraph.isascii():  # every _WIDE_END match holds a non-ASCII character
        cuts |= {m.end() for m in _WIDE_END.finditer(paragraph) if _is_wide_end(paragraph, m)}
    cuts = sorted(cuts)
    pieces, start = [], 0
    for cut in cuts:
        if _inside_quote(paragraph, start, cut):
            continue
        pieces.append(paragraph[start:cut].strip())
        start = cut
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]


def _is_wide_end(text: str, m: re.Match) -> bool:
    """A quoted CJK sentence followed by a particle ("「はい。」と言った") goes on."""
    quoted = m.group(0).rstrip()[-1:] in _WIDE_CLOSERS
    return not (quoted and _KANA_NEXT.match(text, m.end()))


def _is_latin_end(text: str, m: re.Match) -> bool:
    nxt = m.group(2)
    if nxt.islower():
        return False
    if m.group(1) != ".":  # "!", "?", "…", "..." before a capital: an end
        return True
    word = text[text.rfind(" ", 0, m.start()) + 1 : m.start()].lstrip("\"'“‘«([").lower()
    if not word:
        return True
    following = _WORD_AFTER.match(text, m.end())
    next_word = following.group(0).lower() if following else ""
    if word in _NEVER_END:
        return False
    if word in _BEFORE_NUMBER:
        return not nxt.isdigit()
    if len(word) == 1 and word.isalpha():  # an initial: "J. K. Rowling"
        return False
    if word in _MAYBE_END or _DOTTED.match(word):
        return next_word in _OPENERS
    return True


def _inside_quote(text: str, start: int, cut: int) -> bool:
    """True when `cut` falls inside a double quotation that closes soon after it (a stray
    quote mark never glues a whole paragraph into one sentence)."""
    if cut - start > _QUOTE_SPAN:
        return False
    end = cut + _QUOTE_SPAN
    if text.count("“", start, cut) > text.count("”", start, cut) and text.find("”", cut, end) >= 0:
        return True
    return text.count('"', start, cut) % 2 == 1 and text.find('"', cut, end) >= 0
