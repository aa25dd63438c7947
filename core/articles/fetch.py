"""The SSRF-safe fetcher (SPEC §4): a URL in, a decoded HTML or text page out.

Every hop is vetted by `netguard` (scheme, port, userinfo, IP literals), its host name is
resolved once by the injected `Resolver`, **every** address is checked, and aiohttp is handed
a resolver that knows only those vetted addresses, so the connection goes to what was checked
(TLS SNI and certificate checks still use the host name). Redirects are followed by hand.
The body is inflated by hand with a bounded output, so a compression bomb stops at the cap.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import brotli
from aiohttp.abc import AbstractResolver
from yarl import URL

from core.articles.charset import decode_body
from core.articles.netguard import AddressPolicy, Target, check_address, parse_target
from core.errors import (
    BlockedUrl,
    FetchFailed,
    PageTooLarge,
    Paywalled,
    ThreadrError,
    UnsupportedContent,
)
from core.settings import Settings

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PAYWALL_STATUSES = frozenset({401, 402, 403, 451})
_CHUNK = 65_536


@dataclass(frozen=True)
class FetchedPage:
    url: str  # final URL, after redirects
    status: int
    content_type: str
    text: str  # decoded
    encoding: str


class Fetcher(Protocol):
    async def fetch(self, url: str) -> FetchedPage:
        """The page at `url`. Raises BlockedUrl (policy), Paywalled (401/402/403/451),
        UnsupportedContent (not HTML/text), PageTooLarge, or FetchFailed (anything else)."""

    async def close(self) -> None: ...


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> Sequence[str]:
        """Every address (IPv4/IPv6 text) `host` has; raises OSError when it has none."""


class SystemResolver:
    """The operating system's resolver, asynchronously (`loop.getaddrinfo`)."""

    async def resolve(self, host: str, port: int) -> Sequence[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class StaticResolver:
    """Names mapped to fixed addresses (tests, stand-ins); unknown names do not resolve."""

    def __init__(self, names: Mapping[str, Sequence[str]]) -> None:
        self._names = {name.lower().rstrip("."): list(addrs) for name, addrs in names.items()}

    async def resolve(self, host: str, port: int) -> Sequence[str]:
        addresses = self._names.get(host.lower().rstrip("."))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return addresses


class _PinnedResolver(AbstractResolver):
    """What aiohttp sees: one host name, answered only with the addresses already vetted."""

    def __init__(self, host: str, addresses: Sequence[str]) -> None:
        self._host, self._addresses = host.rstrip("."), addresses

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        if host.rstrip(".") != self._host:
            raise OSError(f"unexpected host {host!r}")
        return [{"hostname": host, "host": a, "port": port, "proto": 0,
                 "flags": socket.AI_NUMERICHOST,
                 "family": socket.AF_INET6 if ":" in a else socket.AF_INET}
                for a in self._addresses]

    async def close(self) -> None:
        return None


class SafeFetcher:
    """Fetches public http(s) pages only; see the module docstring and SPEC §4."""

    def __init__(self, settings: Settings, *, resolver: Resolver | None = None,
                 policy: AddressPolicy | None = None, tls: ssl.SSLContext | None = None) -> None:
        """`policy` defaults to the settings' (tests add exempt endpoints); `tls` defaults to
        the system's trusted CAs with hostname checks (tests pass a context trusting their CA)."""
        self._settings = settings
        self._tls = tls
        self._resolver = resolver or SystemResolver()
        self._policy = policy or AddressPolicy.from_settings(settings)
        self._headers = {
            "User-Agent": f"Mozilla/5.0 (compatible; ThreadrBot/0.1; +{settings.public_origin()})",
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate, br",
        }

    async def fetch(self, url: str) -> FetchedPage:
        try:
            async with asyncio.timeout(self._settings.fetch_total_timeout):
                return await self._follow(url)
        except TimeoutError:
            raise FetchFailed("The site took too long to answer.") from None

    async def close(self) -> None:
        return None  # one short-lived session per hop: nothing is kept open

    async def _follow(self, url: str) -> FetchedPage:
        for _ in range(self._settings.fetch_max_redirects + 1):
            target = parse_target(url, self._policy)
            addresses = await self._vetted_addresses(target)
            result = await self._hop(target, addresses)
            if isinstance(result, FetchedPage):
                return result
            url = result
        raise FetchFailed(
            f"The page redirected more than {self._settings.fetch_max_redirects} times.")

    async def _vetted_addresses(self, target: Target) -> list[str]:
        if target.ip is not None:
            return [str(target.ip)]
        unreachable = (f"Could not reach {target.host} (no connection or the name does "
                       "not resolve).")  # no DNS answer: offline and a wrong name look alike
        try:
            found = await self._resolver.resolve(target.host, target.port)
        except (OSError, UnicodeError):
            raise FetchFailed(unreachable) from None
        if not found:
            raise FetchFailed(unreachable)
        return [str(check_address(a, target.port, self._policy)) for a in found]

    async def _hop(self, target: Target, addresses: list[str]) -> FetchedPage | str:
        """The page, or the next URL when the answer is a redirect."""
        s = self._settings
        timeout = aiohttp.ClientTimeout(total=None, connect=s.fetch_connect_timeout,
                                        sock_connect=s.fetch_connect_timeout)
        connector = aiohttp.TCPConnector(resolver=_PinnedResolver(target.host, addresses),
                                         use_dns_cache=False, force_close=True, limit=1,
                                         ssl=self._tls or True)
        with _translate_errors():
            async with (
                aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False,
                                      auto_decompress=False, headers=self._headers) as session,
                session.get(target.url, allow_redirects=False) as resp,
            ):
                if resp.status in REDIRECTS and "Location" in resp.headers:
                    return _redirect_target(resp)
                return await self._page(resp)

    async def _page(self, resp: aiohttp.ClientResponse) -> FetchedPage:
        if resp.status in PAYWALL_STATUSES:
            raise Paywalled()
        if resp.status >= 400 or resp.status in REDIRECTS:
            raise FetchFailed(f"The site answered with HTTP status {resp.status}.")
        if resp.content_type not in PAGE_TYPES:
            raise UnsupportedContent(
                f"That address serves {resp.content_type[:60]}, not an HTML or text page.")
        body = await read_capped(resp, self._settings.fetch_max_bytes)
        text, encoding = decode_body(body, resp.charset, html=resp.content_type != "text/plain")
        return FetchedPage(url=str(resp.url), status=resp.status,
                           content_type=resp.content_type, text=text, encoding=encoding)


