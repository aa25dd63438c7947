"""The main text: trafilatura's fast path, vetted by our own content scorer.

trafilatura (fast mode, no comments) finds the article body well but keeps some clutter
(newsletter boxes, related-link lists, captions) and sometimes stops early (a body split
into chunks by an ad slot). Our scorer's regions are a second, independent opinion:
- when they cover most of trafilatura's text, paragraphs outside them are dropped;
- when they hold a lot of prose trafilatura did not return, that prose is put back, and so
  are quotations (embedded posts) between paragraphs both found;
- teaser cards (extract_cards) are taken out of trafilatura's text in any case;
- when trafilatura finds nothing but the headline, the regions' own paragraphs are the text.
Finally the headline comes off the top and edge furniture off both ends (extract_tidy).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lxml.html import HtmlElement

from core.articles.extract_html import ends_sentence, word_key, words
from core.articles.extract_match import OurText
from core.articles.extract_regions import Paragraph, region_paragraphs
from core.articles.extract_score import ContentMap, content_regions
from core.articles.extract_tidy import is_call_to_action, tidy
from core.articles.metadata import PageMetadata

_CHROME_ONLY_CHARS = 200  # below this, text found only outside content blocks is page chrome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tuning:
    """The numbers the combination rests on (bench/cv_extraction.py cross-validates them)."""

    agreement: float = 0.6  # share of trafilatura's words our regions must hold to vet it
    prose_words: int = 20  # a paragraph of our regions this long, ending a sentence, is prose
    recover: float = 0.5  # missed prose at least this share of trafilatura's words is put back
    top: int = 3  # how many leading paragraphs may be headline repeats or kickers


DEFAULT = Tuning()


def _trafilatura_paragraphs(tree: HtmlElement, url: str | None) -> list[str]:
    """Paragraphs found by trafilatura on a copy of `tree`; [] when it finds nothing."""
    from trafilatura import bare_extraction  # heavy import, kept out of module import time

    try:
        document = bare_extraction(
            tree, url=url, fast=True, include_comments=False, with_metadata=False,
            deduplicate=False,
        )
    except Exception:  # a third-party failure must not lose the page: the scorer stands in
        log.warning("trafilatura failed; using the content scorer alone", exc_info=True)
        return []
    text = getattr(document, "text", None) or ""
    return [line.strip() for line in text.split("\n") if line.strip()]


def _is_prose(paragraph: str, tuning: Tuning) -> bool:
    """Sentences, not a teaser title or a widget: long enough and ending like a sentence."""
    return (
        len(words(paragraph)) >= tuning.prose_words
        and ends_sentence(paragraph)
        and not is_call_to_action(paragraph)
    )


def _combined(found: list[str], ours: list[Paragraph], tuning: Tuning) -> list[str]:
    """trafilatura's paragraphs vetted by ours, plus what of ours it missed: prose from
    containers shaped like those holding text both found (the other chunks of a body split
    by ad slots, never other posts or widgets around it), and quotations inside the body.
    """
    if not ours:
        return found
    our_keys = [word_key(p.text) for p in ours]
    our_text = OurText(our_keys)
    keys = [word_key(p) for p in found]
    matches = [our_text.find(key) for key in keys]
    total = sum(len(key.split()) for key in keys)
    agreed = sum(len(key.split()) for key, (ok, _) in zip(keys, matches, strict=True) if ok)
    if total and agreed / total < tuning.agreement:
        return found
    # kept paragraphs, in our fuller wording where trafilatura dropped words inside them
    vetted = [
        ours[n].text if n is not None else p
        for p, (ok, n) in zip(found, matches, strict=True) if ok
    ]
    found_exact, found_text = set(keys), f" {' '.join(keys)} "
    shared = [key in found_exact or f" {key} " in found_text for key in our_keys]
    shapes = {p.shape for p, both in zip(ours, shared, strict=True) if both} - {""}
    missed = [
        not both and p.shape in shapes and _is_prose(p.text, tuning)
        for p, both in zip(ours, shared, strict=True)
    ]
    missed_words = sum(len(k.split()) for k, m in zip(our_keys, missed, strict=True) if m)
    if missed_words and missed_words >= tuning.recover * total:
        # ours in reading order: what both found, and the prose trafilatura missed
        return [p.text for p, both, m in zip(ours, shared, missed, strict=True) if both or m]
    return _with_quotations(vetted, ours, our_keys, shared)


def _with_quotations(
    vetted: list[str], ours: list[Paragraph], our_keys: list[str], shared: list[bool],
) -> list[str]:
    """Block quotes (embedded posts, quoted passages) between paragraphs both found, put
    back after the paragraph they follow."""
    both = [n for n, ok in enumerate(shared) if ok]
    after: dict[str, list[str]] = {}
    anchor = None
    for n in range(both[0], both[-1]) if both else ():
        if shared[n]:
            anchor = our_keys[n]
        elif ours[n].quoted and anchor:
            after.setdefault(anchor, []).append(ours[n].text)
    if not after:
        return vetted
    result = []
    for paragraph in vetted:
        result.append(paragraph)
        result.extend(after.pop(word_key(paragraph), ()))
    return result


def _without_cards(found: list[str], cards: set[str], ours: set[str]) -> list[str]:
    """trafilatura's paragraphs minus teaser-card lines (never all of them): positive
    evidence of clutter, applied whether or not our regions agree with trafilatura."""
    if not cards:
        return found
    kept = [p for p in found if (key := word_key(p)) not in cards or key in ours]
    return kept or found


def _without_headline(paragraphs: list, meta: PageMetadata, tuning: Tuning) -> list:
    """Repeats of the headline (h1, title, og:title…) and bare links at the top removed.

    Items are strings or `Paragraph`s."""
    headings = {word_key(h) for h in meta.headings} - {""}

    def headline(item) -> bool:
        text = item if isinstance(item, str) else item[0]
        return word_key(text) in headings or (text.startswith("http") and " " not in text)

    return [p for p in paragraphs[: tuning.top] if not headline(p)] + paragraphs[tuning.top:]


def main_paragraphs(
    tree: HtmlElement, url: str | None, meta: PageMetadata, tuning: Tuning = DEFAULT,
) -> list[str]:
    """The article's paragraphs in reading order; [] when the page has no article text."""
    content = ContentMap(tree)
    ours = _without_headline(region_paragraphs(content, content_regions(content)), meta, tuning)
    found = _without_headline(_trafilatura_paragraphs(tree, url), meta, tuning)
    found = _without_cards(found, content.card_keys(), {word_key(p.text) for p in ours})
    if not content.blocks and sum(map(len, found)) < _CHROME_ONLY_CHARS:
        return []  # the little text there is sits in navigation, footers, scripts…
    found = _combined(found, ours, tuning) if found else [p.text for p in ours]
    return tidy([p for p in found if words(p)])
