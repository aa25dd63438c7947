import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import EmptyArticle
from core.generate.offline import OfflineGenerator, summarize
from core.models import (
    DEFAULT_MAX_POSTS,
    Article,
    LinkPolicy,
    Mode,
    Numbering,
    NumberingPosition,
    ThreadOptions,
    Tone,
)
from core.text import split_into_posts, weighted_length

REPO = Path(__file__).resolve().parents[2]
TITLE = "Grid batteries make solar power cheaper at night"
_TOPIC = "battery grid solar storage power night cheaper utility capacity price".split()
_WORDS = (
    "the city council report shows new plans for homes and firms across region while "
    "engineers expect demand growth over coming decade many experts said costs fell again"
).split()
_MARKER = re.compile(r"\bs(\d{3})\b")


def _sentence(rng: random.Random, n: int) -> str:
    words = rng.sample(_WORDS, rng.randint(8, 16)) + rng.sample(_TOPIC, rng.randint(1, 3))
    rng.shuffle(words)
    return f"In s{n:03d} " + " ".join(words) + "."


def make_article(paragraphs: int = 10, per_paragraph: int = 4, seed: int = 7, **fields) -> Article:
    """A deterministic article; sentence n carries the marker `sNNN` to track order."""
    rng, n, lines = random.Random(seed), 0, []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(per_paragraph):
            sentences.append(_sentence(rng, n))
            n += 1
        lines.append(" ".join(sentences))
    fields = {"title": TITLE, "url": "https://example.com/story?utm=x", **fields}
    return Article(text="\n\n".join(lines), **fields)


def markers(posts: list[str]) -> list[int]:
    return [int(m) for post in posts for m in _MARKER.findall(post)]


def test_the_same_article_gives_the_same_thread():
    article = make_article()
    assert summarize(article, ThreadOptions()) == summarize(article, ThreadOptions())


