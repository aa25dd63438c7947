"""Link policy, packing for generators, and finalising LLM drafts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.models import LinkPolicy, Numbering, NumberingPosition, ThreadOptions
from core.text import (
    MAX_POST_LENGTH,
    finalize_posts,
    pack_units,
    split_into_posts,
    weighted_length,
)

LINK = "https://example.com/articles/2024/a-long-article-slug-that-is-much-longer-than-23"
TEXT = " ".join(f"Sentence number {i} says something useful." for i in range(40))


def fit(posts):
    return all(0 < weighted_length(p) <= MAX_POST_LENGTH for p in posts)


def test_link_first_ends_the_first_post_on_its_own_line():
    posts = split_into_posts(TEXT, ThreadOptions(link=LinkPolicy.FIRST), LINK)
    assert posts[0].endswith("\n" + LINK) and fit(posts)
    assert sum(LINK in p for p in posts) == 1


def test_link_last_ends_the_last_post_on_its_own_line():
    posts = split_into_posts(TEXT, ThreadOptions(link=LinkPolicy.LAST), LINK)
    assert posts[-1].endswith("\n" + LINK) and fit(posts)
    assert sum(LINK in p for p in posts) == 1


def test_link_none_leaves_the_link_out():
    posts = split_into_posts(TEXT, ThreadOptions(link=LinkPolicy.NONE), LINK)
    assert not any(LINK in p for p in posts)


def test_a_link_that_does_not_fit_gets_its_own_post():
    full = "x " * 133 + "end"  # 269 + " 1/2": no room left for a 24-wide link line
    last = finalize_posts([full], ThreadOptions(link=LinkPolicy.LAST), LINK)
    assert last == [full + " 1/2", LINK + " 2/2"]
    first = finalize_posts([full, "second"], ThreadOptions(link=LinkPolicy.FIRST), LINK)
    assert first == [full + " 1/3", LINK + " 2/3", "second 3/3"]


def test_numbering_suffix_comes_before_the_link_line():
    posts = split_into_posts("Short text.", ThreadOptions(link=LinkPolicy.LAST,
                                                           numbering=Numbering.SLASH), LINK)
    assert posts == ["Short text.\n" + LINK]
    two = split_into_posts(TEXT[:400], ThreadOptions(link=LinkPolicy.LAST), LINK)
    assert two[-1].endswith(" 2/2\n" + LINK)


def test_pack_units_starts_each_group_in_a_new_post():
    groups = [["Hook: why this matters."], ["Point one.", "Point two."], ["Takeaway."]]
    posts = pack_units(groups, ThreadOptions(link=LinkPolicy.NONE))
    assert posts == ["Hook: why this matters. 1/3", "Point one. Point two. 2/3", "Takeaway. 3/3"]


def test_pack_units_packs_sentences_greedily_and_splits_a_long_one():
    body = [f"Key point {i} of the article explained briefly." for i in range(20)]
    body.append("word " * 120)
    posts = pack_units([["Hook."], body], ThreadOptions(link=LinkPolicy.LAST), LINK)
    assert fit(posts) and posts[0].startswith("Hook.")
    assert len(posts) <= 2 + (sum(map(len, body)) // 250) + 2
    assert " ".join(posts).count("Key point") == 20


def test_pack_units_merges_groups_to_approach_max_posts_without_dropping():
    groups = [[f"Short point {i}."] for i in range(8)]
    posts = pack_units(groups, ThreadOptions(numbering=Numbering.NONE), max_posts=3)
    assert len(posts) == 1
    assert all(f"Short point {i}." in posts[0] for i in range(8))


def test_finalize_strips_model_numbering_and_drops_empty_and_duplicate_drafts():
    drafts = ["1/4 First idea.", "(2/4) Second idea.", "  ", "Second idea.", "🧵", "4. Last."]
    posts = finalize_posts(drafts, ThreadOptions(link=LinkPolicy.NONE))
    assert posts == ["First idea. 1/3", "Second idea. 2/3", "Last. 3/3"]


def test_finalize_resplits_over_long_drafts_without_truncating():
    long = " ".join(f"Clause {i}, then more." for i in range(40))
    posts = finalize_posts(["Intro.", long],
                           ThreadOptions(numbering=Numbering.PAREN,
                                         numbering_position=NumberingPosition.PREFIX))
    assert fit(posts) and posts[0] == "(1/" + posts[0][3:]
    rest = " ".join(p.split(" ", 1)[1] for p in posts[1:])
    assert rest.split() == long.split()


options_st = st.builds(
    ThreadOptions,
    numbering=st.sampled_from(list(Numbering)),
    numbering_position=st.sampled_from(list(NumberingPosition)),
    link=st.sampled_from(list(LinkPolicy)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(max_size=200), max_size=6), max_size=5), options_st,
       st.one_of(st.none(), st.just(LINK), st.just("example.org")))
def test_every_packed_or_finalised_post_fits_for_any_options(groups, options, link):
    assert fit(pack_units(groups, options, link))
    assert fit(finalize_posts([" ".join(g) for g in groups], options, link))


def test_a_link_post_that_shifts_later_posts_to_wider_labels_keeps_every_post_fitting():
    drafts = [("w" * 9 + " ") * 27 + f"d{i:03d}" for i in range(10)]  # 274 each
    assert {weighted_length(d) for d in drafts} == {274}
    posts = finalize_posts(drafts, ThreadOptions(link=LinkPolicy.FIRST), LINK)
    assert fit(posts)
    assert len(posts) >= 11 and any(p.startswith(LINK) for p in posts[1:3])
