"""Page furniture that must never reach a thread: pure functions over an article's text.

- Datelines: "(CNN)", "WASHINGTON (Reuters) –", "New Delhi, India (CNN)", "LONDON — ", a
  source's credit "(The Hollywood Reporter)" at the start of the article, and the glue of
  a dateline into the first word ("WashingtonThis"). An agency tag in parentheses goes
  wherever it stands.
- Furniture written in place of a sentence: "Scroll down for video", "Watch the video",
  "Advertisement", shop widgets ("Visit site", "Buy now"), capitalised, so not a verb
  phrase inside a sentence.
- Captions glued to the next sentence when the page lost its line breaks: "...in the
  middle of a match A chess grandmaster has..." is cut before the new sentence
  (a lowercase word, then an opener like The/A/He/It with a lowercase word after it);
  the unterminated piece before the cut is a caption (`is_caption`), as is an
  unterminated sentence at the end of a paragraph with other sentences.
- Shop widgets written into the text ("Topshop striped skirt Earn your style stripes! Visit
  site"): the sentence before each "Visit site"/"Buy now"/"Shop now" is the product's
  name and blurb, so it goes with the marker (`pieces`).
- Numbered lists glued into the text ("…the mega fight 1. Twizzlers are … 2. Ramen …"):
  cut before each number that has its neighbour (n-1 or n+1) in the same paragraph, the
  number dropped, and a heading in capitals opening an item ("1. BALL OF THE CENTURY
  Benaud was…") dropped too (`pieces`).
- A full stop the page lost its space after ("a court has heard.Shocking allegations…"):
  the space goes back between a lower-case word and a capitalised one, so the two
  sentences are two (not a domain, a path or an initial: the word stands alone before it).
- "Label: caption" sentences ("Sharp dresser: The actress wears…"): a short label without a
  verb of saying before a colon.
"""

from __future__ import annotations

import functools
import re

from core.generate.sentences import sentences_in

_AGENCY = r"\((?:CNN|Reuters|AP|AFP|UPI|dpa|DPA|Xinhua|EFE|ANSA|Bloomberg)\)"
_DATELINE = re.compile(
    rf"^(?:(?:[A-Z][\w.'’-]*,?\s+){{0,4}}{_AGENCY}\s*(?:[-–—]+\s*)?"  # Boston (CNN) --
    r"|[A-Z]{3,}(?:[ ,]+[A-Z][\w.]*){0,3}\s+[-–—]+\s+"  # LONDON — ; NEW YORK, N.Y. —
    r"|\((?:[A-Z][\w.&'’-]*\s?){1,4}\)\s*(?:[-–—]+\s*)?(?=[A-Z]))"  # (The Hollywood Reporter)Stan…
)
_AGENCY_ANYWHERE = re.compile(rf"\s*{_AGENCY}\s*(?:[-–—]+\s)?")
_OPENERS = (
    r"The|This|These|That|Those|A|An|It|Its|He|She|They|His|Her|Their|We|In|On|At|As|"
    r"When|After|But|And|Now|Police|Officials"
)
# A place name glued to the first word by a lost tag: "WashingtonThis week…"
_GLUED_DATELINE = re.compile(rf"^[A-Z][a-z]+(?:,? [A-Z][a-z]+){{0,2}}(?<=[a-z])(?=(?:{_OPENERS})\s)")
_FURNITURE = re.compile(
    r"(?:Scroll down for (?:the )?(?:video|more(?: videos)?)|Watch the video|Advertisement"
    r"|Read more|Share this (?:article|story)|Click here|Visit site|Shop now|Buy now|Shop the look)\b[.:…]*\s*(?=[A-Z‘'\"“]|$)"
)
# A caption glued to the sentence after it: a lowercase word (or figure, closing quote)
# then an opener and a lowercase word or a figure ("…exam answers The 31-year-old…").
# "Plan A is" / "grade A students" are not cuts.
# A capitalised sentence adverb after a lowercase word does too ("…other macaques Officially
# named…"); not "-ingly" or "-ly" alone, which names end with ("at Headingly had", "Kelly").
_OPENING_ADVERB = r"[A-Z][a-z]{3,}(?:ally|ously|ately|ently|fully|edly)"
# A capitalised preposition after a lowercase word, then a name and a comma, starts a
# sentence ("…in a row On Wednesday, the Princess…"; not "…in In Bruges and…").
# An existential "There" before a verb does too ("…safety concerns There were three…"; not
# the song "Over There and…").
# The white space is found first, the character before it checked after (`_GLUED_AFTER`): a
# look-behind opening the pattern would be tried at every character.
_GLUE = re.compile(
    rf"\s+(?=[A-Z])(?=(?:{_OPENERS})\s+[a-z0-9]|(?:On|In|At|After|During)\s+[A-Z]\w*(?:\s[A-Z]\w*)?,"
    rf"|{_OPENING_ADVERB},?\s+[a-z]"
    r"|There\s+(?:is|are|was|were|has|have|had|will|would|could|may|might|seems?|seemed)\b)"
)
_GLUED_AFTER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789%’'”)")
_NOT_GLUE = re.compile(r"\b(?:plan|type|grade|class|group|vitamin|part|section)$", re.I)
_STOPS, _CLOSERS = ".!?…。！？｡।؟", "\"'”’»)]"
_TERMINATED = re.compile(rf"[{_STOPS}][{re.escape(_CLOSERS)}]*$")
_LABEL = re.compile(r"^[A-Z][\w'’-]*(?: [a-z][\w'’-]*){0,2}: +(?=[A-Z‘'\"“])")
_SAYING = re.compile(r"\b(?:said|says|told|added|explained|wrote|writes|asked|insisted|"
                     r"warned|claimed|revealed|stated|tweeted|replied|continued)\b")


