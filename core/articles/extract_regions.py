"""The paragraphs of the content regions (extract_score), as our own reading of the page.

Each comes with the shape of its container and whether it is quoted, so extract_main can
tell the chunks of one body from other posts and put back quotations trafilatura skipped.
Read-only over the tree; no I/O.
"""

from __future__ import annotations

from typing import NamedTuple

from lxml.html import HtmlElement

from core.articles.extract_html import ends_sentence, squash
from core.articles.extract_score import Block, ContentMap

_CITING_LINKS = 0.8  # a sentence may sit this much inside a link and still be prose


class Paragraph(NamedTuple):
    """A line of a region's text; `shape` is its container's tag and class ("" when the
    container has no class: bare `<div>`s say nothing about what belongs together);
    `quoted` when it sits in a `<blockquote>` (a quotation or an embedded post)."""

    text: str
    shape: str
    quoted: bool


def _paragraphs(block: Block) -> list[Paragraph]:
    parent = block.element.getparent()
    names = "" if parent is None else " ".join((parent.get("class") or "").split())
    shape = f"{parent.tag}.{names}" if names else ""
    quoted = block.element.tag == "blockquote" or any(
        a.tag == "blockquote" for a in block.element.iterancestors()
    )
    lines = (squash(line) for line in block.text.split("\n"))
    return [Paragraph(line, shape, quoted) for line in lines if line]


def _link_heavy(block: Block) -> bool:
    """Mostly link text: a list of links, "Read more: <headline>". A sentence that ends like
    one and has words of its own around a long link is prose that cites a page."""
    text = squash(block.text)
    if block.link_chars <= len(text) / 2:
        return False
    return block.link_chars > len(text) * _CITING_LINKS or not ends_sentence(text)


def region_paragraphs(cmap: ContentMap, regions: list[HtmlElement]) -> list[Paragraph]:
    """The regions' paragraphs, boilerplate-named and link-heavy blocks left out."""
    spans = [(cmap.order.get(r, -1), cmap.subtree_end(r)) for r in regions]
    paragraphs = []
    for block in cmap.blocks:
        inside = [start for start, end in spans if start <= block.index < end]
        if not inside or block.boilerplate_at > inside[0]:
            continue
        if _link_heavy(block):
            continue
        paragraphs.extend(_paragraphs(block))
    return paragraphs
