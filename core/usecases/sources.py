"""From a request (URL, HTML + URL, or text) to an `Article`, through the safe fetcher."""

from __future__ import annotations

import asyncio

from core.articles import extract_article
from core.errors import EmptyArticle, InvalidInput, PayloadTooLarge, Paywalled
from core.models import Article, ThreadRequest
from core.settings import Settings

# Extraction of a large page takes tens of ms: above this size it runs off the event loop.
_INLINE_EXTRACT_BYTES = 200_000


def validate_request(settings: Settings, request: ThreadRequest) -> None:
    """Exactly one source, within the size limits (SPEC §4); raises InvalidInput/PayloadTooLarge."""
    given = [name for name in ("html", "text") if getattr(request, name) is not None]
    if len(given) > 1:
        raise InvalidInput("Send either `html` (with `url`) or `text`, not both.")
    if not given and not request.url:
        raise InvalidInput("Send a `url`, an `html` page with its `url`, or `text`.")
    if request.html is not None and not request.url:
        raise InvalidInput("`html` needs the page's `url`.")
    if request.text is not None:
        if len(request.text.encode("utf-8", "surrogatepass")) > settings.max_text_bytes:
            raise PayloadTooLarge(f"Text is limited to {settings.max_text_bytes // 1000} kB.")
        if not request.text.strip():
            raise InvalidInput("The text is empty.")
    if request.html is not None:
        if len(request.html.encode("utf-8", "surrogatepass")) > settings.max_html_bytes:
            raise PayloadTooLarge(f"HTML is limited to {settings.max_html_bytes // 1_000_000} MB.")


async def load_article(fetcher, request: ThreadRequest) -> Article:
    """The article to make a thread from. Fetched pages go through the SSRF-safe fetcher."""
    if request.text is not None:
        return Article(text=request.text.strip(), url=request.url)
    if request.html is not None:
        return await _extract(request.html, request.url)
    page = await fetcher.fetch(request.url)
    if page.content_type.startswith("text/plain"):
        if not page.text.strip():
            raise EmptyArticle()
        return Article(text=page.text.strip(), url=page.url)
    article = await _extract(page.text, page.url)
    if article.paywalled and len(article.text) < 1500:
        raise Paywalled()
    return article


async def _extract(html: str, url: str | None) -> Article:
    if len(html) < _INLINE_EXTRACT_BYTES:
        return extract_article(html, url)
    return await asyncio.to_thread(extract_article, html, url)
