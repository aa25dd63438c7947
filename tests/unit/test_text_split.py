"""split_into_posts: every post fits, nothing is lost or reordered, atoms stay whole."""

from __future__ import annotations

import re

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import LinkPolicy, Numbering, NumberingPosition, ThreadOptions
from core.text import MAX_POST_LENGTH, find_urls, normalize, split_into_posts, weighted_length
from core.text.numbering import label

PLAIN = ThreadOptions(numbering=Numbering.NONE, link=LinkPolicy.NONE)
LINK = "https://example.com/a/source-article-with-a-long-slug"
ATOMS = [
    "https://example.com/some/path?q=1", "example.org", "t.co/abc123", "@alice", "#hashtag",
    "$TSLA", "3.14", "1,000,000", "12:30", "😀", "👨‍👩‍👧‍👦", "🇯🇵", "👍🏽", "#️⃣", "e\u0301", "a\u0308\u0301",
    "日本語のテキストです。", "中文，标点。", "ทดสอบภาษาไทย", "Hello.", "world,", "and", "the", "word",
    "quick", "brown!", "fox?", "naïve", "—", "«guillemets»",
]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\r\n", "  ", "\t"]
PROTECTED = re.compile(r"(?<![\w@＠])[@＠]\w+|[#＃$][\w\u200c\u200d]+|\d+(?:[.,:/'’]\d+)+")

atoms_text = st.lists(
    st.tuples(st.sampled_from(ATOMS), st.sampled_from(SEPARATORS)), min_size=1, max_size=300
).map(lambda pairs: "".join(a + s for a, s in pairs))
any_text = st.lists(
    st.one_of(st.text(max_size=30), st.sampled_from(ATOMS), st.sampled_from(SEPARATORS)),
    max_size=120,
).map("".join)


def cuts_of(source: str, bodies: list[str]) -> list[tuple[int, int]]:
    """Rebuild where each body sits in `source`: only whitespace may lie between them."""
    spans, pos = [], 0
    for body in bodies:
        found = source.find(body, pos)
        assert found >= 0 and source[pos:found].strip() == "", (source[pos:found], body)
        spans.append((found, found + len(body)))
        pos = found + len(body)
    assert source[pos:].strip() == ""
    return spans


def assert_all_fit(posts: list[str]) -> None:
    assert all(0 < weighted_length(p) <= MAX_POST_LENGTH for p in posts), posts


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_any_unicode_text_becomes_posts_that_fit_and_rejoin_to_the_input(text):
    posts = split_into_posts(text, PLAIN)
    assert_all_fit(posts)
    cuts_of(normalize(text), posts)
    if normalize(text).strip():
        assert posts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(atoms_text)
def test_urls_mentions_hashtags_numbers_emoji_and_graphemes_are_never_split(text):
    source = normalize(text).strip()
    posts = split_into_posts(text, PLAIN)
    assert_all_fit(posts)
    spans = cuts_of(source, posts)
    cut_points = {end for _, end in spans[:-1]} | {start for start, _ in spans[1:]}
    atoms = find_urls(source) + [m.span() for m in PROTECTED.finditer(source)]
    atoms += [m.span() for m in regex.finditer(r"\X", source)]
    atoms += [m.span() for m in re.finditer(r"[A-Za-zïé«»—!?,.]+", source)]  # latin words
    for start, end in atoms:
        assert not any(start < c < end for c in cut_points), source[start:end]


def test_a_long_text_cuts_at_sentences_and_paragraphs_first():
    sentence = "This sentence has exactly eight words in it. "
    text = (sentence * 5).strip() + "\n\n" + (sentence * 5).strip()
    posts = split_into_posts(text, PLAIN)
    assert all(p.endswith(".") for p in posts)
    assert len(posts) == 2


def test_cjk_without_spaces_splits_at_its_own_punctuation():
    text = "故人西辞黄鹤楼，烟花三月下扬州。" * 20
    posts = split_into_posts(text, PLAIN)
    assert_all_fit(posts)
    assert all(p[-1] in "。，" for p in posts[:-1])
    assert "".join(posts) == text


def test_cjk_without_any_punctuation_splits_between_characters():
    text = "日本語" * 100
    posts = split_into_posts(text, PLAIN)
    assert_all_fit(posts)
    assert "".join(posts) == text and len(posts) == 3


def test_only_a_token_longer_than_a_post_is_hard_cut_at_grapheme_boundaries():
    word = "e\u0301" * 400
    posts = split_into_posts(f"short words {word} more words", PLAIN)
    assert_all_fit(posts)
    assert posts[0] == "short words"
    assert all(not p.startswith("\u0301") for p in posts)
    assert "".join(posts[1:]).replace(" ", "") == normalize(word + "morewords")


