"""Light, safe compression of a chosen sentence: pure string functions.

- Parentheticals and bracketed citations go: "(pictured)", "(AP)", "[3]", "（注）". A
  parenthesis holding the sentence's only digits is kept (it may carry the fact), and one
  that opens the sentence stays as is.
- A leading discourse filler goes: additive ones ("Moreover,", "In addition,") always;
  contrastive ones ("However,", "But") only when the sentence before it in the article is
  not kept right before it (then the contrast points at nothing the reader sees).
- Whitespace is collapsed and spaces before punctuation removed.
- `shorten`: a sentence too long for its post may lose a clause it can do without: one
  between commas (", who …,", ", which …,") or its trailing one (", where …",
  ", including …"); never an attribution (", a court heard", ", police said": without it
  an allegation would read as a fact).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.generate.clean import open_quotations

_PAREN = re.compile(
    r"\s*(?:\((?P<p>[^()]{1,90})\)|\[(?:\d+|citation needed|note \d+)\]|（[^（）]{1,60}）)"
)
_ADDITIVE = re.compile(
    r"^(?:moreover|furthermore|additionally|in addition|also|besides|indeed|of course|in fact|"
    r"notably|interestingly|importantly|basically|essentially|actually|so|now|well|overall|"
    r"as a result|in other words|that said|to be sure)\s*,\s*|^and\s+(?=\S)",
    re.IGNORECASE,
)
_CONTRASTIVE = re.compile(
    r"^(?:however|but|yet|still|nevertheless|nonetheless|meanwhile|instead|on the other hand|"
    r"by contrast|in contrast|even so|then again)\s*,\s*(?=\S)|^but\s+(?=\S)",
    re.IGNORECASE,
)
# Where a trailing clause that the sentence can do without begins: after a comma or a dash,
# a relative or subordinating word, or a participle that adds a circumstance. Attributions
# (", police said", ", according to …") never match.
_TRAILING = re.compile(
    r"(?:,|\s[—–])\s+(?=(?:where|which|whose|while|whilst|when|after|before|with|without|"
    r"including|despite|although|though|following|amid|as well as|leaving|making|meaning|"
    r"bringing|sending|taking|giving|adding to|ahead of)\b)",
)
# A non-restrictive clause between two commas, with no other clause in it.
_INNER = re.compile(r",\s+(?:who|whose|which|with)\b[^,;:—–()]*,\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,.;:!?…])")
_SPACES = re.compile(r"\s{2,}")
# In printable ASCII the only white space is " " (`str.isprintable`): there both patterns above
# match only where a space comes before a space or one of their stops.
_SPACE_PAIR = re.compile(r" [ ,.;:!?]")
_DIGIT = re.compile(r"\d")


def compress(sentence: str, follows_previous: bool = False, *, aggressive: bool = False) -> str:
    """A shorter sentence saying the same thing.

    `follows_previous`: the article's previous sentence is kept right before this one.
    `aggressive` (punchy tone): contrastive fillers go even then.
    """
    text = _drop_parentheticals(sentence)
    text = _drop_filler(text, keep_contrast=follows_previous and not aggressive)
    text = _tidy(text).strip()
    return text or sentence.strip()


def _tidy(text: str) -> str:
    """No space before punctuation, runs of white space collapsed."""
    if text.isascii() and text.isprintable() and not _SPACE_PAIR.search(text):
        return text  # nothing for either pattern: most sentences
    return _SPACES.sub(" ", _SPACE_BEFORE_PUNCT.sub("", text))


def _drop_parentheticals(text: str) -> str:
    if "(" not in text and "[" not in text and "（" not in text:  # nothing _PAREN can match
        return text
    digits_outside = len(_DIGIT.findall(_PAREN.sub("", text)))

    def drop(m: re.Match) -> str:
        if m.start() == 0 and not m.group(0)[:1].isspace():
            return m.group(0)
        inner = m.group("p") or ""
        if _DIGIT.search(inner) and digits_outside == 0:
            return m.group(0)
        return ""

    return _PAREN.sub(drop, text)


def _drop_filler(text: str, keep_contrast: bool) -> str:
    m = _ADDITIVE.match(text)
    if not m and not keep_contrast:
        m = _CONTRASTIVE.match(text)
    if not m or len(text) - m.end() < 12:
        return text
    rest = text[m.end() :]
    return rest[0].upper() + rest[1:]


def shorten(sentence: str, fits: Callable[[str], bool]) -> str | None:
    """The sentence without one clause it can do without, the shortest cut that makes it
    fit: a non-restrictive clause between commas (", who …,", ", which …,", ", with …,"),
    or its trailing clause. None when no cut fits, or when less than half would be left.
    A cut inside a quotation is not taken."""
    ending = sentence[-1] if sentence[-1:] in ("?", "!") else "."
    candidates = [sentence[: m.start()] + " " + sentence[m.end():]
                  for m in _INNER.finditer(sentence) if not open_quotations(m.group(0))]
    for m in _TRAILING.finditer(sentence):
        candidates.append(sentence[: m.start()].rstrip(" ,;:—–") + ending)
    for shorter in sorted(candidates, key=len, reverse=True):
        if len(shorter) * 2 < len(sentence):
            return None
        if not open_quotations(shorter.rstrip(".?!")) and fits(shorter):
            return shorter
    return None
