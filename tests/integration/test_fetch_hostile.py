"""A corpus of hostile URLs and redirect chains: each refused, no forbidden address contacted.

A "trap" listens on 127.0.0.1:P and [::1]:P and counts every TCP connection it accepts. Port P
is allowed and loopback is NOT (`fetch_allow_loopback=False`), so reaching the trap in any
spelling would be an SSRF. Redirect chains start at a permitted server, `public.test:A`
(resolved by the injected resolver to 127.0.0.1, exempt on port A only), which answers
`/to?location=X` with a redirect to X.
"""

import asyncio
import contextlib
import socket
from urllib.parse import urlencode

import pytest

from core.articles.fetch import SafeFetcher, StaticResolver
from core.articles.netguard import AddressPolicy
from core.errors import BlockedUrl, FetchFailed
from core.settings import Settings
from tests.standins.article_server import ArticleServer

NAMES = {
    "public.test": ["127.0.0.1"], "loop.test": ["127.0.0.1"], "loop6.test": ["::1"],
    "mapped.test": ["::ffff:127.0.0.1"], "compat.test": ["::127.0.0.1"],
    "rebind.test": ["93.184.216.34", "127.0.0.1"], "rebind6.test": ["2606:4700::1111", "::1"],
    "zero.test": ["0.0.0.0"], "nat64.test": ["64:ff9b::7f00:1"], "sixtofour.test": ["2002:7f00:1::"],
    "localhost": ["127.0.0.1", "::1"], "meta.test": ["169.254.169.254"],
    "metadata.google.internal": ["169.254.169.254"], "private.test": ["10.0.0.5"],
    "cgnat.test": ["100.64.0.1"], "ula.test": ["fd00::1"], "linklocal6.test": ["fe80::1"],
    "example.test": ["93.184.216.34"],
}
LOOPBACK_LITERALS = [
    "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1",
    "0177.0000.0000.0001", "017700000001", "0x7f.0.0.1", "0x7f.0x0.0x0.0x1", "0x7f.1",
    "127.000.000.001", "127.0.0.1.", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]", "[::127.0.0.1]", "[2002:7f00:1::]",
    "[64:ff9b::7f00:1]", "①②⑦.0.0.1", "127。0。0。1", "[::1%25lo]", "0.0.0.0", "0", "[::]",
    "[::ffff:0.0.0.0]",
]
DIRECT = (
    [f"http://{host}:{{P}}/" for host in LOOPBACK_LITERALS]
    + [f"http://{name}:{{P}}/" for name in ("loop.test", "loop6.test", "mapped.test",
                                            "compat.test", "rebind.test", "rebind6.test",
                                            "zero.test", "nat64.test", "sixtofour.test",
                                            "localhost")]
    + [f"http://{name}/" for name in ("meta.test", "private.test", "cgnat.test", "ula.test",
                                      "linklocal6.test", "169.254.169.254")]
    + ["file:///etc/passwd", "gopher://127.0.0.1:{P}/_", "ftp://127.0.0.1:{P}/",
       "dict://127.0.0.1:{P}/info", "ws://127.0.0.1:{P}/", "http:/127.0.0.1:{P}/",
       "//127.0.0.1:{P}/", "http://public.test@127.0.0.1:{P}/",
       "http://public.test:{A}@127.0.0.1:{P}/", "http://u:p@public.test:{A}/",
       "http://public.test:{A}\\@127.0.0.1:{P}/", "http://example.test:22/",
       "http://example.test:6379/", "https://public.test:5432/"]
)
REDIRECT_TARGETS = [
    "http://127.0.0.1:{P}/", "http://2130706433:{P}/", "http://0x7f000001:{P}/",
    "http://0177.0.0.1:{P}/", "http://127.1:{P}/", "http://[::1]:{P}/",
    "http://[::ffff:127.0.0.1]:{P}/", "http://0.0.0.0:{P}/", "http://loop.test:{P}/",
    "http://rebind.test:{P}/", "http://localhost:{P}/", "//127.0.0.1:{P}/",
    "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fd00:ec2::254]/", "file:///etc/passwd", "gopher://127.0.0.1:{P}/_SSRF",
    "dict://127.0.0.1:{P}/info", "http://public.test:22/", "http://public.test@127.0.0.1:{P}/",
    "http://user:pass@public.test:{A}/page/utf8",
]
CHAINS = (
    [(target, 302) for target in REDIRECT_TARGETS]
    + [(target, status) for target in REDIRECT_TARGETS[:3] for status in (301, 303, 307, 308)]
    + [("NESTED:http://2130706433:{P}/", 302), ("NESTED:file:///etc/passwd", 307)]
)