def test_a_url_longer_than_a_post_in_characters_still_counts_23_and_stays_whole():
    url = "https://example.com/" + "a" * 400
    posts = split_into_posts(f"intro {url} outro", PLAIN)
    assert posts == [f"intro {url} outro"]


def test_empty_or_blank_text_gives_no_posts():
    assert split_into_posts("", PLAIN) == []
    assert split_into_posts(" \n\r\n ", PLAIN) == []


def test_split_mode_ignores_max_posts_and_never_drops_text():
    text = "word " * 1000
    posts = split_into_posts(text, PLAIN.with_(max_posts=3))
    assert len(posts) > 3
    assert " ".join(posts).split() == text.split()


def unwrap(posts: list[str], options: ThreadOptions, link: str | None) -> list[str]:
    """The bodies of finished posts: the link line and the numbering label removed."""
    bodies = []
    for i, post in enumerate(posts, 1):
        if link and post.endswith("\n" + link):
            post = post[: -len(link) - 1]
        tag = label(i, len(posts), options.numbering)
        if tag and post == tag:
            post = ""
        elif tag and options.numbering_position == NumberingPosition.PREFIX:
            assert post.startswith(tag + " "), (tag, post)
            post = post[len(tag) + 1:]
        elif tag:
            assert post.endswith(" " + tag), (tag, post)
            post = post[: -len(tag) - 1]
        bodies.append(post)
    return bodies


options_st = st.builds(
    ThreadOptions,
    numbering=st.sampled_from(list(Numbering)),
    numbering_position=st.sampled_from(list(NumberingPosition)),
    link=st.sampled_from(list(LinkPolicy)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(any_text, atoms_text), options_st, st.sampled_from([None, LINK]))
def test_numbered_posts_with_a_link_fit_and_unwrap_to_the_input(text, options, link):
    posts = split_into_posts(text, options, link)
    assert_all_fit(posts)
    bodies = unwrap(posts, options, link)
    if link and options.link != LinkPolicy.NONE and posts:
        assert sum(p.endswith("\n" + link) for p in posts) + bodies.count(link) == 1
        if link in bodies:  # the link got a post of its own
            bodies.remove(link)
    cuts_of(normalize(text), [b for b in bodies if b])


def test_a_short_first_sentence_is_kept_whole_rather_than_breaking_the_second():
    from core.models import Numbering, ThreadOptions
    from core.text import split_into_posts

    first = ("In all the time we have lived here and all the trips we made to Boulder, one place "
             "we had not yet visited was the Flatirons.")
    second = ("We always have a baby carrier in the car, so for our hike we only had to stop at a "
              "shop for some easy to carry bottled water and healthy snack bars, then drive on "
              "to the trailhead, park the car and start walking up the hill.")
    posts = split_into_posts(f"{first} {second}", ThreadOptions(numbering=Numbering.NONE))
    assert posts == [first, second]


def test_fit_resplits_one_post_so_every_piece_fits_once_numbered_for_the_new_count():
    from core.models import Numbering, ThreadOptions
    from core.text import weighted_length
    from core.text.numbering import number_body
    from core.text.posts import fit_post

    body = " ".join(f"Sentence number {i} says something about shade." for i in range(20))
    for style in (Numbering.SLASH, Numbering.PAREN, Numbering.THREAD, Numbering.NONE):
        options = ThreadOptions(numbering=style)
        pieces = fit_post(body, options, total=9)
        assert len(pieces) >= 3 and " ".join(pieces).split() == body.split()
        total = 9 - 1 + len(pieces)
        for index in range(1, total + 1):  # wherever a piece lands in the new thread
            assert all(weighted_length(number_body(p, index, total, options)) <= 280
                       for p in pieces)
        assert all(p.endswith(".") for p in pieces[:-1])  # cut at sentence boundaries


def test_a_sentence_cut_at_a_word_leaves_no_stub_in_the_last_post():
    sentence = ("Derby County season ticket holders from the 2010-11 campaign might struggle to "
                "believe it but Alberto Bueno prepares to face his former club Real Madrid on "
                "Wednesday as the highest-scoring Spanish-national in La Liga with a big money "
                "move to Porto waiting for him at the end of the season.")
    first, last = split_into_posts(sentence, PLAIN)
    assert weighted_length(last) >= MAX_POST_LENGTH / 3, last  # not "of the season."
    assert f"{first} {last}" == sentence


def test_a_short_last_sentence_keeps_its_own_post():
    long = " ".join(["Every word here counts toward one long opening sentence"] * 4) + \
        " and then some more words to make it long enough."
    assert 250 < weighted_length(long) <= MAX_POST_LENGTH
    first, last = split_into_posts(f"{long} It rained.", PLAIN)
    assert (first, last) == (long, "It rained.")
