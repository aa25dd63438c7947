"""HTTPS through the pinned address: SNI and the certificate's host name are still checked."""

import ssl

import pytest
import trustme

from core.articles.fetch import SafeFetcher, StaticResolver
from core.errors import FetchFailed
from core.settings import Settings
from tests.standins.article_server import PAGE_TEXT, ArticleServer


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def server_tls(ca, name: str, sni_log: list[str] | None = None) -> ssl.SSLContext:
    """A server context with a certificate for `name`; records each SNI name it is sent."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    if sni_log is not None:
        context.set_servername_callback(lambda sock, sni, ctx: sni_log.append(sni))
    return context


def fetcher(site: ArticleServer, tls: ssl.SSLContext | None) -> SafeFetcher:
    settings = Settings(fetch_allow_loopback=True, fetch_allowed_ports=(site.port,))
    return SafeFetcher(settings, resolver=StaticResolver({"public.test": ["127.0.0.1"]}), tls=tls)


def client_tls(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_https_is_fetched_with_the_host_name_as_sni_and_certificate_name(ca):
    seen_sni: list[str] = []
    async with ArticleServer(tls=server_tls(ca, "public.test", seen_sni)) as site:
        page = await fetcher(site, client_tls(ca)).fetch(site.url("/page/utf8", "public.test"))
    assert PAGE_TEXT in page.text and page.url.startswith("https://public.test:")
    assert seen_sni == ["public.test"]


async def test_a_certificate_for_another_name_is_refused(ca):
    async with ArticleServer(tls=server_tls(ca, "other.test")) as site:
        with pytest.raises(FetchFailed, match="TLS certificate"):
            await fetcher(site, client_tls(ca)).fetch(site.url("/page/utf8", "public.test"))


async def test_an_untrusted_certificate_is_refused_by_default(ca):
    async with ArticleServer(tls=server_tls(ca, "public.test")) as site:
        with pytest.raises(FetchFailed, match="TLS certificate"):
            await fetcher(site, None).fetch(site.url("/page/utf8", "public.test"))
