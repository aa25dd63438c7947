"""The thread editor on the web page, in headless Chromium against a real `threadr serve`."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

TEXT = (
    "Cities are planting trees to cope with heat. Shade from a mature tree can cool a street "
    "by several degrees on a summer afternoon.\n\n"
    "The programmes are not cheap. A city must water young trees for years, and many die "
    "before they give any shade.\n\n"
    "Residents notice the difference. People walk more on shaded streets, and shops there "
    "report more visitors during heat waves. Read more at https://www.example.com/news/"
    "cities-plant-trees-for-shade-2026"
)


def generate(page, text: str = TEXT) -> list[str]:
    """Pasted text: Threadr splits it (the person's own words, whole and in order)."""
    page.set_default_timeout(15_000)
    page.check("input[name='mode'][value='split']")
    page.fill("#source", text)
    page.click("#generate")
    page.wait_for_selector("#status:has-text('Thread ready')")
    return bodies(page)


def bodies(page) -> list[str]:
    return [a.input_value() for a in page.locator("#posts textarea").all()]


def counters(page) -> list[str]:
    return [c.inner_text() for c in page.locator("#posts .counter").all()]


def clipboard_after_copy_all(page) -> str:
    page.click("#copy-all")
    page.wait_for_selector("#status:has-text('All posts copied')")
    return page.evaluate("navigator.clipboard.readText()")


def register(page) -> str:
    email = f"ed-{uuid.uuid4().hex[:8]}@example.com"
    page.click("#signin")
    page.fill("#auth-email", email)
    page.fill("#auth-password", "correct horse battery")
    page.click("#auth-register")
    page.wait_for_selector(f"#who:has-text('{email}')")
    return email


def test_numbering_is_rendered_not_typed_and_a_style_change_renumbers_every_post(page):
    page.goto("/")
    posts = generate(page)
    n = len(posts)
    assert n >= 2
    assert not any(re.search(r"\d+/\d+", body) for body in posts)  # labels are not in the text
    assert clipboard_after_copy_all(page) == "\n\n".join(
        f"{body} {i}/{n}" for i, body in enumerate(posts, 1))
    page.select_option("#edit-numbering", "(1/n)")
    page.select_option("#edit-position", "prefix")
    assert clipboard_after_copy_all(page) == "\n\n".join(
        f"({i}/{n}) {body}" for i, body in enumerate(posts, 1))
    assert page.locator("#posts .num").last.inner_text() == f"starts with ({n}/{n})"
    assert bodies(page) == posts
    page.select_option("#edit-numbering", "none")
    assert clipboard_after_copy_all(page) == "\n\n".join(posts)


def test_add_delete_split_and_merge_change_the_posts_and_their_numbers(page):
    page.goto("/")
    posts = generate(page)
    n = len(posts)
    page.click("#post-0 ~ .post-tools .tool-add")
    assert len(bodies(page)) == n + 1 and bodies(page)[1] == ""
    assert page.evaluate("document.activeElement.id") == "post-1"
    page.keyboard.type("A new second post.")
    assert bodies(page)[1] == "A new second post."
    assert page.locator("#posts .num").nth(1).inner_text() == f"ends with 2/{n + 1}"
    page.click("#post-1 ~ .post-tools .tool-delete")
    assert bodies(page) == posts
    # split post 1 at the cursor, after its first sentence
    first = posts[0]
    at = first.index(". ") + 1
    page.focus("#post-0")
    page.evaluate(f"document.getElementById('post-0').setSelectionRange({at}, {at})")
    page.click("#post-0 ~ .post-tools .tool-split")
    assert bodies(page)[:2] == [first[:at], first[at:].strip()]
    assert len(bodies(page)) == n + 1
    page.click("#post-0 ~ .post-tools .tool-merge")
    assert bodies(page) == posts
    assert page.locator("#posts .num").first.inner_text() == f"ends with 1/{n}"


def test_reorder_by_keyboard_and_by_drag_and_drop(page):
    page.goto("/")
    posts = generate(page)
    page.focus("#post-0")
    page.keyboard.press("Alt+ArrowDown")
    assert bodies(page)[:2] == [posts[1], posts[0]]
    assert page.evaluate("document.activeElement.id") == "post-1"  # focus follows the post
    page.keyboard.press("Alt+ArrowUp")
    assert bodies(page) == posts
    last = len(posts) - 1
    page.drag_and_drop("#posts li:nth-child(1) .drag", f"#posts li:nth-child({last + 1})")
    moved = bodies(page)
    assert moved[last] == posts[0] and moved[:last] == posts[1:]


def test_counter_includes_numbering_turns_red_and_fit_resplits_with_the_servers_rules(page):
    page.goto("/")
    posts = generate(page)
    n = len(posts)
    body = posts[0]
    expected = page.evaluate(
        "([t]) => import('/static/js/weighted-length.js').then(m => m.weightedLength(t))",
        [f"{body} 1/{n}"])
    assert counters(page)[0] == f"{expected}/280"
    long = ("Shade matters. " * 30).strip()
    page.fill("#post-0", long)
    card = page.locator("#posts li").first
    counter = card.locator(".counter")
    assert int(counter.inner_text().split("/")[0]) > 280
    assert counter.evaluate("el => getComputedStyle(el).color") == "rgb(198, 40, 40)"
    overflow = card.locator(".overflow mark")
    assert overflow.is_visible() and long.endswith(overflow.inner_text())
    assert page.locator("#post-0 ~ .post-tools .tool-fit").is_visible()
    page.click("#post-0 ~ .post-tools .tool-fit")
    page.wait_for_selector("#status:has-text('posts that fit')")
    after = bodies(page)
    assert len(after) > n
    pieces = len(after) - n + 1
    assert " ".join(after[:pieces]).split() == long.split()  # nothing lost, nothing reordered
    assert all(int(c.split("/")[0]) <= 280 for c in counters(page))
    assert page.locator("#posts li.over").count() == 0


def test_the_preview_shows_the_thread_as_x_does(page):
    page.goto("/")
    generate(page)
    page.click("#preview-toggle")
    preview = page.locator("#preview")
    assert preview.is_visible()
    posts = preview.locator(".x-post")
    assert posts.count() == len(bodies(page))
    assert posts.first.locator(".x-avatar").is_visible()
    assert posts.first.locator(".x-show-thread").inner_text() == "Show this thread"
    link = preview.locator(".x-text a").last
    shown = link.inner_text()  # no scheme, no www., cut with an ellipsis like X
    assert shown.startswith("example.com/news/cities-") and shown.endswith("…")
    assert len(shown) <= 25
    assert link.get_attribute("href").startswith("https://www.example.com/news/")
    page.fill("#post-0", "Line one\nLine two")
    first = preview.locator(".x-text").first
    assert first.inner_text().startswith("Line one\nLine two")
    assert first.evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"


def test_the_draft_survives_a_reload_and_generate_keeps_the_previous_thread(page):
    page.goto("/")
    generate(page)
    page.fill("#post-0", "My own opening line.")
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert bodies(page)[0] == "My own opening line."
    assert "draft was restored" in page.inner_text("#status")
    edited = bodies(page)
    generate(page, "A completely different text about rivers. " * 12)
    assert bodies(page) != edited
    page.click("#restore-previous")
    assert bodies(page) == edited


def test_a_failed_generate_leaves_the_thread_untouched(page):
    page.goto("/")
    generate(page)
    page.fill("#post-0", "Edited, keep me.")
    before = bodies(page)
    page.check("input[name='mode'][value='summarize']")
    page.fill("#source", "http://127.0.0.1/private")
    page.click("#generate")
    page.locator("#error").wait_for(state="visible")
    assert bodies(page) == before


def test_a_stale_version_save_shows_the_conflict_message(page):
    page.goto("/")
    register(page)
    generate(page)
    thread_id = page.evaluate("""async () => {
        const r = await fetch('/api/v1/threads?limit=1', {headers: {Authorization:
            'Bearer ' + localStorage.getItem('threadr.token')}});
        return (await r.json()).threads[0].id; }""")
    # someone else (another tab) saves first
    status = page.evaluate("""async (id) => {
        const h = {Authorization: 'Bearer ' + localStorage.getItem('threadr.token'),
                   'Content-Type': 'application/json'};
        const t = await (await fetch('/api/v1/threads/' + id, {headers: h})).json();
        const r = await fetch('/api/v1/threads/' + id, {method: 'PATCH', headers: {...h,
            'If-Match': '"' + t.version + '"'}, body: JSON.stringify({posts: ['Changed elsewhere.']})});
        return r.status; }""", thread_id)
    assert status == 200
    page.fill("#post-0", "My edit on the old version.")
    page.click("#save")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "changed somewhere else" in error.inner_text()
    assert bodies(page)[0] == "My edit on the old version."  # the edit is kept


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots_of_the_editor_and_the_preview(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    generate(page)
    page.fill("#post-1", bodies(page)[1] + " " + "Too long now. " * 20)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#result").screenshot(path=str(ARTIFACTS / f"editor_{width}.png"))
    if width == 375:  # every post action is on the card: nothing needs a horizontal scroll
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        box = page.locator("#posts li").first.locator(".tool-delete").bounding_box()
        assert box["x"] + box["width"] <= 375
        # the thread actions stay on screen while the first post is edited (sticky bar)
        page.set_viewport_size({"width": 375, "height": 700})
        page.locator("#post-0").scroll_into_view_if_needed()
        page.evaluate("document.getElementById('post-0').scrollIntoView({block: 'start'})")
        bar = page.locator("#copy-all").bounding_box()
        assert 0 <= bar["y"] and bar["y"] + bar["height"] <= 700
    page.set_viewport_size({"width": width, "height": 2400})  # the sticky actions stay below
    page.click("#preview-toggle")
    page.locator("#preview").screenshot(path=str(ARTIFACTS / f"preview_{width}.png"))


def test_the_quota_message_gives_one_reset_time_in_local_time_and_no_upgrade_without_billing(
        chromium, tmp_path):
    from tests.e2e.conftest import start_server, stop_server

    process, base_url = start_server(tmp_path, FREE_DAILY_QUOTA="1", BURST_PER_MINUTE="1000")
    context = chromium.new_context(base_url=base_url, timezone_id="Asia/Tokyo")  # UTC+9
    try:
        page = context.new_page()
        page.goto("/")
        generate(page)
        page.fill("#source", TEXT + " Once more.")
        page.click("#generate")
        error = page.locator("#error")
        error.wait_for(state="visible")
        text = error.inner_text()
        # the day resets at 00:00 UTC: 09:00 in Tokyo, said once
        assert re.fullmatch(r"You have used today's 1 free threads\. It resets at 09:00 "
                            r"\(in \d+ (h|min)\)\.", text), text
        assert error.locator("a").count() == 0 and page.locator("#upgrade").is_hidden()
    finally:
        context.close()
        stop_server(process)


def test_signed_in_edits_are_saved_to_history_as_a_draft_with_a_word_boundary_title(page):
    page.goto("/")
    register(page)
    generate(page)
    edit = "An opening line long enough to need cutting in the history list, at a word boundary."
    page.fill("#post-0", edit)
    page.wait_for_selector("#status:has-text('Draft saved to your history')")  # debounced PATCH
    saved = page.evaluate("""async () => {
        const h = {Authorization: 'Bearer ' + localStorage.getItem('threadr.token')};
        const list = await (await fetch('/api/v1/threads?limit=1', {headers: h})).json();
        return list.threads[0]; }""")
    assert saved["posts"][0]["text"].startswith(edit) and saved["edited_at"]
    page.reload()
    item = page.locator("#history-list li").first
    item.wait_for()
    assert "Draft (edited)" in item.inner_text()
    title = item.locator("button").evaluate("b => b.firstChild.textContent")
    assert title.endswith("…") and len(title) <= 70
    assert edit.startswith(title[:-1]) and edit[len(title) - 1] == " "  # cut between words
    page.evaluate("localStorage.removeItem('threadr.draft')")
    page.reload()
    page.locator("#history-list li button").first.click()
    page.wait_for_selector("#post-0")
    assert bodies(page)[0] == edit  # reopened from history, numbering taken out again
