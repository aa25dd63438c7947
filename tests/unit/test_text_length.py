"""weighted_length and find_urls against twitter-text's own conformance data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.text import MAX_POST_LENGTH, find_urls, normalize, weighted_length
from tests.shared import SHARED, shared_path

TT = SHARED / "conformance" / "twitter-text"

# A handful of the official v3 cases, embedded so the suite has teeth without ../shared.
EMBEDDED = [
    ("Hi http://test.co", 26),
    ("http://test.co", 23),
    ("H\U0001f431\u263a\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", 7),
    ("\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9", 10),
    ("\U0001f64b\U0001f3fd\U0001f468\u200d\U0001f3a4", 4),
    ("1\u20e3", 2),
    ("randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),
    ("ABC\u202a\uffffABC\ufffe", 12),
    ("\u2066\u202ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202c\u2069", 31),
    ("\u6545\u4eba\u897f\u8f9e\u9ec4\u9e64\u697c\uff0c", 16),
    ("A\u0301B", 2),
    ("\ufb2c", 3),
    ("Unicode 9.0 emoji: \U0001f920; \U0001f483; \U0001f483\U0001f3fe", 29),
]


def _shared_or_skip(path: Path) -> Path:
    return shared_path(*path.relative_to(SHARED).parts)


@pytest.mark.parametrize(("text", "expected"), EMBEDDED)
def test_embedded_conformance_cases_count_like_twitter_text(text, expected):
    assert weighted_length(text) == expected


def test_all_shared_weighted_length_cases_pass():
    runner_path = _shared_or_skip(TT / "check_weighted_length.py")
    spec = importlib.util.spec_from_file_location("tt_runner", runner_path)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    tests = yaml.safe_load((TT / "conformance" / "validate.yml").read_text("utf-8"))["tests"]
    cases = runner.select_cases(tests, with_v2_extras=True)
    assert len(cases) == 27
    failures = [(c["description"], weighted_length(c["text"]), c["expected"]["weightedLength"])
                for _, c in cases if weighted_length(c["text"]) != c["expected"]["weightedLength"]]
    assert failures == []


URL_SECTIONS = ("urls", "urls_with_indices", "urls_with_directional_markers",
                "tco_urls_with_params")


def _extract_cases():
    path = TT / "conformance" / "extract.yml"
    if not path.exists():
        return [pytest.param(None, None, id="shared-data-missing")]  # skips, fails under CI
    tests = yaml.safe_load(path.read_text("utf-8"))["tests"]
    return [pytest.param(section, case, id=f"{section}-{i}")
            for section in URL_SECTIONS for i, case in enumerate(tests[section])]


@pytest.mark.parametrize(("section", "case"), _extract_cases())
def test_url_detector_extracts_like_twitter_text(section, case):
    if case is None:
        shared_path("conformance", "twitter-text", "conformance", "extract.yml")
    text, expected = case["text"], case["expected"]
    spans = find_urls(text)
    if expected and isinstance(expected[0], dict):
        assert spans == [tuple(e["indices"]) for e in expected]
    else:
        assert [text[s:e] for s, e in spans] == expected


def test_every_tld_of_tld_lib_is_detected():
    tests = yaml.safe_load(
        _shared_or_skip(TT / "conformance" / "tlds.yml").read_text("utf-8"))["tests"]
    cases = tests["country"] + tests["generic"]
    missed = [c["text"] for c in cases
              if [c["text"][s:e] for s, e in find_urls(c["text"])] != c["expected"]]
    assert len(cases) == 1574 and missed == []


def test_each_url_counts_23_with_or_without_scheme():
    assert weighted_length("see example.com now") == 4 + 23 + 4
    assert weighted_length("see https://example.com/a/very/long/path?x=1 now") == 31
    assert weighted_length("a.b.c 3.14 end.") == 15


def test_crlf_counts_as_one_line_break_and_text_is_nfc():
    assert weighted_length("a\r\nb") == 3
    assert normalize("e\u0301\r\n") == "\u00e9\n"


def test_pure_ascii_without_dot_is_its_length():
    assert weighted_length("x" * 500) == 500
    assert weighted_length("") == 0


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["a", "x.com", "3.5", ".", ". ", "co", " ", "\r\n", "\r", "\n", "/",
                                 "http://", "e.g.", ".A", "._", "é"]), max_size=10).map("".join))
def test_the_ascii_shortcut_counts_what_the_full_count_does(text):
    from core.text import length

    assert weighted_length(text) == length._counted(normalize(text))


def test_cjk_counts_two_and_light_punctuation_one():
    assert weighted_length("日本語") == 6
    assert weighted_length("\u2014\u2019") == 2  # em dash, right quote: weight-100 ranges
    assert weighted_length("\u2026") == 2  # the ellipsis is outside them
    assert MAX_POST_LENGTH == 280


MIXED = [
    "plain words only", "Read https://example.com/a?b=c then t.co/xyz", "日本語のテキストです。",
    "emoji 😀 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️ #️⃣", "café naïve", "3.14 and 1,000 e.g. v1.2.3",
    "@someone #hashtag $CASH", "line\r\nbreak", "ทดสอบภาษาไทย", "“quotes” … — →",
    "http://www.twitter.com/path_(parens) example.co.uk/x", "한국어 문장입니다 naver.com",
    "mail me: a@b.com", "x" * 300 + ".com", "\u2066\u202ahttp://foobar.com/\u202c",
]


def test_agrees_with_twitter_text_parser_on_a_mixed_corpus():
    from twitter_text import parse_tweet

    texts = MIXED + [" ".join(MIXED[i::3]) for i in range(3)]
    assert [weighted_length(t) for t in texts] == [parse_tweet(t).weightedLength for t in texts]


def test_a_long_run_without_spaces_and_a_dot_but_no_tld_is_plain_text():
    # CJK text has no spaces: such a run once cost the URL regex quadratic time
    text = "中" * 10_000 + "Node.js" + "文" * 10_000
    assert find_urls(text) == []
    assert weighted_length(text) == 40_007
