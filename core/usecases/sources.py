"""From a request (URL, HTML + URL, or text) to an `Article`, through the safe fetcher."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from core.errors import EmptyArticle, InvalidInput, PayloadTooLarge, Paywalled
from core.models import Article, ThreadRequest
from core.settings import Settings

if TYPE_CHECKING:  # the extractor is imported when a page is read, not with this module
    from core.articles.bounded import BoundedExtractor

# Below this many tags a page is extracted in a worker thread (a few ms, no child process);
# above it, in a child process under the extraction budget (`BoundedExtractor`).
_INLINE_TAGS = 1_500


def validate_request(settings: Settings, request: ThreadRequest) -> None:
    """Exactly one source, within the size limits (SPEC §4); raises InvalidInput/PayloadTooLarge."""
    given = [name for name in ("html", "text") if getattr(request, name) is not None]
    if len(given) > 1:
        raise InvalidInput("Send either `html` (with `url`) or `text`, not both.")
    if not given and not request.url:
        raise InvalidInput("Send a `url`, an `html` page with its `url`, or `text`.")
    if request.html is not None and not request.url:
        raise InvalidInput("`html` needs the page's `url`.")
    check_sizes(settings, request)
    if request.text is not None and not request.text.strip():
        raise InvalidInput("The text is empty.")


def check_sizes(settings: Settings, request: ThreadRequest) -> None:
    """Pasted text and HTML within their limits (UTF-8 bytes); raises PayloadTooLarge."""
    if request.text is not None:
        if len(request.text.encode("utf-8", "surrogatepass")) > settings.max_text_bytes:
            raise PayloadTooLarge(f"Text is limited to {settings.max_text_bytes // 1000} kB.")
    if request.html is not None:
        if len(request.html.encode("utf-8", "surrogatepass")) > settings.max_html_bytes:
            raise PayloadTooLarge(f"HTML is limited to {settings.max_html_bytes // 1_000_000} MB.")


async def load_article(fetcher, request: ThreadRequest,
                       extractor: BoundedExtractor | None = None) -> Article:
    """The article to make a thread from. Fetched pages go through the SSRF-safe fetcher;
    HTML is extracted under the `extractor`'s budget (`PageTooComplex` past it)."""
    if request.text is not None:
        return Article(text=request.text.strip(), url=request.url)
    if request.html is not None:
        return await _extract(request.html, request.url, extractor)
    page = await fetcher.fetch(request.url)
    if page.content_type.startswith("text/plain"):
        if not page.text.strip():
            raise EmptyArticle()
        return Article(text=page.text.strip(), url=page.url)
    article = await _extract(page.text, page.url, extractor)
    if article.paywalled and len(article.text) < 1500:
        raise Paywalled()
    return article


async def _extract(html: str, url: str | None, extractor: BoundedExtractor | None) -> Article:
    from core.articles.extract import extract_article

    if extractor is None:  # no budget (the CLI, the person's own machine)
        return await asyncio.to_thread(extract_article, html, url)
    extractor.check_size(html)
    if html.count("<") < _INLINE_TAGS:
        return await asyncio.to_thread(extract_article, html, url)
    return await asyncio.to_thread(extractor.extract, html, url)
