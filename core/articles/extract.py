"""`extract_article`: an HTML page (as a string) to an `Article`. Pure: no I/O, no globals."""

from __future__ import annotations

from core.articles.extract_html import parse_html
from core.articles.extract_main import main_paragraphs
from core.articles.metadata import read_metadata
from core.errors import EmptyArticle
from core.models import Article


def extract_article(html: str, url: str | None = None) -> Article:
    """The article in `html`: its main text (paragraphs separated by blank lines, without
    the headline, navigation, ads, comments, related links or share bars) and metadata.

    `url` is where the page came from; relative canonical links resolve against it.
    Raises `EmptyArticle` when the page holds no article text. Never raises on malformed
    markup.
    """
    tree = parse_html(html)
    if tree is None:
        raise EmptyArticle()
    meta = read_metadata(tree, url)
    paragraphs = main_paragraphs(tree, url, meta)
    if not paragraphs:
        raise EmptyArticle()
    return Article(
        text="\n\n".join(paragraphs),
        title=meta.title,
        author=meta.author,
        site_name=meta.site_name,
        published=meta.published,
        canonical_url=meta.canonical_url,
        language=meta.language,
        url=url,
        paywalled=meta.paywalled,
    )