def _redirect_target(resp: aiohttp.ClientResponse) -> str:
    try:
        return str(resp.url.join(URL(resp.headers["Location"])))
    except Exception:  # yarl raises ValueError, and IndexError on some inputs
        raise BlockedUrl("The page redirected to an invalid address.") from None


async def read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The decoded (decompressed) body, or PageTooLarge as soon as it passes `limit` bytes."""
    inflate = inflater(resp.headers.get("Content-Encoding", ""))
    too_large = PageTooLarge(f"The page is larger than {limit / 1_000_000:g} MB.")
    if resp.content_length is not None and resp.content_length > limit:
        raise too_large
    out, size, raw = [], 0, 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        raw += len(chunk)
        data = inflate(chunk, limit - size + 1)
        size += len(data)
        if size > limit or raw > limit:
            raise too_large
        out.append(data)
    return b"".join(out)


def inflater(encoding: str):
    """A function (chunk, max_out) -> bytes for a Content-Encoding (gzip, deflate, br).

    The output of one call is bounded (by max_out; brotli may overshoot by one buffer), so a
    small compressed chunk can never blow up in memory: past the cap the caller stops.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda chunk, _max: chunk
    if encoding == "br":
        return _unbrotli(brotli.Decompressor())
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchFailed(f"The site sent the page in an unsupported encoding ({encoding[:20]}).")
    state = {"d": zlib.decompressobj(47 if encoding != "deflate" else 15), "started": False}

    def inflate(chunk: bytes, max_out: int) -> bytes:
        try:
            data = state["d"].decompress(chunk, max_out)
        except zlib.error:
            if encoding != "deflate" or state["started"]:
                raise FetchFailed("The site sent a corrupt compressed page.") from None
            state["d"], state["started"] = zlib.decompressobj(-15), True  # raw deflate
            return inflate(chunk, max_out)
        state["started"] = True
        return data

    return inflate


def _unbrotli(decompressor):
    def inflate(chunk: bytes, max_out: int) -> bytes:
        try:
            return decompressor.process(chunk, output_buffer_limit=max_out)
        except brotli.error:
            raise FetchFailed("The site sent a corrupt compressed page.") from None

    return inflate


@contextmanager
def _translate_errors():
    """aiohttp's exceptions → short FetchFailed messages (domain errors pass through)."""
    try:
        yield
    except ThreadrError:
        raise
    except TimeoutError:
        raise FetchFailed("The site took too long to answer.") from None
    except aiohttp.ClientConnectorDNSError:
        raise FetchFailed("Could not find the site.") from None
    except aiohttp.ClientConnectorCertificateError:
        raise FetchFailed("The site's TLS certificate could not be verified.") from None
    except aiohttp.ClientSSLError:
        raise FetchFailed("A secure (TLS) connection to the site failed.") from None
    except aiohttp.ClientConnectorError:
        raise FetchFailed("Could not connect to the site.") from None
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
            aiohttp.ClientResponseError):
        raise FetchFailed("The site sent a broken answer.") from None
    except (aiohttp.ClientError, ValueError):
        raise FetchFailed("The page could not be fetched.") from None
