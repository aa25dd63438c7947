"""Extraction under a time budget, in a separate process that is killed when it overruns.

Parsing and scoring a hostile page (hundreds of thousands of empty nodes) costs seconds of
CPU. No request may cost more than the budget: pages with more tags than `max_nodes` are
refused before parsing (a count of `<`, milliseconds even for 5 MB), and the rest are
extracted in a child process (forked from a preloaded fork server: ~10 ms) at a lower
priority, killed at the deadline → `PageTooComplex`. At most `parallel` children run at once
so the API process keeps a core for everyone else's requests.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import threading

from core.articles.extract import extract_article
from core.errors import EmptyArticle, PageTooComplex, ServiceUnavailable, ThreadrError
from core.models import Article

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["core.articles.forkserver_warm"])
_NICENESS = 10  # the children yield the CPU to the API's own threads (logins, other pages)
_START_SECONDS = 60.0  # the fork server's first child waits for its imports
_WARM_PAGE = "<html><body><article><p>Warm up.</p></article></body></html>"
_started = False


class BoundedExtractor:
    def __init__(self, seconds: float, max_nodes: int, parallel: int | None = None) -> None:
        self.seconds = seconds
        self.max_nodes = max_nodes
        self._slots = threading.BoundedSemaphore(parallel or max(1, (os.cpu_count() or 2) // 2))

    def start(self) -> None:
        """Start the (shared, per-process) fork server and let it warm up now, not on the
        first page. Blocking: ~1 s the first time, nothing after. Optional: the first page
        starts it otherwise (its wait for the fork server is not part of its budget)."""
        global _started
        if _started:
            return
        try:
            self._in_child(_WARM_PAGE, None, _START_SECONDS)
        except EmptyArticle:
            pass
        _started = True

    def check_size(self, html: str) -> None:
        """`PageTooComplex` for a page with more tags than `max_nodes` (before any parsing)."""
        if html.count("<") > self.max_nodes:
            raise PageTooComplex()

    def extract(self, html: str, url: str | None) -> Article:
        """Blocking: call from a worker thread. The article, or the child's domain error."""
        self.check_size(html)
        if not self._slots.acquire(timeout=4 * self.seconds):
            raise ServiceUnavailable("Threadr is busy reading other pages. Please retry.")
        try:
            return self._in_child(html, url, self.seconds)
        finally:
            self._slots.release()

    def _in_child(self, html: str, url: str | None, seconds: float) -> Article:
        receiver, sender = _CONTEXT.Pipe(duplex=False)
        child = _CONTEXT.Process(target=_work, args=(sender, html, url, seconds), daemon=True)
        child.start()
        sender.close()
        try:
            if not receiver.poll(seconds):
                raise PageTooComplex()
            ok, value = receiver.recv()
        except (EOFError, OSError):  # the child died (e.g. out of memory)
            raise PageTooComplex() from None
        finally:
            if child.is_alive():
                child.kill()
            child.join(5)
            receiver.close()
        if ok:
            return value
        raise value


def _work(sender, html: str, url: str | None, seconds: float) -> None:
    os.nice(_NICENESS)
    # The kernel ends the child past its CPU budget even if the parent died meanwhile.
    limit = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    try:
        result = (True, extract_article(html, url))
    except ThreadrError as exc:
        result = (False, type(exc)(exc.message))
    except Exception:  # the extractor never raises on markup; be safe across the pipe anyway
        result = (False, EmptyArticle())
    sender.send(result)
    sender.close()

