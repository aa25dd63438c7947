"""Bluesky and Mastodon length rules: counting, and splitting that fits, loses nothing and
never cuts inside a grapheme, URL or mention."""

from __future__ import annotations

import re

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import LinkPolicy, Numbering, NumberingPosition, Platform, ThreadOptions
from core.text import find_urls, normalize, split_into_posts
from core.text.platforms import mastodon_length, rules_for

BLUESKY, MASTODON = rules_for(Platform.BLUESKY), rules_for(Platform.MASTODON)
LINK = "https://example.com/a/source-article-with-a-long-slug-" + "x" * 60
ATOMS = [
    "https://example.com/some/path?q=1", "http://a.example.org/" + "p" * 80, "example.org",
    "@alice", "@bob@mastodon.social", "@carol.bsky.social", "#hashtag", "😀", "👨‍👩‍👧‍👦",
    "🇯🇵", "👍🏽", "e\u0301", "a\u0308\u0301", "क्षि", "각", "日本語のテキストです。", "ทดสอบภาษาไทย",
    "Hello.", "world,", "and", "the", "word", "naïve", "—", "z\u0336" * 3,
]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\r\n", "  "]
MENTIONS = re.compile(r"(?<![=/\w])@[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*(?:@\w+(?:[.-]+\w+)*)?", re.I)

atoms_text = st.lists(
    st.tuples(st.sampled_from(ATOMS), st.sampled_from(SEPARATORS)), min_size=1, max_size=400
).map(lambda pairs: "".join(a + s for a, s in pairs))
any_text = st.lists(
    st.one_of(st.text(max_size=40), st.sampled_from(ATOMS), st.sampled_from(SEPARATORS)),
    max_size=160,
).map("".join)
options_st = st.builds(
    ThreadOptions,
    numbering=st.sampled_from(list(Numbering)),
    numbering_position=st.sampled_from(list(NumberingPosition)),
    link=st.sampled_from(list(LinkPolicy)),
)
PLAIN = ThreadOptions(numbering=Numbering.NONE, link=LinkPolicy.NONE)


def cuts_of(source: str, bodies: list[str]) -> list[tuple[int, int]]:
    """Where each body sits in `source`; only whitespace may lie between them."""
    spans, pos = [], 0
    for body in bodies:
        found = source.find(body, pos)
        assert found >= 0 and source[pos:found].strip() == "", (source[pos:found], body)
        spans.append((found, found + len(body)))
        pos = found + len(body)
    assert source[pos:].strip() == ""
    return spans


def check_split(text: str, rules, options: ThreadOptions = PLAIN) -> list[str]:
    posts = split_into_posts(text, options.with_(platform=rules.platform), rules=rules)
    assert all(p and rules.fits(p) for p in posts), [rules.length(p) for p in posts]
    return posts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(any_text, atoms_text), st.sampled_from([BLUESKY, MASTODON]))
def test_any_text_becomes_posts_that_fit_and_rejoin_to_the_input(text, rules):
    posts = check_split(text, rules)
    cuts_of(normalize(text).strip(), posts)
    assert bool(posts) == bool(normalize(text).strip())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atoms_text, st.sampled_from([BLUESKY, MASTODON]))
def test_graphemes_urls_and_mentions_are_never_cut(text, rules):
    source = normalize(text).strip()
    spans = cuts_of(source, check_split(text, rules))
    cut_points = {end for _, end in spans[:-1]} | {start for start, _ in spans[1:]}
    atoms = find_urls(source) + [m.span() for m in MENTIONS.finditer(source)]
    atoms += [m.span() for m in regex.finditer(r"\X", source)]
    for start, end in atoms:
        assert not any(start < c < end for c in cut_points), source[start:end]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(any_text, atoms_text), options_st, st.sampled_from([BLUESKY, MASTODON]))
def test_numbered_posts_with_a_link_fit(text, options, rules):
    posts = split_into_posts(text, options.with_(platform=rules.platform), LINK)
    assert all(rules.fits(p) for p in posts)
    if posts and options.link != LinkPolicy.NONE:
        assert sum(LINK in p for p in posts) == 1


def test_bluesky_counts_grapheme_clusters_and_urls_in_full():
    assert BLUESKY.length("👨‍👩‍👧‍👦 e\u0301 🇯🇵") == 5
    assert BLUESKY.length("see " + LINK) == 4 + len(LINK)
    assert BLUESKY.limit == 300 and BLUESKY.fits("a" * 300) and not BLUESKY.fits("a" * 301)


def test_bluesky_posts_also_stay_within_3000_bytes():
    family = "👨‍👩‍👧‍👦"  # one grapheme, 25 bytes
    posts = check_split(" ".join([family] * 299), BLUESKY)
    assert len(posts) > 1 and all(len(p.encode()) <= 3000 for p in posts)


def test_mastodon_counts_urls_23_and_remote_mentions_as_local():
    assert mastodon_length("read " + LINK) == 5 + 23
    assert mastodon_length("example.org") == len("example.org")  # no scheme: counted in full
    assert mastodon_length("hi @bob@mastodon.social") == len("hi @bob")
    assert mastodon_length("👨‍👩‍👧‍👦!") == 2
    assert mastodon_length("mail me@example.org") == len("mail me@example.org")


def test_mastodon_limit_follows_the_instance():
    big = rules_for(Platform.MASTODON, 1000)
    text = "word " * 300
    assert len(check_split(text, big)) < len(check_split(text, MASTODON))
    assert all(big.length(p) <= 1000 for p in check_split(text, big))


def test_the_same_text_needs_fewer_posts_where_posts_are_longer():
    text = "A sentence that says something. " * 60
    counts = [len(split_into_posts(text, PLAIN.with_(platform=p))) for p in Platform]
    assert counts[0] > counts[1] > counts[2]  # x 280 > bluesky 300 > mastodon 500