_NO_SPACE_AFTER_STOP = re.compile(
    r"(?:^|(?<=\s))([a-z]{3,}[.!?])(?=(?:[A-Z][a-z]+|I)\b)(?!(?:Com|Org|Net|Gov|Edu|Info)\b)")


def clean_paragraph(paragraph: str, first: bool = False) -> str:
    """The paragraph without datelines, agency tags and furniture; `first`: the article's
    first paragraph (where a glued place name is a dateline)."""
    text = paragraph
    if first:  # a dateline opens the article, not any paragraph ("NASA — the agency…")
        text = _GLUED_DATELINE.sub("", _DATELINE.sub("", text))
    if "(" in text:  # every agency tag is in parentheses
        text = _AGENCY_ANYWHERE.sub(" ", text)
    text = _FURNITURE.sub("", text)
    if "." in text or "!" in text or "?" in text:
        text = _NO_SPACE_AFTER_STOP.sub(r"\1 ", text)
    return text.strip()


_SHOP_MARKS = ("Visit site", "Shop now", "Buy now", "Shop the look")
_SHOP = re.compile(rf"\s*\b(?:{'|'.join(_SHOP_MARKS)})\b[.:…]*\s*")
_LIST_NUMBER = re.compile(r"(?:^|(?<=\s))(\d{1,2})\.\s+(?=[A-Z‘'\"“])")
_NUMBER_DOT = re.compile(r"\d\.\s")
_NOT_A_LIST = re.compile(r"\b(?:no|nos|number|page|chapter|step)\.?\s*$", re.I)
_CAPS_HEADING = re.compile(r"^[‘'\"“]?(?:[A-Z0-9][A-Z0-9'’&.,!?-]*\s+){2,}(?=[A-Z][a-z])")


def pieces(paragraph: str) -> list[str]:
    """The paragraph as runs of sentences: shop widgets dropped (the sentence before each
    marker with the marker), numbered lists cut into their items (numbers dropped)."""
    parts = _SHOP.split(paragraph) if any(m in paragraph for m in _SHOP_MARKS) else [paragraph]
    kept = [" ".join(sentences_in(p)[:-1]) for p in parts[:-1]] + [parts[-1]]
    return [item for part in kept for item in _list_items(part) if item]


