"""The browser extension (test build) in headless Chromium against a real `threadr serve`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import urllib.error
import urllib.request
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cli.extension_build import build_extension
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, free_port, start_server, stop_server
from tests.fixtures.accounts import sign_up_sync
from tests.standins.article_server import ArticleServer

pytestmark = pytest.mark.e2e

TITLE = "Why cities plant trees"
PARAGRAPHS = [
    "Cities are planting trees to cope with heat. Shade from a mature tree can cool a street "
    "by several degrees on a summer afternoon, and researchers measured surface temperatures "
    "in forty neighbourhoods to prove it.",
    "The programmes are not cheap. A municipality must water saplings for years, and many die "
    "before they give any shade. Planners now pick drought-tolerant species such as hackberry.",
    "Residents notice the difference. Surveys show people walk more on shaded streets, and "
    "shops on those streets report more visitors during heat waves. Trees are infrastructure.",
]
ARTICLE_HTML = (
    f"<!doctype html><html lang='en'><head><title>{TITLE}</title></head><body>"
    "<nav><a href='/'>Home</a> · <a href='/news'>News</a></nav>"
    f"<article><h1>{TITLE}</h1>" + "".join(f"<p id='p{i}'>{p}</p>" for i, p in
                                           enumerate(PARAGRAPHS)) +
    "</article><footer>© The Daily Leaf</footer></body></html>"
)
EMPTY_HTML = "<!doctype html><html><head><title>Menu</title></head><body><nav>Home</nav></body></html>"


def unpacked_extension_id(path: Path) -> str:
    """Chromium's id for an unpacked extension: sha256 of its absolute path, as letters a-p."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def http(method: str, url: str, body: dict | None = None, token: str | None = None):
    """(status, JSON body) of one request to the Threadr API."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


async def grant_premium(data_dir: Path, user_id: str, days: int) -> None:
    """What a paid Stripe checkout leaves behind, written through the server's own store."""
    from core.settings import Settings
    from core.store.factory import open_store

    store = await open_store(Settings(env="test", data_dir=data_dir))
    try:
        now = datetime.now(UTC)
        async with store.billing_transaction() as tx:
            await tx.add_premium_grant(user_id, "test", f"test-{user_id}", now,
                                       now + timedelta(days=days))
    finally:
        await store.close()


