"""The safe fetcher against real HTTP servers on 127.0.0.1 (loopback allowed for the test)."""

import asyncio
import codecs
import socket

import pytest

from core.articles.charset import decode_body
from core.articles.fetch import FetchedPage, SafeFetcher, StaticResolver, inflater
from core.errors import FetchFailed, PageTooLarge, Paywalled, UnsupportedContent
from core.settings import Settings
from tests.standins.article_server import (
    ARTICLE_TEXT,
    BOMB_BLOCKS,
    ENDLESS_CHUNKS,
    LATIN1_TEXT,
    PAGE_TEXT,
    ArticleServer,
    brotli_bomb,
    gzip_bomb_parts,
)


@pytest.fixture
async def site():
    async with ArticleServer(drip_seconds=0.25) as server:
        yield server


def fetcher_for(site: ArticleServer, **changes) -> SafeFetcher:
    settings = Settings(fetch_allow_loopback=True, fetch_allowed_ports=(site.port,), **changes)
    return SafeFetcher(settings)


async def finished(site: ArticleServer, path: str) -> None:
    await asyncio.wait_for(site.finished[path].wait(), 10)


async def test_a_utf8_page_is_fetched_and_decoded(site):
    page = await fetcher_for(site).fetch(site.url("/page/utf8"))
    assert isinstance(page, FetchedPage)
    assert (page.status, page.content_type, page.encoding) == (200, "text/html", "utf-8")
    assert PAGE_TEXT in page.text and page.url == site.url("/page/utf8")


async def test_latin1_declared_in_the_header_is_decoded(site):
    page = await fetcher_for(site).fetch(site.url("/page/latin1-header"))
    assert LATIN1_TEXT in page.text and page.encoding == "cp1252"


async def test_latin1_declared_in_a_meta_tag_is_decoded(site):
    page = await fetcher_for(site).fetch(site.url("/page/latin1-meta"))
    assert LATIN1_TEXT in page.text and page.encoding == "cp1252"


async def test_undeclared_windows_1252_is_detected(site):
    page = await fetcher_for(site).fetch(site.url("/page/cp1252"))
    assert ARTICLE_TEXT in page.text and page.encoding == "cp1252"


async def test_a_plain_text_page_is_fetched(site):
    page = await fetcher_for(site).fetch(site.url("/page/plain"))
    assert page.content_type == "text/plain" and page.text == PAGE_TEXT


async def test_a_gzipped_page_is_inflated(site):
    import gzip

    site.serve("/gz", gzip.compress(PAGE_TEXT.encode()), headers={"Content-Encoding": "gzip"})
    page = await fetcher_for(site).fetch(site.url("/gz"))
    assert page.text == PAGE_TEXT


async def test_a_raw_deflate_page_is_inflated(site):
    import zlib

    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    site.serve("/deflate", squeeze.compress(PAGE_TEXT.encode()) + squeeze.flush(),
               headers={"Content-Encoding": "deflate"})
    page = await fetcher_for(site).fetch(site.url("/deflate"))
    assert page.text == PAGE_TEXT


@pytest.mark.parametrize("hops", [1, 2, 3])
async def test_up_to_three_redirects_are_followed(site, hops):
    page = await fetcher_for(site).fetch(site.url(f"/redirect/{hops}"))
    assert page.url == site.url("/page/utf8") and PAGE_TEXT in page.text


async def test_a_fourth_redirect_is_refused(site):
    with pytest.raises(FetchFailed, match="redirected more than 3 times"):
        await fetcher_for(site).fetch(site.url("/redirect/4"))
    assert site.hits["/page/utf8"] == 0


@pytest.mark.parametrize("status", [401, 402, 403, 451])
async def test_paywall_statuses_are_paywalled(site, status):
    with pytest.raises(Paywalled, match="extension"):
        await fetcher_for(site).fetch(site.url(f"/status/{status}"))


@pytest.mark.parametrize("status", [404, 410, 500, 503])
async def test_other_error_statuses_fail_with_the_status(site, status):
    with pytest.raises(FetchFailed, match=f"HTTP status {status}"):
        await fetcher_for(site).fetch(site.url(f"/status/{status}"))


async def test_an_image_is_unsupported_content(site):
    with pytest.raises(UnsupportedContent, match="image/png"):
        await fetcher_for(site).fetch(site.url("/png"))


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
async def test_a_3_mb_body_is_refused(site, path):
    with pytest.raises(PageTooLarge, match="larger than 2 MB"):
        await fetcher_for(site).fetch(site.url(path))


