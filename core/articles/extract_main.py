"""The main text: trafilatura's fast path, vetted by our own content scorer.

trafilatura (fast mode, no comments) finds the article body well but keeps some clutter
(newsletter boxes, related-link lists, captions). Our scorer's regions are a second,
independent opinion: when they cover most of trafilatura's text, paragraphs outside them
are dropped. When trafilatura finds nothing, the regions' own paragraphs are the text.
Finally the headline is taken off the top.
"""

from __future__ import annotations

import logging

from lxml.html import HtmlElement

from core.articles.extract_html import word_key, words
from core.articles.extract_score import ContentMap, content_regions, region_paragraphs
from core.articles.metadata import PageMetadata

_AGREEMENT = 0.6  # share of trafilatura's words our regions must hold before we trust them
_TOP = 3  # how many leading paragraphs may be headline repeats or kickers
_CHROME_ONLY_CHARS = 200  # below this, text found only outside content blocks is page chrome

log = logging.getLogger(__name__)


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


def _vetted(paragraphs: list[str], ours: list[str]) -> list[str]:
    """`paragraphs` minus those not among `ours`, when `ours` hold most of them."""
    if not ours:
        return paragraphs
    our_keys = [word_key(p) for p in ours]
    exact, region_text = set(our_keys), f" {' '.join(our_keys)} "
    keys = [word_key(p) for p in paragraphs]
    # exact hits first: the substring scan (for differently split paragraphs) is the slow path
    inside = [not key or key in exact or f" {key} " in region_text for key in keys]
    total = sum(len(key.split()) for key in keys) or 1
    agreed = sum(len(key.split()) for key, ok in zip(keys, inside, strict=True) if ok)
    if agreed / total < _AGREEMENT:
        return paragraphs
    return [p for p, ok in zip(paragraphs, inside, strict=True) if ok]


def _without_headline(paragraphs: list[str], meta: PageMetadata) -> list[str]:
    """Repeats of the headline (h1, title, og:title…) and bare links at the top removed."""
    headings = {word_key(h) for h in meta.headings} - {""}
    top = [
        p for p in paragraphs[:_TOP]
        if word_key(p) not in headings and not (p.startswith("http") and " " not in p)
    ]
    return top + paragraphs[_TOP:]


def main_paragraphs(tree: HtmlElement, url: str | None, meta: PageMetadata) -> list[str]:
    """The article's paragraphs in reading order; [] when the page has no article text."""
    content = ContentMap(tree)
    ours = region_paragraphs(content, content_regions(content))
    found = _trafilatura_paragraphs(tree, url)
    if not content.blocks and sum(map(len, found)) < _CHROME_ONLY_CHARS:
        return []  # the little text there is sits in navigation, footers, scripts…
    if found:
        found = _vetted(_without_headline(found, meta), ours)
    else:
        found = _without_headline(ours, meta)
    return [p for p in found if words(p)]