class Trap:
    """Counts TCP connections accepted on 127.0.0.1:port and [::1]:port."""

    def __init__(self) -> None:
        self.connections = 0
        self.servers: list[asyncio.Server] = []
        self.port = 0

    async def _accept(self, reader, writer) -> None:
        self.connections += 1
        writer.close()

    async def start(self) -> None:
        for _ in range(20):
            v4 = await asyncio.start_server(self._accept, "127.0.0.1", 0)
            self.port = v4.sockets[0].getsockname()[1]
            try:
                v6 = await asyncio.start_server(self._accept, "::1", self.port)
            except OSError:
                v4.close()
                continue
            self.servers = [v4, v6]
            return
        raise RuntimeError("no port free on both 127.0.0.1 and ::1")

    def close(self) -> None:
        for server in self.servers:
            server.close()


@pytest.fixture
async def trap():
    trap = Trap()
    await trap.start()
    yield trap
    trap.close()


@pytest.fixture
async def start():
    async with ArticleServer() as server:
        yield server


def hostile_fetcher(trap: Trap, start: ArticleServer) -> SafeFetcher:
    settings = Settings(fetch_allowed_ports=(80, 443, start.port, trap.port),
                        fetch_allow_loopback=False, fetch_total_timeout=5.0)
    policy = AddressPolicy.from_settings(settings, exempt=frozenset({("127.0.0.1", start.port)}))
    return SafeFetcher(settings, resolver=StaticResolver(NAMES), policy=policy)


def fill(template: str, trap: Trap, start: ArticleServer) -> str:
    return template.replace("{P}", str(trap.port)).replace("{A}", str(start.port))


async def assert_refused(fetcher: SafeFetcher, url: str) -> BlockedUrl:
    with pytest.raises(BlockedUrl) as refused:
        await fetcher.fetch(url)
    assert refused.value.message and "Traceback" not in refused.value.message
    return refused.value


def test_the_corpus_holds_at_least_60_hostile_urls_and_chains():
    assert len(DIRECT) + len(CHAINS) + 1 >= 60  # +1: the too-many-hops chain below


@pytest.mark.parametrize("template", DIRECT)
async def test_a_hostile_url_is_refused_without_any_connection(trap, start, template):
    await assert_refused(hostile_fetcher(trap, start), fill(template, trap, start))
    assert trap.connections == 0 and sum(start.hits.values()) == 0


@pytest.mark.parametrize(("template", "status"), CHAINS)
async def test_a_redirect_to_a_forbidden_target_is_refused(trap, start, template, status):
    location = fill(template.removeprefix("NESTED:"), trap, start)
    if template.startswith("NESTED:"):  # a first, permitted hop, then the forbidden one
        location = "/to?" + urlencode({"location": location})
    query = urlencode({"location": location, "status": status})
    url = f"http://public.test:{start.port}/to?{query}"
    await assert_refused(hostile_fetcher(trap, start), url)
    assert start.hits["/to"] >= 1  # the permitted start server was reached …
    assert trap.connections == 0  # … and the forbidden target never was


async def test_more_than_three_hops_is_refused(trap, start):
    fetcher = hostile_fetcher(trap, start)
    with pytest.raises(FetchFailed, match="more than 3"):
        await fetcher.fetch(f"http://public.test:{start.port}/redirect/4")
    assert start.hits["/redirect/1"] == 1 and start.hits["/page/utf8"] == 0


async def test_the_permitted_start_server_is_really_reachable(trap, start):
    page = await hostile_fetcher(trap, start).fetch(f"http://public.test:{start.port}/page/utf8")
    assert page.status == 200  # so the refusals above are the policy, not a broken set-up


async def test_the_trap_counts_connections(trap):
    for host in ("127.0.0.1", "::1"):
        with contextlib.closing(socket.create_connection((host, trap.port))):
            pass
    for _ in range(100):
        if trap.connections == 2:
            break
        await asyncio.sleep(0.01)
    assert trap.connections == 2


@pytest.mark.parametrize("name", ["rebind.test", "rebind6.test"])
async def test_a_name_with_one_good_and_one_bad_address_is_refused(trap, start, name):
    refused = await assert_refused(hostile_fetcher(trap, start), f"http://{name}:{trap.port}/")
    assert "loopback" in refused.message
    assert trap.connections == 0


async def test_the_system_resolver_is_checked_too(trap):
    # No injected resolver: `localhost` is looked up by the OS (from /etc/hosts, no network).
    fetcher = SafeFetcher(Settings(fetch_allowed_ports=(trap.port,)))
    refused = await assert_refused(fetcher, f"http://localhost:{trap.port}/")
    assert "loopback" in refused.message and trap.connections == 0
