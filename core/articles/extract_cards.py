"""Teaser cards: the repeated "linked headline + a line of summary" boxes around an article.

A card is a small container (at most `_CARD_WORDS` words) led by a heading (h2–h6) that is
all link, or that sits inside a link, and it comes with at least one more of the same
markup (tag and class): an article is one of a kind, teasers come in lists. Read-only over
the tree, no I/O.
"""

from __future__ import annotations

from collections import defaultdict

from lxml.html import HtmlElement

_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
_CARD_WORDS = 80
_LINKED = 0.8  # share of a heading's text inside links for it to be a link to elsewhere


def _card_of(heading: HtmlElement) -> HtmlElement | None:
    """The container a linked heading leads, or None when the heading is not a link."""
    text = heading.text_content().strip()
    if not text:
        return None
    parent = heading.getparent()
    if parent is not None and parent.tag == "a":  # <a href><h3>Headline</h3></a>
        return parent.getparent()
    linked = sum(len(a.text_content().strip()) for a in heading.iter("a"))
    return parent if linked >= _LINKED * len(text) else None


def teaser_cards(root: HtmlElement) -> set[HtmlElement]:
    """The teaser cards under `root` (see the module docstring)."""
    groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
    for heading in root.iter(*_HEADINGS):
        card = _card_of(heading)
        if card is not None and card is not root and card.tag != "body":
            groups[card.tag, card.get("class") or ""].append(card)
    cards: set[HtmlElement] = set()
    for members in groups.values():
        small = {c for c in members if len(c.text_content().split()) <= _CARD_WORDS}
        if len(small) >= 2:
            cards |= small
    return cards
