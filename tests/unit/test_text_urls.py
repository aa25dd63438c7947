"""The long-token URL scan skips only attempts that would fail: same URLs as a full scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.text.urls import UrlFinder

PIECES = ["中", "文", "。", "，", "a", "b", "x", ".", ".", "_", "-", "http://", "https://",
          "com", "py", "jp", "co.uk", "中国", "/", "@", "1", ":", "#", "$", "?q=1", "(", ")",
          "xn--p1ai", " ", "é", "\u200e"]
FULL = UrlFinder(long_token=10**9)
SKIPPING = UrlFinder(long_token=0)

texts = st.lists(st.sampled_from(PIECES), max_size=160).map("".join)


@settings(max_examples=1000, deadline=None)
@given(texts)
def test_skipping_scan_finds_exactly_what_a_full_scan_finds(text):
    assert SKIPPING.find(text) == FULL.find(text)


def test_a_long_cjk_run_before_an_underscored_domain_is_plain_text():
    # a full scan of this takes minutes (every start position fails slowly); ours is linear
    text = "中" * 20_000 + "my_file.py" + "文" * 20_000
    assert SKIPPING.find(text) == []


def test_every_tld_starts_with_what_the_no_url_precheck_looks_for():
    """`find_urls` skips texts without "." before a letter: every TLD must start with one."""
    from core.text import datafiles
    from core.text.urls import _DOT_LETTER

    tld = datafiles.tlds()
    names = tld["generic"] + tld["country"]
    assert len(names) > 1000
    assert [t for t in names if not _DOT_LETTER.match("." + t)] == []
    assert _DOT_LETTER.match(".xn--p1ai")


@settings(max_examples=1000, deadline=None)
@given(texts)
def test_the_precheck_never_drops_a_url(text):
    from core.text.urls import find_urls, url_finder

    assert find_urls(text) == (url_finder().find(text) if "." in text else [])