async def test_a_gzip_bomb_is_stopped_at_the_cap_without_reading_it_all(site):
    with pytest.raises(PageTooLarge, match="larger than 2 MB"):
        await fetcher_for(site).fetch(site.url("/gzip-bomb"))
    await finished(site, "/gzip-bomb")
    assert site.streamed["/gzip-bomb"] < BOMB_BLOCKS // 10  # the server was cut off early


async def test_a_brotli_bomb_is_stopped_at_the_cap(site):
    with pytest.raises(PageTooLarge, match="larger than 2 MB"):
        await fetcher_for(site).fetch(site.url("/br-bomb"))


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_one_small_compressed_chunk_never_inflates_past_the_cap(encoding):
    if encoding == "br":
        bomb = brotli_bomb()
    else:
        head, block = gzip_bomb_parts(31 if encoding == "gzip" else 15)
        bomb = head + block * 100  # 101 MB of zeros in ~100 kB
    out = inflater(encoding)(bomb, 2_000_001)
    assert 2_000_001 <= len(out) < 4_000_000  # bounded output: the caller stops at the cap


def test_an_unknown_content_encoding_is_refused():
    with pytest.raises(FetchFailed, match="unsupported encoding"):
        inflater("zstd")


async def test_an_endless_body_is_stopped_at_the_cap(site):
    with pytest.raises(PageTooLarge):
        await fetcher_for(site).fetch(site.url("/endless"))
    await finished(site, "/endless")
    assert site.streamed["/endless"] < ENDLESS_CHUNKS // 10


async def test_a_slow_loris_server_is_cut_off_at_the_total_timeout(site):
    # A byte every 0.25 s would never trip a per-read timeout; the wall-clock deadline stops it.
    with pytest.raises(FetchFailed, match="too long"):
        await fetcher_for(site, fetch_total_timeout=1.0).fetch(site.url("/slow"))
    await finished(site, "/slow")
    assert site.streamed["/slow"] < 600


async def test_an_unknown_host_fails_clearly(site):
    fetcher = SafeFetcher(Settings(fetch_allowed_ports=(site.port,)),
                          resolver=StaticResolver({}))  # answers as getaddrinfo does: EAI_NONAME
    with pytest.raises(FetchFailed) as caught:
        await fetcher.fetch(f"http://www.example.com:{site.port}/")
    # offline and a wrong name look alike from here: say both, not "could not find the site"
    assert caught.value.message == ("Could not reach www.example.com (no connection or the "
                                    "name does not resolve).")


async def test_a_refused_connection_fails_clearly():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the fetch: nothing listens
    fetcher = SafeFetcher(Settings(fetch_allow_loopback=True, fetch_allowed_ports=(port,)))
    with pytest.raises(FetchFailed, match="Could not connect"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/")


class CountingResolver(StaticResolver):
    def __init__(self, names):
        super().__init__(names)
        self.calls: list[str] = []

    async def resolve(self, host, port):
        self.calls.append(host)
        return await super().resolve(host, port)


async def test_the_connection_goes_to_the_address_that_was_checked(site):
    # `public.test` exists only in this resolver: had aiohttp looked it up again, it would fail.
    resolver = CountingResolver({"public.test": ["127.0.0.1"]})
    fetcher = SafeFetcher(Settings(fetch_allow_loopback=True, fetch_allowed_ports=(site.port,)),
                          resolver=resolver)
    page = await fetcher.fetch(site.url("/redirect/1", host="public.test"))
    assert PAGE_TEXT in page.text
    assert resolver.calls == ["public.test", "public.test"]  # once per hop, never again
    assert page.url == site.url("/page/utf8", host="public.test")


async def test_close_is_harmless(site):
    fetcher = fetcher_for(site)
    await fetcher.close()
    assert (await fetcher.fetch(site.url("/page/utf8"))).status == 200


@pytest.mark.parametrize(("body", "header", "expected"), [
    (codecs.BOM_UTF8 + "Café".encode(), "iso-8859-1", ("Café", "utf-8")),  # the BOM wins
    (codecs.BOM_UTF16_LE + "Café".encode("utf-16-le"), None, ("Café", "utf-16")),
    ('<meta charset="utf-16">Café'.encode(), None, ('<meta charset="utf-16">Café', "utf-8")),
    (b'<meta charset="koi8-r">' + "Мир".encode("koi8-r"), "no-such-charset",
     ('<meta charset="koi8-r">Мир', "koi8-r")),
    ("Café".encode("latin-1"), "latin1", ("Café", "cp1252")),
    (b"ok \xfd\xff", "utf-8", ("ok \ufffd\ufffd", "utf-8")),
])
def test_the_charset_comes_from_bom_header_meta_then_detection(body, header, expected):
    assert decode_body(body, header, html=True) == expected
