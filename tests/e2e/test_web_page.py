"""The web page in headless Chromium against a real `threadr serve`."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

ARTICLE = (
    "Cities are planting trees to cope with heat. Shade from a mature tree can cool a street "
    "by several degrees on a summer afternoon. Researchers measured surface temperatures in "
    "forty neighbourhoods and found the leafiest ones were markedly cooler at night.\n\n"
    "The programmes are not cheap. A city must water young trees for years, and many die "
    "before they give any shade. Planners now pick species that tolerate drought.\n\n"
    "Residents notice the difference. Surveys show people walk more on shaded streets, and "
    "shops on those streets report more visitors during heat waves. Trees are infrastructure."
)


def _generate(page, text: str) -> list[str]:
    page.fill("#source", text)
    page.click("#generate")
    page.wait_for_selector("#status:has-text('Thread ready')")
    return [area.input_value() for area in page.locator("#posts textarea").all()]


def test_pasted_text_streams_into_editable_posts_and_copy_all_copies_them(page):
    page.goto("/")
    page.check("input[name='mode'][value='split']")
    page.fill("#source", ARTICLE)
    assert "Text detected" in page.inner_text("#detected")
    posts = _generate(page, ARTICLE)
    assert len(posts) >= 2
    counter = page.locator("#post-0-count")
    assert re.fullmatch(r"\d+/280", counter.inner_text())
    page.click("#copy-all")
    page.wait_for_selector("#status:has-text('All posts copied')")
    n = len(posts)  # numbering is rendered from the style, not part of the edited text
    assert page.evaluate("navigator.clipboard.readText()") == "\n\n".join(
        f"{body} {i}/{n}" for i, body in enumerate(posts, 1))


def test_a_post_over_the_limit_turns_red_and_cannot_be_saved(page):
    page.goto("/")
    _register(page)
    page.check("input[name='mode'][value='split']")
    n = len(_generate(page, ARTICLE))
    save = page.locator("#save")
    assert save.is_visible() and save.is_enabled()
    page.fill("#post-0", "x" * 300)
    counter = page.locator("#post-0-count")
    assert counter.inner_text() == f"{300 + len(f' 1/{n}')}/280"  # the label counts
    assert "over" in (counter.get_attribute("class") or "")
    color = counter.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(198, 40, 40)"
    assert save.is_disabled()
    page.fill("#post-0", "Short again")
    assert save.is_enabled()
    save.click()
    page.wait_for_selector("#status:has-text('Edits saved')")


def test_a_registered_persons_thread_is_in_history_after_a_reload(page):
    page.goto("/")
    email = _register(page)
    posts = _generate(page, ARTICLE + " History check.")
    page.reload()
    page.wait_for_selector("#history-list li")
    assert page.inner_text("#who") == email
    page.locator("#history-list button").first.click()
    assert page.locator("#post-0").input_value() == posts[0]
    assert re.search(r"\d+ left today", page.inner_text("#usage"))
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "web_page.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


def test_the_upgrade_button_is_hidden_when_billing_is_off(page):
    page.goto("/")
    page.wait_for_selector("#usage:not(:empty)")
    assert page.locator("#upgrade").is_hidden()


def _register(page) -> str:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    page.click("#signin")
    page.fill("#auth-email", email)
    page.fill("#auth-password", "correct horse battery")
    page.click("#auth-register")
    page.wait_for_selector(f"#who:has-text('{email}')")
    return email


def test_a_refused_address_shows_a_clear_error(page):
    page.goto("/")
    page.fill("#source", "http://127.0.0.1/private")
    assert "Link detected" in page.inner_text("#detected")
    page.click("#generate")
    error = page.locator("#error")
    error.wait_for(state="visible")
    api = page.request.post("/api/v1/threads", data={"url": "http://127.0.0.1/private"})
    assert api.status == 400 and api.json()["error"]["code"] == "blocked_url"
    assert error.inner_text() == api.json()["error"]["message"]
    assert page.locator("#result").is_hidden()


LONG_NOTES = " ".join(f"Note {i} records what the team measured on day {i} of the trial."
                      for i in range(1, 181))


def test_pasted_text_is_summarized_unless_the_person_asks_to_split(page):
    page.goto("/")
    assert page.is_checked("input[name='mode'][value='summarize']")
    assert page.inner_text(".modes").split("\n")[1:] == [
        "Summarize into a thread", "Split my text into posts"]
    page.fill("#source", ARTICLE)
    assert "summarize it into a thread" in page.inner_text("#detected")
    with page.expect_request("**/api/v1/threads") as sent:
        page.click("#generate")
    page.wait_for_selector("#status:has-text('Thread ready')")
    assert sent.value.post_data_json["mode"] == "summarize"
    assert page.locator("#warnings").is_hidden()


def test_a_long_split_keeps_every_word_warns_and_offers_to_summarize(page):
    page.goto("/")
    page.check("input[name='mode'][value='split']")
    with page.expect_request("**/api/v1/threads") as sent:
        posts = _generate(page, LONG_NOTES)
    assert sent.value.post_data_json["mode"] == "split"
    assert len(posts) > 25
    words = " ".join(re.sub(r"\s*\d+/\d+$", "", p) for p in posts).split()
    assert words == LONG_NOTES.split()
    banner = page.locator("#warnings")
    banner.wait_for(state="visible")
    assert f"{len(posts)} posts" in banner.inner_text() and "Summarize" in banner.inner_text()
    with page.expect_request("**/api/v1/threads") as again:
        page.click("#summarize-instead")
    assert again.value.post_data_json["mode"] == "summarize"
    page.wait_for_selector("#status:has-text('Thread ready')")
    assert page.locator("#posts textarea").count() <= 12
    assert banner.is_hidden()


def test_the_account_page_shows_the_plan_and_revokes_an_extension_token(page):
    page.goto("/")
    _register(page)
    page.evaluate("""() => fetch('/api/v1/tokens', {method: 'POST', headers: {
        Authorization: 'Bearer ' + localStorage.getItem('threadr.token'),
        'Content-Type': 'application/json'}, body: JSON.stringify({name: 'My laptop'})})""")
    page.click("#account-link")
    page.wait_for_selector("#tokens-list li:has-text('My laptop')")
    assert "Free plan" in page.inner_text("#account-plan")
    assert page.locator("#generate-form").is_hidden()
    page.click("button[aria-label='Revoke My laptop']")
    page.wait_for_selector("#tokens-list li:has-text('My laptop')", state="detached")
    left = page.evaluate("""async () => (await (await fetch('/api/v1/tokens', {headers: {
        Authorization: 'Bearer ' + localStorage.getItem('threadr.token')}})).json()).tokens""")
    assert all(t["name"] != "My laptop" for t in left)  # revoked tokens are not listed
