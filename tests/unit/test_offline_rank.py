import pytest

from core.generate.rank import (
    is_boilerplate,
    is_heading,
    rank,
    sentences_of,
    tokenize,
    top_keywords,
)


def test_tokens_are_lowercase_content_words_without_stopwords():
    assert tokenize("The Grid's batteries, and THE solar-power plants!") == [
        "grid's", "batteries", "solar-power", "plants"
    ]  # fmt: skip


def test_unspaced_scripts_become_character_bigrams():
    assert tokenize("人工智能") == ["人工", "工智", "智能"]
    assert tokenize("AI人工") == ["ai", "人工"]


def test_indic_words_keep_their_vowel_signs():
    assert tokenize("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Subscribe to our newsletter for more.",
        "Click here to read the full report.",
        "Just click the link to buy her skirt now, and shop our edit below.",
        "Sign up now and save 50%.",
        "Photo: Getty Images",
        "Image credit: Reuters",
        "By Jane Doe, staff writer",
        "Updated 5:32 p.m. ET, Tue November 19, 2019",
        "Read more: how batteries work",
        "© 2019 Example Media. All rights reserved.",
        "We use cookies to improve your experience.",
    ],
)
def test_calls_to_action_bylines_captions_and_credits_are_boilerplate(sentence):
    assert is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The advertising firm behind the campaign grew fast.",
        "By 2030, batteries will store most solar power.",
        "Engineers logged every outage for a year.",
    ],
)
def test_ordinary_sentences_are_not_boilerplate(sentence):
    assert not is_boilerplate(sentence)


def test_short_unpunctuated_lines_are_headings():
    assert is_heading("What happens next")
    assert not is_heading("What happens next is up to the regulators.")


def test_central_sentences_on_the_title_topic_rank_above_asides():
    text = (
        "Grid batteries store solar power for the night.\n"
        "The weather was mild on Tuesday, a spokesperson noted in passing.\n"
        "Utilities buy grid batteries because solar power is cheap at noon.\n"
        "Grid batteries now make solar power cheaper than gas at night."
    )
    ranked = rank(sentences_of(text), "Grid batteries make solar power cheaper")
    aside = ranked[1].score
    assert all(r.score > aside for i, r in enumerate(ranked) if i != 1)


def test_questions_to_the_reader_rank_low():
    text = "Grid batteries store solar power well.\nDo grid batteries store solar power well?"
    first, question = rank(sentences_of(text), "Grid batteries")
    assert question.score < first.score


def test_keywords_prefer_title_words_and_skip_bigrams():
    text = "Batteries store power. Batteries are cheap. Solar farms need batteries. 人工智能很好。"
    ranked = rank(sentences_of(text), "Solar batteries")
    assert top_keywords(ranked, "Solar batteries", 2) == ["batteries", "solar"]
    assert top_keywords(ranked, "Solar batteries", 0) == []


def test_without_a_title_the_first_sentences_stand_in_for_it():
    text = ("Grid batteries got cheaper this year. Utilities bought many of them. "
            "Regulators approved storage tariffs in March. The weather was mild and dry. "
            "The weather stayed mild and dry on Tuesday. Regulators expect storage tariffs to spread.")
    ranked = rank(sentences_of(text), None)
    aside, on_topic = ranked[4], ranked[5]  # the aside comes first; only one echoes the news
    assert on_topic.score > aside.score
