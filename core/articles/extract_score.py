"""A readability-style content scorer over an lxml tree (read-only, one pass).

Every block with its own text (a `<p>`, or a `<div>`/`<td>` holding loose text) gives
points to its ancestors, decaying with distance; the best-scoring containers, discounted
by link density and boilerplate class names, are the article's regions. Used on its own
when the primary extractor finds nothing, and to vet the primary extractor's paragraphs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lxml.html import HtmlElement

from core.articles.extract_cards import teaser_cards
from core.articles.extract_html import word_key

# Substrings of class/id names (lower-cased); plain `in` tests beat one big regex here.
_BOILERPLATE = (
    "comment", "share", "sharing", "social", "related", "recommend", "newsletter", "promo",
    "sidebar", "footer", "masthead", "nav", "menu", "breadcrumb", "subscribe", "signup",
    "sign-up", "advert", "sponsor", "popup", "modal", "cookie", "widget", "outbrain",
    "taboola", "caption", "credit", "byline", "author-bio", "disqus", "most-popular", "trending",
    "read-more", "readmore", "more-stories", "standfirst", "dek", "teaser", "kicker", "subhead",
    "sub-head", "subline",
)
_CONTENT = (
    "article", "body", "content", "entry", "main", "post", "story", "text", "blog", "embed",
)
_NEVER_CONTENT = frozenset(
    "nav footer aside script style noscript figure figcaption button select iframe svg "
    "template textarea input head title meta link".split()
)
_INLINE = frozenset(
    "a abbr b bdi bdo br cite code data dfn em font i kbd mark q s samp small span strong "
    "sub sup time u var wbr del ins img strike tt big nobr acronym".split()
)
# Elements that start a block of their own (or hold no prose). Any other tag (custom
# elements, unknown ones) is inline too unless it holds blocks: its text belongs to the
# sentence around it, "<p>costs <x-price>$5</x-price> a month</p>" stays one sentence.
_BLOCKS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html li main "
    "menu nav ol p pre section summary table tbody td tfoot th thead tr ul caption legend "
    "video audio canvas object embed iframe picture svg math".split()
) | _NEVER_CONTENT
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DECAY = (1, 2, 6, 9, 12)  # ancestor level -> divisor (parent gets all, grandparent half…)
_REGION_SHARE = 0.3  # a container scoring this share of the best one is a region too


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of loose text, how much of it sits inside links, and where it is.

    `index` is the element's position in document order; `boilerplate_at` the index of its
    nearest boilerplate-named ancestor-or-self (-1 when none).
    """

    element: HtmlElement
    text: str
    link_chars: int
    index: int
    boilerplate_at: int


def looks_like_boilerplate(el: HtmlElement) -> bool:
    """Class/id names say share bar, comments, related links… and nothing says content."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    if len(names) < 3:
        return False
    names = names.lower()
    return any(w in names for w in _BOILERPLATE) and not any(w in names for w in _CONTENT)


def _never_content(el: HtmlElement) -> bool:
    style = el.get("style")
    return (
        el.tag in _NEVER_CONTENT
        or el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or (style is not None and "display:none" in style.replace(" ", ""))
    )


def _is_inline(el: HtmlElement) -> bool:
    tag = el.tag
    if tag in _INLINE:
        return True
    return tag not in _BLOCKS and next(el.iter(*_BLOCKS), None) is None


def _loose_text(el: HtmlElement) -> tuple[str, int]:
    """Text of `el` outside its block children (line breaks kept), and its link characters."""
    parts, link_chars = [el.text or ""], 0
    for child in el:
        tag = child.tag
        if tag == "br":
            parts.append("\n")
        elif isinstance(tag, str) and _is_inline(child):
            text = child.text_content()
            parts.append(text)
            anchors = [child] if tag == "a" else child.iter("a")
            link_chars += sum(len(a.text_content()) for a in anchors)
        parts.append(child.tail or "")
    return "".join(parts), link_chars


class ContentMap:
    """One walk over the page body: its text blocks, then scores per container."""

    def __init__(self, tree: HtmlElement) -> None:
        body = tree.find("body")
        root = body if body is not None else tree
        self.order: dict[HtmlElement, int] = {}
        self.cards = teaser_cards(root)
        self.blocks = self._walk(root)

    def _walk(self, root: HtmlElement) -> list[Block]:
        found, stack = [], [(root, -1)]
        while stack:
            el, boilerplate_at = stack.pop()
            if el is not root and _never_content(el):
                continue
            index = self.order[el] = len(self.order)
            if el in self.cards or looks_like_boilerplate(el):
                boilerplate_at = index
            text, link_chars = _loose_text(el)
            if text.strip():
                found.append(Block(el, text, link_chars, index, boilerplate_at))
            stack.extend(
                (c, boilerplate_at)
                for c in reversed(el)
                if isinstance(c.tag, str) and not _is_inline(c)
            )
        return found

    def card_keys(self) -> set[str]:
        """`word_key`s of the lines inside teaser cards."""
        ends = [(self.order[c], self.subtree_end(c)) for c in self.cards if c in self.order]
        return {
            word_key(line)
            for block in self.blocks
            if any(start <= block.index < end for start, end in ends)
            for line in block.text.split("\n")
        } - {""}

    def scores(self) -> tuple[dict[HtmlElement, float], dict[HtmlElement, float]]:
        """Content points per container, and its link density (from nearby blocks)."""
        points: dict[HtmlElement, float] = defaultdict(float)
        chars: dict[HtmlElement, list[int]] = defaultdict(lambda: [0, 0])
        for block in self.blocks:
            size = len(block.text.strip())
            gain = 0.0
            if block.element.tag not in _HEADINGS and block.element.tag != "li":
                if size >= 25 and block.link_chars <= size / 2:
                    gain = 1 + block.text.count(",") + min(size // 100, 3)
            ancestor = block.element.getparent()
            for divisor in _DECAY:
                if ancestor is None:
                    break
                points[ancestor] += gain / divisor
                tally = chars[ancestor]
                tally[0] += size
                tally[1] += block.link_chars
                ancestor = ancestor.getparent()
        density = {el: links / (total or 1) for el, (total, links) in chars.items()}
        return {el: p for el, p in points.items() if p > 0}, density

    def subtree_end(self, el: HtmlElement) -> int:
        """Index just past `el`'s last walked descendant."""
        node = el
        while node is not None:
            sibling = node.getnext()
            while sibling is not None:
                if sibling in self.order:
                    return self.order[sibling]
                sibling = sibling.getnext()
            node = node.getparent()
        return len(self.order)


def content_regions(cmap: ContentMap) -> list[HtmlElement]:
    """The containers most likely to hold the article, outermost only, in document order."""
    points, density = cmap.scores()
    if not points:
        return []
    floor = _REGION_SHARE * max(points.values()) / 2  # skip hopeless containers early
    final = {
        el: score * (1 - density.get(el, 0)) * (0.5 if looks_like_boilerplate(el) else 1)
        for el, score in points.items()
        if score >= floor
    }
    best = max(final.values())
    if best <= 0:
        return []
    chosen = {el for el, score in final.items() if score >= _REGION_SHARE * best}
    outer = [el for el in chosen if not any(a in chosen for a in el.iterancestors())]
    return sorted(outer, key=lambda el: cmap.order.get(el, -1))