def _list_items(text: str) -> list[str]:
    if not _NUMBER_DOT.search(text):  # what every _LIST_NUMBER match holds: no list here
        return [text.strip()]
    marks = [m for m in _LIST_NUMBER.finditer(text) if not _NOT_A_LIST.search(text[: m.start()])]
    numbers = {int(m.group(1)) for m in marks}
    marks = [m for m in marks if {int(m.group(1)) - 1, int(m.group(1)) + 1} & numbers]
    if not marks:
        return [text.strip()]
    items = [text[: marks[0].start()].strip()]
    for m, nxt in zip(marks, [*marks[1:], None], strict=True):
        item = text[m.end() : nxt.start() if nxt else len(text)].strip()
        items.append(_CAPS_HEADING.sub("", item))
    return items


def unglue(paragraph: str) -> list[str]:
    """The paragraph cut where a caption runs into the next sentence."""
    pieces, start = [], 0
    for m in _GLUE.finditer(paragraph):
        if not m.start() or paragraph[m.start() - 1] not in _GLUED_AFTER:
            continue
        head = paragraph[start : m.start()]
        if len(head.split()) >= 4 and not _TERMINATED.search(head) and not _NOT_GLUE.search(head):
            pieces.append(head.strip())
            start = m.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]


def is_terminated(sentence: str) -> bool:
    """Ends on a stop, maybe inside closing quotes or brackets (`_TERMINATED`, read from
    the end instead of searched for)."""
    tail = sentence.rstrip().rstrip(_CLOSERS)[-1:]
    return tail != "" and tail in _STOPS


def is_caption(sentence: str, alone: bool) -> bool:
    """A photo caption: "Label: caption", or unterminated text sharing its paragraph with
    other sentences (`alone`: the paragraph's only sentence, e.g. a list item)."""
    label = ":" in sentence and _LABEL.match(sentence)  # most sentences hold no colon
    if label and not _SAYING.search(label.group(0)):
        return True
    return not alone and not is_terminated(sentence)


# Quotation marks that open (after a space or the start) and close (before a space, a
# stop or the end); a lone apostrophe inside a word ("I’d", "club's") is neither.
_OPENS = re.compile(r"(?:^|(?<=[\s(\[—–-]))[‘“\"'](?=\w)")
_CLOSES = re.compile(r"(?<=[\w.,!?…])[’”\"'](?=[\s.,;:!?)\]—–-]|$)")
_QUOTE_MARKS = "‘“\"'’”"  # every mark _OPENS or _CLOSES can match
_ANY_QUOTE_MARK = re.compile(f"[{_QUOTE_MARKS}]")


_CLOSER = {"‘": "’", "“": "”", '"': '"', "'": "'"}


def open_quotations(sentence: str, before: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The opening marks of the quotations still open after `sentence`, given those open
    before it. A closing mark closes the latest one; the mark of the latest one opening
    again goes on with it (each paragraph of a long quotation opens with a mark that the
    one before never closed), since a quotation inside another takes the other mark."""
    still_open = list(before)
    for opener in _quote_marks(sentence):
        if opener:
            if not still_open or still_open[-1] != opener:
                still_open.append(opener)
        elif still_open:
            still_open.pop()
    return tuple(still_open)


def has_quotation_marks(sentence: str) -> bool:
    return _ANY_QUOTE_MARK.search(sentence) is not None


@functools.lru_cache(maxsize=4096)  # asked again for each packing the thread tries
def _quote_marks(sentence: str) -> tuple[str, ...]:
    """The sentence's quotation marks in order: an opening mark, or "" for a closing one."""
    if not has_quotation_marks(sentence):  # most sentences: no scan
        return ()
    marks = sorted([(m.start(), m.group(0)) for m in _OPENS.finditer(sentence)]
                   + [(m.start(), "") for m in _CLOSES.finditer(sentence)])
    return tuple(opener for _, opener in marks)


def closing_marks(still_open: tuple[str, ...]) -> str:
    """What closes these quotations, innermost first ("‘I was tired." + "’")."""
    return "".join(_CLOSER[mark] for mark in reversed(still_open))


def quote_balance(sentence: str) -> int:
    """Quotations the sentence opens minus those it closes (> 0: still open after it)."""
    if not has_quotation_marks(sentence):  # most sentences: no scan
        return 0
    return len(_OPENS.findall(sentence)) - len(_CLOSES.findall(sentence))