class ArticleSite:
    """The article pages, served by the aiohttp stand-in on its own loop in a thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = ArticleServer()
        self.server.serve("/article", ARTICLE_HTML)
        self.server.serve("/empty", EMPTY_HTML)
        asyncio.run_coroutine_threadsafe(self.server.__aenter__(), self.loop).result(10)

    def url(self, path: str) -> str:
        return self.server.url(path)

    def run(self, coroutine, timeout: float = 30):
        """Run a coroutine on this thread's loop (the tests themselves are synchronous)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.__aexit__(None, None, None),
                                         self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def launch(playwright, profile: Path, extension: Path):
    """Chromium with one unpacked extension; returns (context, its service worker)."""
    ctx = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True,
        viewport={"width": 420, "height": 760},
        args=[f"--disable-extensions-except={extension}", f"--load-extension={extension}",
              "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])
    sw = ctx.service_workers[0] if ctx.service_workers else ctx.wait_for_event(
        "serviceworker", timeout=15_000)
    return ctx, sw


@pytest.fixture(scope="module")
def playwright():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def stack(playwright, tmp_path_factory):
    """Server, article site and Chromium with the test build loaded."""
    root = tmp_path_factory.mktemp("threadr-extension").resolve()
    ext_dir = root / "unpacked"
    ext_id = unpacked_extension_id(ext_dir)
    process, base_url = start_server(root, EXTENSION_IDS=ext_id, FREE_DAILY_QUOTA="1000",
                                     BURST_PER_MINUTE="1000")
    site = ArticleSite()
    try:
        archive = build_extension(base_url, root / "dist", variant="test")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(ext_dir)
        ctx, sw = launch(playwright, root / "profile", ext_dir)
        try:
            assert sw.url.split("/")[2] == ext_id, "the id computed from the path is Chromium's"
            ctx.grant_permissions(["clipboard-read", "clipboard-write"])  # opaque origins too
            yield {"ctx": ctx, "id": ext_id, "sw": sw, "api": base_url, "site": site,
                   "data_dir": root / "data"}
        finally:
            ctx.close()
    finally:
        site.close()
        stop_server(process)


@pytest.fixture
def article(stack):
    """An open article tab and its tab id (as the extension sees it)."""
    page = stack["ctx"].new_page()
    page.goto(stack["site"].url(f"/article?tab={uuid.uuid4().hex}"))  # one tab per URL
    tab_id = stack["sw"].evaluate(
        "async (url) => (await chrome.tabs.query({url})).map((t) => t.id).pop()", page.url)
    yield page, tab_id
    page.close()


def open_popup(stack, tab_id: int | None = None):
    page = stack["ctx"].new_page()
    query = f"?tabId={tab_id}" if tab_id is not None else ""
    page.goto(f"chrome-extension://{stack['id']}/popup.html{query}")
    page.wait_for_selector("body[data-ready='true']")
    return page


def wait_for_thread(popup) -> list[str]:
    popup.wait_for_selector("#status:has-text('Thread ready')")
    return [area.input_value() for area in popup.locator("#posts textarea").all()]


def test_the_popup_threads_the_page_and_copy_all_copies_that_thread(stack, article):
    page, tab_id = article
    popup = open_popup(stack, tab_id)
    popup.click("#thread-page")
    posts = wait_for_thread(popup)
    status, expected = http("POST", f"{stack['api']}/api/v1/threads",
                            {"html": ARTICLE_HTML, "url": page.url})
    assert status == 200
    assert len(posts) == len(expected["posts"]) >= 2 and page.url in posts[-1]
    assert not re.search(r"\d+/\d+", posts[0])  # the numbering is rendered, not edited
    assert popup.inner_text("#post-0-count") == f"{expected['posts'][0]['weighted_length']}/280"
    popup.click("#copy-all")
    popup.wait_for_selector("#status:has-text('All posts copied')")
    assert popup.evaluate("navigator.clipboard.readText()") == "\n\n".join(
        p["text"] for p in expected["posts"])
    assert "threads left today" in popup.inner_text("#usage")
    ARTIFACTS.mkdir(exist_ok=True)
    popup.screenshot(path=str(ARTIFACTS / "extension_popup.png"), full_page=True)
    popup.close()


def test_copy_one_and_an_edited_post_updates_its_counter_and_the_post_on_x_link(stack, article):
    _, tab_id = article
    popup = open_popup(stack, tab_id)
    popup.click("#thread-page")
    posts = wait_for_thread(popup)
    n = len(posts)
    popup.click("#posts li[data-index='1'] .tool-copy")
    popup.wait_for_selector("#status:has-text('Post 2 copied')")
    copied = popup.evaluate("navigator.clipboard.readText()")
    assert copied.replace(f" 2/{n}", "", 1) == posts[1]
    label = len(f" 1/{n}")
    popup.fill("#post-0", "x" * 300)
    counter = popup.locator("#post-0-count")
    assert counter.inner_text() == f"{300 + label}/280"
    assert "over" in (counter.get_attribute("class") or "")
    popup.fill("#post-0", "Trees cool cities 🌳 https://example.com/a-very-long-path")
    assert counter.inner_text() == f"{len('Trees cool cities ') + 2 + 1 + 23 + label}/280"
    href = popup.get_attribute("#post-x", "href")
    assert href.startswith("https://x.com/intent/post?text=Trees%20cool%20cities%20")
    popup.close()


def test_the_popup_has_the_pages_editor_actions_preview_and_a_draft(stack, article):
    _, tab_id = article
    popup = open_popup(stack, tab_id)
    popup.click(".options summary")
    assert popup.locator("#tone").is_visible() and popup.locator("#hashtags").is_visible()
    with popup.expect_request("**/api/v1/threads") as sent:
        popup.select_option("#tone", "casual")
        popup.check("#emoji")
        popup.click("#thread-page")
    assert {k: sent.value.post_data_json[k] for k in ("tone", "emoji", "hashtags")} == {
        "tone": "casual", "emoji": True, "hashtags": 0}
    posts = wait_for_thread(popup)
    n = len(posts)
    bodies = lambda: [a.input_value() for a in popup.locator("#posts textarea").all()]  # noqa: E731
    popup.click("#post-0 ~ .post-tools .tool-add")
    assert len(bodies()) == n + 1
    popup.click("#post-1 ~ .post-tools .tool-delete")
    assert bodies() == posts
    popup.focus("#post-0")
    popup.keyboard.press("Alt+ArrowDown")
    assert bodies()[:2] == [posts[1], posts[0]]
    popup.keyboard.press("Alt+ArrowUp")
    popup.evaluate("""() => { const a = document.getElementById('post-0');
        const at = a.value.indexOf('. ') + 1; a.setSelectionRange(at, at); }""")
    popup.click("#post-0 ~ .post-tools .tool-split")
    head, tail = bodies()[:2]
    assert head.endswith(".") and f"{head} {tail}".split() == posts[0].split()
    popup.click("#post-0 ~ .post-tools .tool-merge")
    assert bodies() == posts
    popup.select_option("#edit-numbering", "1.")
    assert popup.locator("#posts .num").first.inner_text() == "ends with 1."
    popup.fill("#post-0", ("Shade matters. " * 30).strip())
    popup.click("#post-0 ~ .post-tools .tool-fit")
    popup.wait_for_selector("#status:has-text('posts that fit')")
    assert len(bodies()) > n and popup.locator("#posts li.over").count() == 0
    popup.click("#preview-toggle")
    assert popup.locator("#preview .x-post").count() == len(bodies())
    ARTIFACTS.mkdir(exist_ok=True)
    popup.screenshot(path=str(ARTIFACTS / "extension_editor.png"), full_page=True)
    kept = bodies()
    popup.close()
    again = open_popup(stack, tab_id)  # closing the popup loses nothing
    again.wait_for_selector("#status:has-text('draft was restored')")
    assert [a.input_value() for a in again.locator("#posts textarea").all()] == kept
    again.evaluate("localStorage.clear()")
    again.close()


def test_a_selection_on_the_page_is_threaded_alone(stack, article):
    page, tab_id = article
    page.evaluate("""() => { const r = document.createRange();
        r.selectNodeContents(document.getElementById('p1'));
        getSelection().removeAllRanges(); getSelection().addRange(r); }""")
    popup = open_popup(stack, tab_id)
    popup.click("#thread-page")
    text = " ".join(wait_for_thread(popup))
    assert "hackberry" in text and "saplings" in text
    assert "neighbourhoods" not in text and "infrastructure" not in text
    assert "From your selection" in popup.inner_text("#source")
    popup.close()


def test_a_selection_is_summarized_by_default_even_with_an_old_auto_default(stack, article):
    page, tab_id = article
    stack["sw"].evaluate("() => chrome.storage.local.set({defaults: {mode: 'auto'}})")
    try:
        page.evaluate("""() => { const r = document.createRange();
            r.selectNodeContents(document.getElementById('p1'));
            getSelection().removeAllRanges(); getSelection().addRange(r); }""")
        popup = open_popup(stack, tab_id)
        assert popup.is_checked("input[name='mode'][value='summarize']")
        with popup.expect_request(lambda r: r.url.endswith("/api/v1/threads")) as sent:
            popup.click("#thread-page")
        wait_for_thread(popup)
        assert sent.value.post_data_json["mode"] == "summarize"
        popup.check("input[name='mode'][value='split']")
        with popup.expect_request(lambda r: r.url.endswith("/api/v1/threads")) as again:
            popup.click("#thread-page")
        wait_for_thread(popup)
        assert again.value.post_data_json["mode"] == "split"
        assert popup.locator("#warnings").is_hidden()
        popup.close()
    finally:
        stack["sw"].evaluate("() => chrome.storage.local.remove('defaults')")


def test_the_context_menu_threads_the_selection_only(stack, article):
    page, _ = article
    selection = PARAGRAPHS[2]
    with stack["ctx"].expect_page(
            lambda p: p.url.startswith(f"chrome-extension://{stack['id']}/popup.html")) as info:
        opened = stack["sw"].evaluate(
            "([text, url]) => threadFromSelection("
            "{menuItemId: 'threadr-selection', selectionText: text, pageUrl: url}, null, "
            "{inTab: true})",  # the toolbar popup cannot be observed from a test
            [selection, page.url])
    assert opened == "tab"
    popup = info.value
    text = " ".join(wait_for_thread(popup))
    assert "Surveys show people walk more" in text and page.url in text
    assert "hackberry" not in text and "neighbourhoods" not in text
    popup.close()


def test_sign_in_shows_usage_and_sign_out_revokes_the_token(stack):
    email, password = "reader@example.com", "correct horse battery staple"
    sign_up_sync(stack["api"], email, password)
    popup = open_popup(stack)
    assert "(not signed in)" in popup.inner_text("#usage")
    popup.click("#signin")
    popup.fill("#email", email)
    popup.fill("#password", password)
    popup.click("#signin-submit")
    popup.wait_for_selector(f"#who:has-text('{email}')")
    expect(popup.locator("#usage")).to_contain_text("Free plan")
    expect(popup.locator("#usage")).not_to_contain_text("not signed in")
    token = stack["sw"].evaluate("async () => (await chrome.storage.local.get('token')).token")
    assert token.startswith("thr_")
    assert http("GET", f"{stack['api']}/api/v1/me", token=token)[0] == 200
    popup.screenshot(path=str(ARTIFACTS / "extension_popup_signed_in.png"))
    popup.click("#signout")
    popup.wait_for_selector("#status:has-text('Signed out.')")
    assert http("GET", f"{stack['api']}/api/v1/me", token=token)[0] == 401
    assert stack["sw"].evaluate("async () => (await chrome.storage.local.get('token')).token") \
        is None
    assert popup.is_visible("#signin")
    popup.close()


def test_a_premium_account_sees_its_premium_status(stack):
    email, password = "patron@example.com", "another long passphrase"
    body = sign_up_sync(stack["api"], email, password)
    stack["site"].run(grant_premium(stack["data_dir"], body["user"]["id"], days=30))
    popup = open_popup(stack)
    popup.click("#signin")
    popup.fill("#email", email)
    popup.fill("#password", password)
    popup.click("#signin-submit")
    popup.wait_for_selector("#usage:has-text('Premium until')")
    assert popup.inner_text("#usage").startswith("200 of 200 threads left today")
    popup.click("#signout")
    popup.wait_for_selector("#status:has-text('Signed out.')")
    popup.close()


def test_a_page_without_an_article_says_so(stack):
    page = stack["ctx"].new_page()
    page.goto(stack["site"].url("/empty"))
    tab_id = stack["sw"].evaluate(
        "async (url) => (await chrome.tabs.query({url})).map((t) => t.id).pop()", page.url)
    popup = open_popup(stack, tab_id)
    popup.click("#thread-page")
    popup.wait_for_selector("#error:has-text('No article was found on this page')")
    popup.close()
    page.close()


def test_an_unreachable_server_gives_a_clear_error(stack, article):
    _, tab_id = article
    dead = f"http://127.0.0.1:{free_port()}"
    stack["sw"].evaluate("(url) => chrome.storage.local.set({serverUrl: url})", dead)
    try:
        popup = open_popup(stack, tab_id)
        popup.click("#thread-page")
        popup.wait_for_selector(f"#error:has-text('Cannot reach the Threadr server at {dead}')")
        assert "unreachable" in popup.inner_text("#usage")
        popup.screenshot(path=str(ARTIFACTS / "extension_popup_unreachable.png"))
        popup.close()
    finally:
        stack["sw"].evaluate("() => chrome.storage.local.remove('serverUrl')")


def test_the_quota_error_gives_the_reset_time_and_an_upgrade_link(stack, article, tmp_path):
    _, tab_id = article
    process, base_url = start_server(tmp_path, EXTENSION_IDS=stack["id"], FREE_DAILY_QUOTA="1",
                                     STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="wh_x")
    stack["sw"].evaluate("(url) => chrome.storage.local.set({serverUrl: url})", base_url)
    try:
        popup = open_popup(stack, tab_id)
        popup.click("#thread-page")
        wait_for_thread(popup)
        popup.click(".options summary")
        popup.fill("#max_posts", "3")  # another request, not the cached one
        popup.click("#thread-page")
        error = popup.locator("#error")
        error.wait_for()
        assert re.search(r"You have used today's 1 free threads\. It resets at \d\d:\d\d "
                         r"\(in \d+ (h|min)\)\.", error.inner_text())
        link = popup.locator("#error a")
        assert link.inner_text() == "Upgrade to premium"
        assert link.get_attribute("href") == f"{base_url}/#upgrade"
        popup.close()
    finally:
        stack["sw"].evaluate("() => chrome.storage.local.remove('serverUrl')")
        stop_server(process)


def test_the_options_page_saves_the_server_and_the_default_options(stack):
    sw = stack["sw"]
    sw.evaluate("() => chrome.storage.local.set({token: 'thr_old', tokenId: 't1', email: 'a@b.c'})")
    page = stack["ctx"].new_page()
    page.goto(f"chrome-extension://{stack['id']}/options.html")
    expect(page.locator("#server")).not_to_have_value("")
    assert page.input_value("#server") == stack["api"]
    page.fill("#server", "ftp://nowhere")
    page.click("#save")
    page.wait_for_selector("#saved:has-text('starting with http')")
    page.fill("#server", "https://threadr.example.com/some/path")
    page.select_option("#numbering", "(1/n)")
    page.select_option("#link", "first")
    page.fill("#max_posts", "4")
    page.click("#save")
    page.wait_for_selector("#saved:has-text('Saved.')")
    stored = sw.evaluate("() => chrome.storage.local.get(null)")
    try:
        assert stored["serverUrl"] == "https://threadr.example.com"
        assert stored["defaults"] == {"mode": "summarize", "numbering": "(1/n)",
                                      "numbering_position": "suffix", "link": "first",
                                      "max_posts": 4}
        assert "token" not in stored, "a token belongs to the server it came from"
        popup = open_popup(stack)
        assert popup.input_value("#numbering") == "(1/n)"
        assert popup.input_value("#max_posts") == "4"
        popup.close()
    finally:
        sw.evaluate("() => chrome.storage.local.remove(['serverUrl', 'defaults'])")
        page.close()


def test_the_source_folder_loads_unpacked_as_it_is(playwright, tmp_path):
    """`extension/` itself (what a developer loads) starts and its popup renders cleanly."""
    from cli.extension_build import EXTENSION_DIR

    ctx, sw = launch(playwright, tmp_path / "profile", EXTENSION_DIR)
    try:
        ext_id = sw.url.split("/")[2]
        assert ext_id == unpacked_extension_id(EXTENSION_DIR)
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"chrome-extension://{ext_id}/popup.html")
        page.wait_for_selector("body[data-ready='true']")
        assert page.is_visible("#thread-page") and errors == []
    finally:
        ctx.close()


def test_a_tab_the_extension_cannot_read_gives_a_clear_error(stack):
    popup = open_popup(stack, 2_000_000_000)  # no such tab (as for chrome:// pages)
    before = [a.input_value() for a in popup.locator("#posts textarea").all()]  # a draft, if any
    popup.click("#thread-page")
    popup.wait_for_selector("#error:has-text('Threadr cannot read this page')")
    assert [a.input_value() for a in popup.locator("#posts textarea").all()] == before
    popup.close()
