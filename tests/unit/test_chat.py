"""The shared chat layer: commands and messages into requests, usage and error texts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots import chat, chat_texts
from core.errors import (
    BillingNotConfigured,
    BlockedUrl,
    EmptyArticle,
    FetchFailed,
    InvalidInput,
    InvalidLinkCode,
    PayloadTooLarge,
    Paywalled,
    QuotaExceeded,
    RateLimited,
    UnsupportedContent,
)
from core.models import Mode, ThreadOptions, Tone, Usage

ARTICLE = "Cities are planting trees to cool their streets. " * 4


@pytest.mark.parametrize(("text", "name", "argument"), [
    ("/start", "start", ""),
    ("/help", "help", ""),
    ("/thread https://example.com/a", "thread", "https://example.com/a"),
    ("/thread@ThreadrBot  some text ", "thread", "some text"),
    ("/THREAD\nline one\nline two", "thread", "line one\nline two"),
    ("/usage", "usage", ""),
    ("/premium", "premium", ""),
    ("/link", "link", ""),
    ("/link ABCD2345", "link", "ABCD2345"),
    ("hello there", "", "hello there"),
    ("", "", ""),
])
def test_commands_are_parsed_with_their_argument(text, name, argument):
    assert chat.parse_command(text) == chat.Command(name, argument)


def test_a_bare_link_asks_for_that_page():
    request = chat.request_from_message("https://example.com/story?id=3")
    assert request.url == "https://example.com/story?id=3" and request.text is None


def test_a_link_without_scheme_gets_https():
    assert chat.request_from_message("example.com/story").url == "https://example.com/story"


def test_a_link_with_a_short_comment_after_it_is_still_a_link():
    request = chat.request_from_message("https://example.com/a — wow, look at this!")
    assert request.url == "https://example.com/a" and request.text is None
    assert chat.request_from_message("www.example.com/a, great read").url == \
        "https://www.example.com/a"


def test_an_ip_literal_link_is_a_link_so_the_fetcher_can_refuse_it_clearly():
    assert chat.request_from_message("http://127.0.0.1:8080/x").url == "http://127.0.0.1:8080/x"


def test_trailing_punctuation_is_not_part_of_a_link():
    assert chat.find_links("see (http://10.0.0.1/a).") == ["http://10.0.0.1/a"]
    assert chat.request_from_message("https://example.com/a.").url == "https://example.com/a"


PASTED = ("To install the package, run setup.py from the project folder. The configuration "
          "lives in config.yaml and the docs are on readthedocs.io under the project name. "
          "Then open https://example.org/guide for the rest of the steps.")


def test_names_and_links_inside_pasted_text_are_not_the_articles_link():
    request = chat.request_from_message(PASTED)
    assert request.text == PASTED and request.url is None


@pytest.mark.parametrize("text", [
    "setup.py is the build script of this project, and you need it for every release.",
    "Look at this! https://example.com/a — wow",
    "example.com/a is worth a read tonight",
])
def test_a_message_that_does_not_start_with_an_explicit_link_is_no_link_request(text):
    request = chat.request_from_message(text)
    assert request is None or (request.url is None and request.text == text)


def test_a_link_followed_by_a_long_text_is_that_article_with_its_source():
    body = "https://news.example.org/trees\n\n" + ARTICLE * 2
    request = chat.request_from_message(body)
    assert request.url == "https://news.example.org/trees"
    assert request.text == (ARTICLE * 2).strip()


def test_every_chat_request_is_summarized_by_default():
    for request in (chat.request_from_message(PASTED), chat.request_from_message(
            "https://example.com/a"), chat.request_from_command("two words"),
            chat.request_from_command("https://example.com/a")):
        assert request.options.mode == Mode.SUMMARIZE


def test_the_thread_command_follows_the_same_link_rule():
    assert chat.request_from_command("setup.py and config.yaml").text == \
        "setup.py and config.yaml"
    assert chat.request_from_command("see https://example.com/a").url is None
    assert chat.request_from_command("https://example.com/a").url == "https://example.com/a"


def test_forwarded_text_is_an_article_even_when_short():
    request = chat.request_from_message("Short forwarded note.", forwarded=True)
    assert request.text == "Short forwarded note." and request.url is None


def test_forwarded_text_with_a_link_is_still_the_article():
    request = chat.request_from_message("Read https://example.com/a now", forwarded=True)
    assert request.text == "Read https://example.com/a now" and request.url is None
    led = chat.request_from_message("https://example.com/a Read it now", forwarded=True)
    assert led.text == "Read it now" and led.url == "https://example.com/a"


def test_pasted_article_text_becomes_a_text_request_in_summarize_mode():
    request = chat.request_from_message(ARTICLE)
    assert request.text == ARTICLE.strip() and request.options.mode is Mode.SUMMARIZE


@pytest.mark.parametrize("text", ["", "   ", "hi", "thanks!", "ok cool"])
def test_chatter_is_not_a_request(text):
    assert chat.request_from_message(text) is None


def test_text_is_nfc_normalised_and_crlf_becomes_lf():
    request = chat.request_from_message("Cafe\u0301 au lait.\r\n" * 10, forwarded=True)
    assert "\r" not in request.text and "Café" in request.text


def test_thread_command_takes_a_link_or_any_text():
    assert chat.request_from_command("https://example.com/a").url == "https://example.com/a"
    assert chat.request_from_command("two words").text == "two words"
    assert chat.request_from_command("  ") is None


def test_options_are_carried_into_the_request():
    options = ThreadOptions(tone=Tone.PUNCHY)
    assert chat.request_from_command("text", options).options is options
    assert chat.request_from_message(ARTICLE, options=options).options is options


@pytest.mark.parametrize(("posts", "target"), [(12, 8), (6, 4), (3, 2), (2, 1), (1, 1)])
def test_shorter_asks_for_about_two_thirds_of_the_posts(posts, target):
    assert chat.shorter_options(ThreadOptions(), posts).max_posts == target


def test_usage_text_says_what_is_left_and_when_it_resets():
    usage = Usage("free", 5, 2, 3, datetime(2026, 1, 2, tzinfo=UTC))
    text = chat_texts.usage_text(usage)
    assert text.startswith("Free plan: 2 of 5 threads used today, 3 left.")
    assert "Resets at 00:00 UTC." in text and "/premium" in text


def test_usage_text_for_premium_shows_until_when():
    until = datetime(2026, 2, 1, 12, 30, tzinfo=UTC)
    usage = Usage("premium", 200, 1, 199, datetime(2026, 1, 2, tzinfo=UTC), until)
    assert "Premium until 2026-02-01 12:30 UTC." in chat_texts.usage_text(usage)


def test_quota_message_has_the_reset_time_and_the_upgrade_link():
    error = QuotaExceeded("You have used today's 5 free threads.", retry_after=3 * 3600,
                          upgrade_url="https://t.example/#upgrade", limit=5,
                          resets_at="2026-01-02T00:00:00+00:00")
    text = chat_texts.error_text(error)
    assert "today's 5 free threads" in text and "00:00 UTC (in 3 h)" in text
    assert text.count("UTC") == 1  # one reset time, not two
    assert "https://t.example/#upgrade" in text


def test_without_billing_or_an_absolute_link_the_quota_message_offers_no_upgrade():
    for link in (None, "/#upgrade"):
        error = QuotaExceeded("You have used today's 5 free threads.", retry_after=3600,
                              upgrade_url=link, limit=5, resets_at="2026-01-02T00:00:00+00:00")
        assert "upgrade" not in chat_texts.error_text(error).lower()


def test_premium_fair_use_limit_has_no_upgrade_link():
    error = QuotaExceeded("You have reached today's fair-use limit of 200 threads.",
                          retry_after=60, limit=200, resets_at="2026-01-02T00:00:00+00:00")
    text = chat_texts.error_text(error)
    assert "fair-use" in text and "00:00 UTC" in text and "upgrade" not in text.lower()


@pytest.mark.parametrize(("error", "words"), [
    (Paywalled(), "extension"),
    (BlockedUrl(), "cannot fetch that address"),
    (EmptyArticle(), "No article text"),
    (UnsupportedContent(), "not an HTML"),
    (FetchFailed(), "could not be fetched"),
    (PayloadTooLarge("Text is limited to 100 kB."), "100 kB"),
    (InvalidLinkCode(), "/link"),
    (BillingNotConfigured(), "billing is not configured"),
    (RateLimited(retry_after=30), "30 s"),
    (InvalidInput("At most 12 posts per thread on the free plan."), "At most 12 posts"),
    (RuntimeError("secret internals"), "something went wrong"),
])
def test_every_error_has_a_kind_specific_message(error, words):
    text = chat_texts.error_text(error)
    assert words.lower() in text.lower()
    assert "secret internals" not in text and "Traceback" not in text


def test_link_code_text_names_the_code_and_where_to_enter_it():
    text = chat_texts.link_code_text("ABCD2345", "https://threadr.example/")
    assert "ABCD2345" in text and "https://threadr.example/#account)" in text and "/link ABCD2345" in text


def test_help_lists_every_command():
    for name, _ in chat_texts.COMMANDS:
        assert name == "start" or f"/{name}" in chat_texts.HELP_TEXT
