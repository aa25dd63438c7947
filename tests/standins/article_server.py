"""Article websites, on 127.0.0.1: pages to fetch, and hostile servers (bombs, drips, loops).

    async with ArticleServer() as site:
        site.serve("/story", "<html>…</html>")             # any helper can add pages
        url = site.url("/story")                           # http://127.0.0.1:PORT/story

Built-in paths: `/page/{utf8,latin1-header,latin1-meta,cp1252,plain}`, `/redirect/{n}` (n hops,
then `/page/utf8`), `/to?location=…` (one redirect anywhere), `/status/{code}`, `/png`,
`/big` and `/big-chunked` (3 MB), `/gzip-bomb` (endless gzip of zeros, ~1000:1), `/br-bomb`
(100 MB of zeros in ~150 bytes of brotli), `/slow`
(a byte every `drip_seconds`), `/endless` (a body that never ends). Streams are bounded and
record, in `streamed[path]`, how many chunks went out before the client hung up; `finished`
holds one `asyncio.Event` per streaming path, set when its handler has ended.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import zlib
from collections import Counter, defaultdict

import brotli
from aiohttp import web

from tests.standins.loopback import serve_on_loopback

TITLE = "Café “naïve” — 5 € façade"
PAGE_TEXT = f"{TITLE}. Ünïcödé paragraphs: résumé, déjà vu, coöperate, señor, “quoted” – dash."
ARTICLE_TEXT = (
    "The city’s council said on Tuesday that it would plant 10,000 trees — mostly oaks and "
    "lindens — along the boulevards before next summer. “Shade is cheap infrastructure,” said "
    "the mayor, adding that the café owners on the Place de la République had asked for it for "
    "years. Critics call the plan “naïve”: the budget is €2 million, and the soil on some "
    "streets is poor. Still, the résumé of similar projects in Zürich and Malmö is encouraging; "
    "temperatures fell by 2–3 °C where the canopy covered a third of the block.")
ENDLESS_CHUNKS = 100_000  # × 64 kB: far beyond any cap, yet bounded
BOMB_BLOCKS = 50_000  # × 1 MB of zeros, each ~1 kB compressed


LATIN1_TEXT = "Café, déjà vu, señor, façade, naïve: ¿qué? ±½ °C."


def html_page(text: str = PAGE_TEXT, head: str = "", title: str = TITLE) -> str:
    return f"<!doctype html><html><head>{head}<title>{title}</title></head>" \
           f"<body><article><h1>{title}</h1><p>{text}</p></article></body></html>"


@functools.cache
def brotli_bomb(size: int = 100_000_000) -> bytes:
    """`size` zero bytes, brotli-compressed (100 MB → ~150 bytes); built once, on first use."""
    return brotli.compress(bytes(size), quality=5)


def gzip_bomb_parts(wbits: int = 31) -> tuple[bytes, bytes]:
    """(gzip header + first 1 MB, one more 1 MB block): header + block × n inflates to n+1 MB.

    `wbits=15` gives the same as a zlib (Content-Encoding: deflate) stream."""
    zeros, squeeze = bytes(1_000_000), zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    return head, squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)


class ArticleServer:
    def __init__(self, *, drip_seconds: float = 1.0, tls: ssl.SSLContext | None = None) -> None:
        self.drip_seconds = drip_seconds
        self.tls = tls  # serve https with this server-side context
        self.hits: Counter[str] = Counter()
        self.streamed: Counter[str] = Counter()
        self.finished: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._pages: dict[str, tuple[int, bytes, dict]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._builtin_pages()

    def serve(self, path: str, body: str | bytes, *, status: int = 200,
              content_type: str = "text/html; charset=utf-8", headers: dict | None = None) -> None:
        """Answer GET `path` with this body (str bodies are sent as UTF-8)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._pages[path] = (status, data, {"Content-Type": content_type, **(headers or {})})

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    async def __aenter__(self) -> ArticleServer:
        app = web.Application()
        app.router.add_get("/redirect/{n}", self._redirect)
        app.router.add_get("/to", self._to)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/br-bomb", self._br_bomb)
        for path in ("/gzip-bomb", "/slow", "/endless", "/big-chunked"):
            app.router.add_get(path, self._stream)
        app.router.add_get("/{tail:.*}", self._page)
        self._runner, self.port = await serve_on_loopback(
            app, tls=self.tls, handler_cancellation=True, shutdown_timeout=0.5)
        return self

    async def __aexit__(self, *exc) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _builtin_pages(self) -> None:
        latin1 = "text/html; charset=iso-8859-1"
        self.serve("/page/utf8", html_page())
        self.serve("/page/latin1-header", html_page(LATIN1_TEXT, title="Café").encode("latin-1"),
                   content_type=latin1)
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
        self.serve("/page/latin1-meta", html_page(LATIN1_TEXT, meta, "Café")
                   .encode("latin-1"), content_type="text/html")
        self.serve("/page/cp1252", html_page(ARTICLE_TEXT, title="Trees").encode("cp1252"),
                   content_type="text/html")
        self.serve("/page/plain", PAGE_TEXT, content_type="text/plain; charset=utf-8")
        self.serve("/png", b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")
        self.serve("/big", html_page("x" * 3_000_000))

    async def _page(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        if request.path not in self._pages:
            return web.Response(status=404, text="<h1>Not found</h1>", content_type="text/html")
        status, body, headers = self._pages[request.path]
        return web.Response(status=status, body=body, headers=headers)

    async def _redirect(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        n = int(request.match_info["n"])
        location = f"/redirect/{n - 1}" if n > 1 else "/page/utf8"
        raise web.HTTPFound(location)

    async def _to(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        return web.Response(status=int(request.query.get("status", "302")),
                            headers={"Location": request.query["location"]})

    async def _br_bomb(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        return web.Response(body=brotli_bomb(), headers={
            "Content-Type": "text/html; charset=utf-8", "Content-Encoding": "br"})

    async def _status(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        return web.Response(status=int(request.match_info["code"]),
                            text="<html><body>Nope</body></html>", content_type="text/html")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        resp = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        if path == "/gzip-bomb":
            resp.headers["Content-Encoding"] = "gzip"
        try:
            await resp.prepare(request)
            first, block, count, pause = self._stream_plan(path)
            await resp.write(first)
            for _ in range(count):
                await resp.write(block)
                self.streamed[path] += 1
                await asyncio.sleep(pause)
        except ConnectionError:
            pass
        finally:
            self.finished[path].set()
        return resp

    def _stream_plan(self, path: str) -> tuple[bytes, bytes, int, float]:
        """(first bytes, repeated chunk, how many, pause between) for a streaming path."""
        if path == "/gzip-bomb":
            head, block = gzip_bomb_parts()
            return head, block, BOMB_BLOCKS, 0
        if path == "/slow":
            return b"<html><body>", b"x", 600, self.drip_seconds
        if path == "/big-chunked":
            return b"<html><body>", b"y" * 65_536, 3_000_000 // 65_536 + 1, 0
        return b"<html><body>", b"z" * 65_536, ENDLESS_CHUNKS, 0