def test_the_thread_does_not_depend_on_the_hash_seed(tmp_path):
    article = make_article(paragraphs=20)
    (tmp_path / "a.json").write_text(json.dumps({"text": article.text, "title": article.title}))
    script = (
        "import json, sys; from core.generate.offline import summarize; "
        "from core.models import Article, ThreadOptions; "
        f"a = Article(**json.load(open({str(tmp_path / 'a.json')!r}))); "
        "print(json.dumps(summarize(a, ThreadOptions(hashtags=3))))"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_the_hook_mentions_the_title_and_the_lead():
    posts = summarize(make_article(), ThreadOptions())
    assert TITLE in posts[0]
    assert markers(posts[:1]) and markers(posts[:1])[0] <= 2


def test_chosen_sentences_keep_article_order():
    found = markers(summarize(make_article(paragraphs=30), ThreadOptions()))
    assert len(found) >= 5
    assert found == sorted(found) and len(set(found)) == len(found)


def test_a_long_article_gives_three_to_twelve_posts():
    posts = summarize(make_article(paragraphs=60, per_paragraph=6), ThreadOptions())
    assert 3 <= len(posts) <= DEFAULT_MAX_POSTS


def test_max_posts_overrides_the_upper_bound_both_ways():
    article = make_article(paragraphs=60, per_paragraph=6)
    assert len(summarize(article, ThreadOptions(max_posts=4))) <= 4
    assert DEFAULT_MAX_POSTS < len(summarize(article, ThreadOptions(max_posts=20))) <= 20


def test_a_short_article_may_give_fewer_than_three_posts():
    article = Article(text="Solar batteries are cheap now. Cities buy them.", title=TITLE)
    posts = summarize(article, ThreadOptions())
    assert 1 <= len(posts) <= 2
    assert "Solar batteries are cheap now." in posts[0]


def test_a_tiny_max_posts_still_gives_one_valid_post():
    article = make_article(title="Grid " * 80)  # a hook that cannot fit one post
    posts = summarize(article, ThreadOptions(max_posts=1))
    assert len(posts) == 1 and weighted_length(posts[0]) <= 280


@pytest.mark.parametrize("policy", list(LinkPolicy))
def test_the_link_goes_where_the_policy_says(policy):
    article = make_article(canonical_url="https://example.com/story")
    posts = summarize(article, ThreadOptions(link=policy))
    where = [i for i, p in enumerate(posts) if "https://example.com/story" in p]
    expected = {LinkPolicy.FIRST: [0], LinkPolicy.LAST: [len(posts) - 1], LinkPolicy.NONE: []}
    assert where == expected[policy]
    assert not any("utm=x" in p for p in posts)  # the canonical URL wins


def test_boilerplate_sentences_are_never_chosen():
    junk = [
        "Subscribe to our solar battery newsletter for grid storage power news.",
        "Click here to read more about grid batteries and cheaper solar power.",
        "Sign up today for solar storage power deals on grid batteries.",
        "Photo: Getty Images",
        "By Jane Doe, grid battery and solar power correspondent",
    ]
    base = make_article(paragraphs=8)
    paragraphs = base.text.split("\n\n")
    text = "\n\n".join(p + "\n" + j for p, j in zip(paragraphs, junk * 2, strict=False))
    posts = summarize(Article(text=text, title=TITLE), ThreadOptions(link=LinkPolicy.NONE))
    joined = "\n".join(posts)
    assert not re.search(r"Subscribe|Click here|Sign up|Getty|Jane Doe", joined)


def test_questions_to_the_reader_are_not_preferred():
    article = make_article(paragraphs=3, per_paragraph=2)
    question = "Have you ever wondered why grid batteries make solar power cheaper at night?"
    text = article.text.replace("\n\n", f"\n\n{question}\n\n", 1)
    posts = summarize(Article(text=text, title=TITLE), ThreadOptions())
    assert question not in "\n".join(posts)


def test_a_chinese_article_gives_a_thread_in_chinese():
    text = (
        "人工智能正在迅速改变医疗行业。医生们使用机器学习模型来分析医学影像，提高诊断的准确性。\n"
        "许多医院已经开始试用这些系统。研究表明，人工智能在某些任务上的表现已经接近专家水平！\n"
        "专家也提醒，数据隐私问题仍然需要解决。监管机构正在制定新的规则。\n"
        "总之，人工智能将在未来十年深刻影响医疗行业的发展。"
    ) * 3
    posts = summarize(
        Article(text=text, title="人工智能改变医疗行业", language="zh"), ThreadOptions()
    )
    assert "人工智能改变医疗行业" in posts[0]
    assert "许多医院" in "".join(posts)  # more than the hook: key sentences follow it
    assert all(weighted_length(p) <= 280 for p in posts)
    assert not any("Takeaway" in p or "Full story" in p for p in posts)


def test_text_without_a_usable_sentence_is_an_empty_article():
    for text in ("", "   \n\n ", "Subscribe to our newsletter.\nClick here to sign up."):
        with pytest.raises(EmptyArticle):
            summarize(Article(text=text, title=TITLE), ThreadOptions())


def test_emoji_marks_the_hook_and_it_stands_alone():
    posts = summarize(make_article(), ThreadOptions(emoji=True))
    assert "👇" in posts[0] and "🧵" in posts[0]
    assert posts[0].split("👇")[1].strip().startswith("1/")  # nothing after the marker


@pytest.mark.parametrize("tone", list(Tone))
def test_no_label_is_glued_to_a_sentence(tone):
    posts = summarize(make_article(language="en"), ThreadOptions(tone=tone))
    labels = ("Takeaway", "TL;DR", "Bottom line", "What to remember")
    assert not any(label in p for p in posts for label in labels)


def test_hashtags_come_from_keywords_and_end_the_last_post():
    posts = summarize(make_article(), ThreadOptions(hashtags=3, link=LinkPolicy.NONE))
    tags = re.findall(r"#\w+", posts[-1])
    assert 1 <= len(tags) <= 3
    assert not any("#" in p for p in posts[:-1])
    assert all(t[1:].lower() in (TITLE + " ".join(_TOPIC + _WORDS)).lower() for t in tags)


def test_punchy_tone_gives_shorter_posts():
    article = make_article(paragraphs=30)
    neutral = summarize(article, ThreadOptions(numbering=Numbering.NONE, link=LinkPolicy.NONE))
    punchy = summarize(
        article, ThreadOptions(tone=Tone.PUNCHY, numbering=Numbering.NONE, link=LinkPolicy.NONE)
    )
    average = lambda posts: sum(map(weighted_length, posts[1:-1])) / len(posts[1:-1])  # noqa: E731
    assert average(punchy) < average(neutral)


async def test_generate_returns_an_offline_thread_and_streams_each_post():
    article = make_article(author="Ann", site_name="Example")
    streamed: list[tuple[int, str]] = []

    async def on_post(i: int, text: str) -> None:
        streamed.append((i, text))

    thread = await OfflineGenerator().generate(article, ThreadOptions(), on_post)
    assert thread.generator == "offline" and OfflineGenerator().cache_key_part == "offline:v6"
    assert thread.source.title == TITLE and thread.source.author == "Ann"
    assert [p.text for p in thread.posts] == [t for _, t in streamed]
    assert [i for i, _ in streamed] == list(range(len(thread.posts)))
    assert all(p.weighted_length == weighted_length(p.text) <= 280 for p in thread.posts)


async def test_split_mode_keeps_the_text_and_cuts_it_into_posts():
    article = make_article(paragraphs=6)
    options = ThreadOptions(mode=Mode.SPLIT)
    thread = await OfflineGenerator().generate(article, options)
    assert [p.text for p in thread.posts] == split_into_posts(article.text, options, article.url)


_PIECES = st.sampled_from(
    [
        "solar",
        "grid",
        "battery",
        "the",
        "a",
        "power",
        "Dr.",
        "U.S.",
        "3.14",
        "résumé",
        "naïve",
        "世界",
        "人工智能",
        "👩‍👩‍👧",
        "🇺🇸",
        "@someone",
        "#energy",
        "https://example.com/a/b?c=d",
        "example.org",
        "x" * 40,
        "Подстанция",
        "(aside)",
        "However,",
        "“quoted”",
        "…",
    ]
)
_SENTENCE = st.lists(_PIECES, min_size=1, max_size=40).map(" ".join).map(lambda s: s + st_end(s))


def st_end(s: str) -> str:
    return "。" if s.endswith("能") else "."


_OPTIONS = st.builds(
    ThreadOptions,
    numbering=st.sampled_from(list(Numbering)),
    numbering_position=st.sampled_from(list(NumberingPosition)),
    link=st.sampled_from(list(LinkPolicy)),
    max_posts=st.none() | st.integers(1, 25),
    tone=st.sampled_from(list(Tone)),
    hashtags=st.integers(0, 3),
    emoji=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(
        st.lists(_SENTENCE, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=12
    ),
    title=st.none() | st.lists(_PIECES, min_size=1, max_size=30).map(" ".join),
    options=_OPTIONS,
)
def test_every_post_fits_and_the_count_stays_in_bounds(paragraphs, title, options):
    article = Article(text="\n".join(paragraphs), title=title, url="https://example.com/p")
    posts = summarize(article, options)
    assert 1 <= len(posts) <= (options.max_posts or DEFAULT_MAX_POSTS)
    assert all(0 < weighted_length(p) <= 280 for p in posts)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    paragraphs=st.integers(1, 40),
    per_paragraph=st.integers(1, 6),
    options=_OPTIONS,
)
def test_no_sentence_is_ever_reordered_or_repeated(seed, paragraphs, per_paragraph, options):
    article = make_article(paragraphs, per_paragraph, seed)
    found = markers(summarize(article, options))
    assert found and found == sorted(set(found))


def test_a_real_page_gives_a_readable_thread():
    import gzip

    from core.articles import extract_article
    from tests.shared import shared_path

    page = shared_path("bench", "extraction", "html",
                       "098bb3e96c0acdf36efdcde45fb9cca3f8c82c7cb2071b76097a1b96155f1eb2.html.gz")
    article = extract_article(
        gzip.decompress(page.read_bytes()).decode("utf-8"), "https://www.latimes.com/x"
    )
    posts = summarize(article, ThreadOptions())
    assert 3 <= len(posts) <= DEFAULT_MAX_POSTS
    assert "Disney" in posts[0]
    assert all(weighted_length(p) <= 280 for p in posts)
    # whole sentences; the link may close the thread on a post of its own (link policy: last)
    sentences = [p for p in posts[1:] if not re.fullmatch(r"https://\S+ \d+/\d+", p)]
    assert len(sentences) >= len(posts) - 2
    assert all(re.search(r"[.!?”\"]\s|[.!?”\"]$", p) for p in sentences)
