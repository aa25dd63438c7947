"""Page metadata from an lxml tree: JSON-LD first, then OpenGraph/meta tags, microdata, markup.

Read-only over the tree; no I/O. Values are trimmed strings or None, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml.html import HtmlElement

from core.articles.extract_html import squash
from core.articles.extract_jsonld import LinkedData, read_linked_data
from core.articles.extract_values import as_iso_date, as_language, clean_author
from core.articles.titles import clean_title

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]+\s+")
_MICRODATA = frozenset({"author", "datePublished", "isAccessibleForFree"})


@dataclass(frozen=True, slots=True)
class PageMetadata:
    title: str | None = None
    author: str | None = None
    site_name: str | None = None
    published: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    description: str | None = None
    headings: tuple[str, ...] = ()  # h1 texts and title variants, to keep out of the text
    paywalled: bool = False


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """`<meta>` contents keyed by lower-cased property/name/itemprop/http-equiv (first wins)."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = squash(content)
    return found


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    href = next(
        (
            link.get("href")
            for link in tree.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href")
        ),
        None,
    )
    found = _first(href and href.strip(), meta.get("og:url"))
    if not found:
        return None
    resolved = urljoin(url, found) if url else found
    return resolved if resolved.startswith(("http://", "https://")) else None


def _microdata(tree: HtmlElement) -> dict[str, str]:
    """schema.org microdata values keyed by `itemprop` (first non-empty wins)."""
    found: dict[str, str] = {}
    for el in tree.xpath("//*[@itemprop]"):
        key = el.get("itemprop", "").strip()
        if key in found or key not in _MICRODATA:
            continue
        value = el.get("content") or el.get("datetime") or squash(el.text_content())
        if value and value.strip():
            found[key] = value.strip()
    return found


def _headings(tree: HtmlElement, *titles: str | None) -> tuple[str, ...]:
    """Headline variants: h1s, the titles, and long parts of "Headline | Site" titles."""
    found = [squash(h.text_content()) for h in tree.iter("h1")]
    parts = [p for t in titles if t for p in _TITLE_SEPARATORS.split(t) if len(p.split()) >= 4]
    return tuple(t for t in (*titles, *found, *parts) if t)


def _document_title(tree: HtmlElement) -> str | None:
    el = tree.find(".//title")
    return squash(el.text_content()) if el is not None and el.text_content() else None


def read_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """Everything we know about the page besides its text."""
    meta = _meta_tags(tree)
    micro = _microdata(tree)
    ld: LinkedData = read_linked_data(tree)
    doc_title = _document_title(tree)
    h1 = next((squash(h.text_content()) for h in tree.iter("h1")), None)
    raw_title = _first(ld.headline, meta.get("og:title"), meta.get("twitter:title"), h1, doc_title)
    site_name = _first(meta.get("og:site_name"), ld.publisher, meta.get("application-name"))
    title = _first(  # without site name and section labels; the site name alone is no title
        clean_title(raw_title, site_name, h1, meta.get("og:title")),
        *(clean_title(t, site_name) for t in (h1, doc_title)),
    )
    author = _first(
        ld.author,
        clean_author(meta.get("author")),
        clean_author(meta.get("article:author")),
        clean_author(meta.get("parsely-author")),
        clean_author(micro.get("author")),
    )
    published = _first(
        as_iso_date(ld.published),
        as_iso_date(meta.get("article:published_time")),
        *(as_iso_date(meta.get(k)) for k in ("parsely-pub-date", "pubdate", "publish-date",
                                           "date", "dc.date", "dc.date.issued", "sailthru.date")),
        as_iso_date(micro.get("datePublished")),
        as_iso_date(next((t.get("datetime") for t in tree.iter("time") if t.get("datetime")), None)),
    )
    language = _first(
        as_language(tree.get("lang") or tree.get("xml:lang")),
        as_language(ld.language),
        as_language(meta.get("content-language")),
        as_language(meta.get("og:locale")),
        as_language(meta.get("dc.language")),
    )
    return PageMetadata(
        title=title,
        author=author,
        site_name=site_name,
        published=published,
        canonical_url=_canonical(tree, meta, url),
        language=language,
        description=_first(meta.get("og:description"), meta.get("description"),
                           meta.get("twitter:description"), ld.description),
        headings=_headings(tree, raw_title, meta.get("og:title"), doc_title),
        paywalled=ld.paywalled or micro.get("isAccessibleForFree", "").lower() == "false",
    )
