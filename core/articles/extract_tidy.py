"""Paragraph-level rules that hold on any site: furniture at the edges of the main text.

Pure functions over lists of paragraph strings (no tree, no I/O). What they remove:
- calls to action (newsletter boxes, "follow us on…", "have a tip?", "click here…") and
  at the top or bottom of the text, and "Read more: …" link lines anywhere;
- bylines, date/time and reading-time lines at the top, "Filed under:"/"Tags:" lines at the bottom;
- dangling labels at the bottom ("Tags", "comments", "Explore further"): a word or two with
  no sentence after them head a section that was not kept.
"""

from __future__ import annotations

import re

from core.articles.extract_html import ends_sentence, words

# Said to the reader, not about the world: an imperative opening, or a phrase only a call to
# action uses ("Netflix raised subscription prices" is news; "Subscribe to…" is not).
_CALL_TO_ACTION = re.compile(
    r"^\W*(?:sign up|subscribe|start your day|(?:have|got) a (?:news )?tip|tell us"
    r"|like us on|share this|explore further|if you enjoyed|don'?t miss|never miss)\b"
    r"|\b(?:sign(?:ing)? up (?:for|to|here|now|today)|subscribe (?:to|now|here|today|for)"
    r"|click here|tap here|follow (?:us|him|her|me|them) (?:on|at)\b"
    r"|follow\b[^.]{0,40}\bon (?:twitter|facebook|instagram|youtube|linkedin|tiktok)\b"
    r"|(?:delivered|straight|right) (?:to|in|into) your inbox"
    r"|newsletter\b[^.]{0,60}\b(?:sign up|subscribe)|download (?:our|the) app"
    r"|abonnieren|inscreva-se|suscr[ií]bete|iscriviti|abonnez-vous)",
    re.IGNORECASE,
)
_LINK_LINE = re.compile(
    r"^\W*(?:read more|related|see also|also read|read also|also|more|watch|listen|"
    r"leia (?:também|mais)|lesen sie auch|mehr zum thema|lire aussi|leggi anche|lee también)"
    r"\s*(?::|\||-|–|—)",
    re.IGNORECASE,
)
_MORE_HEADING = re.compile(  # the label over a list of other stories
    r"^\W*(?:you (?:may|might) (?:also )?like|more (?:from|on|stories|news|in|to read)"
    r"|related(?: articles| stories| posts| content)?|recommended(?: for you)?|read next"
    r"|most (?:read|popular|viewed)|trending(?: now)?|popular (?:now|posts|stories)"
    r"|don'?t miss|further reading|see also)\b",
    re.IGNORECASE,
)
_READING_TIME = re.compile(
    r"^\W*(?:reading time|read time|tempo de leitura|lesezeit|temps de lecture"
    r"|tiempo de lectura|tempo di lettura)\b|^\W*\d+\s*min(?:ute)?s? read\W*$",
    re.IGNORECASE,
)
_STAMP = re.compile(  # a clock time, an ISO date, or a date line's own label
    r"\b\d{1,2}:\d\d\b|\b\d{4}-\d\d-\d\d\b|^\W*(?:updated|published|posted|last modified"
    r"|atualizado|publicado|actualizado|aktualisiert|veröffentlicht|mis à jour|publié"
    r"|aggiornato|pubblicato)\b",
    re.IGNORECASE,
)
_STAMP_WORDS = 10
_BYLINE = re.compile(
    r"^\W*(?:(?:written |posted |words )?by|von|por|par|di|door|av|af|от)\s+(\w)", re.IGNORECASE
)
_FILING = re.compile(  # taxonomy under the text: "Filed under: Politics |", "Tags: a, b"
    r"^\W*(?:filed under|tags|tagged(?: with)?|categories|category|posted in)\s*:",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”»)\]]\s*$")
_ENDS = re.compile(r"[.!?…:;\"”»)\]]\s*$|^\W*$")  # a sentence end, or no words at all
_FIRST_WORD = re.compile(r"^(\w+)[\s,;]")
_EDGE_WORDS = 60  # a call to action is short; a longer paragraph that mentions one is prose
_LINK_LINE_WORDS = 25
_LABEL_WORDS = 2  # "Tags", "comments", "Explore further"
_HEADING_WORDS = 6


def is_call_to_action(paragraph: str) -> bool:
    """A short paragraph asking the reader to subscribe, follow, click…, or a copyright."""
    if len(words(paragraph)) > _EDGE_WORDS:
        return False
    return bool(_CALL_TO_ACTION.search(paragraph))


def is_link_line(paragraph: str) -> bool:
    """"Read more: <headline>", "Related: …", "[Related: …]", "Leia também: …"."""
    return len(words(paragraph)) <= _LINK_LINE_WORDS and bool(_LINK_LINE.match(paragraph))


def is_label(paragraph: str) -> bool:
    """A widget label or a heading over something not kept: one or two words ending no
    sentence (never a number), or "You may also like…", "Most read", "Related stories"."""
    found = words(paragraph)
    if len(found) <= _HEADING_WORDS and _MORE_HEADING.match(paragraph):
        return True
    return (
        len(found) <= _LABEL_WORDS
        and not _SENTENCE_END.search(paragraph)
        and not any(ch.isdigit() for ch in paragraph)
    )


def is_stamp(paragraph: str) -> bool:
    """A date/time or reading-time line over the text: "Updated: Tue., Nov. 19, 2019",
    "sexta-feira, 22 de outubro de 2010 às 20:13", "Reading time: 3 minutes"."""
    if _READING_TIME.match(paragraph):
        return True
    return (
        len(words(paragraph)) <= _STAMP_WORDS
        and not ends_sentence(paragraph)
        and bool(_STAMP.search(paragraph))
    )


def is_byline(paragraph: str) -> bool:
    """"By Jane Doe, Staff Writer", "Von Max Muster": a few words naming the author (a
    capitalised name, so "By the numbers" is not one)."""
    found = _BYLINE.match(paragraph)
    return (
        found is not None
        and found.group(1).isupper()
        and len(words(paragraph)) <= _STAMP_WORDS
        and not ends_sentence(paragraph)
    )


def _continues(paragraph: str) -> bool:
    """Starts with a lower-case word: "continues here", not "iPhone", "Der", "2019"."""
    first = _FIRST_WORD.match(paragraph)
    return bool(first) and first.group(1).islower() and first.group(1)[0].isalpha()


def rejoined(paragraphs: list[str]) -> list[str]:
    """A sentence cut by a line break (`<br>`) put back together: a line that ends no
    sentence, followed by one that starts with a lower-case word, is one paragraph."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and _continues(paragraph) and not _ENDS.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined


def tidy(paragraphs: list[str]) -> list[str]:
    """`paragraphs` without edge furniture and link lines, sentences cut by line breaks
    rejoined; never empties a non-empty text."""
    kept = rejoined([p for p in paragraphs if not is_link_line(p)] or paragraphs)
    start, end = 0, len(kept)
    while start < end - 1 and (is_call_to_action(kept[start]) or is_stamp(kept[start])
                               or is_byline(kept[start])):
        start += 1
    while end > start + 1 and (is_call_to_action(kept[end - 1]) or is_label(kept[end - 1])
                               or _FILING.match(kept[end - 1])):
        end -= 1
    return kept[start:end]
