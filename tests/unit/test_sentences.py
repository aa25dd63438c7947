import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from core.generate.sentences import split_paragraphs, split_sentences


def test_plain_sentences_split_at_their_full_stops():
    assert split_sentences("The sun rose. Birds sang! Did you hear?") == [
        "The sun rose.",
        "Birds sang!",
        "Did you hear?",
    ]


def test_titles_and_latin_abbreviations_do_not_end_a_sentence():
    text = "Dr. Smith met Mr. Jones, e.g. at lunch. They talked i.e. argued. Prof. Li agreed."
    assert split_sentences(text) == [
        "Dr. Smith met Mr. Jones, e.g. at lunch.",
        "They talked i.e. argued.",
        "Prof. Li agreed.",
    ]


def test_decimals_and_prices_do_not_split():
    assert split_sentences("Growth was 2.5% and a coffee cost $3.50 today. Then it fell.") == [
        "Growth was 2.5% and a coffee cost $3.50 today.",
        "Then it fell.",
    ]


def test_initials_do_not_end_a_sentence():
    assert split_sentences("J. K. Rowling wrote it. She is British.") == [
        "J. K. Rowling wrote it.",
        "She is British.",
    ]


def test_dotted_acronym_ends_a_sentence_only_before_a_typical_opener():
    text = "The U.S. economy grew. He lives in the U.S. It is big."
    assert split_sentences(text) == ["The U.S. economy grew.", "He lives in the U.S.", "It is big."]


def test_number_abbreviations_hold_before_a_number():
    assert split_sentences("See No. 5 on Jan. 3 for details. Done.") == [
        "See No. 5 on Jan. 3 for details.",
        "Done.",
    ]


def test_company_suffix_ends_a_sentence_before_an_opener_only():
    text = "Shares of Apple Inc. rose. They sold Apple Inc. The deal closed."
    assert split_sentences(text) == [
        "Shares of Apple Inc. rose.",
        "They sold Apple Inc.",
        "The deal closed.",
    ]


def test_quoted_speech_with_inner_full_stop_stays_whole():
    text = '"It is over. We lost," she said. He left. She said "Stop." Then she went.'
    assert split_sentences(text) == [
        '"It is over. We lost," she said.',
        "He left.",
        'She said "Stop."',
        "Then she went.",
    ]


def test_curly_quotes_with_inner_full_stop_stay_whole():
    assert split_sentences("“We won. Finally,” he said. Fans cheered.") == [
        "“We won. Finally,” he said.",
        "Fans cheered.",
    ]


def test_ellipsis_splits_before_a_capital_but_not_before_lowercase():
    assert split_sentences("Wait… and see. It ended... Then a new one began.") == [
        "Wait… and see.",
        "It ended...",
        "Then a new one began.",
    ]


def test_chinese_terminators_split_without_spaces():
    assert split_sentences("我们很高兴。你呢？好的！") == ["我们很高兴。", "你呢？", "好的！"]


def test_japanese_quote_followed_by_a_particle_stays_one_sentence():
    assert split_sentences("今日は晴れです。「はい。」と彼は言った。次へ。") == [
        "今日は晴れです。",
        "「はい。」と彼は言った。",
        "次へ。",
    ]


def test_hindi_and_arabic_terminators_split():
    assert split_sentences("यह अच्छा है। वह भी।") == ["यह अच्छा है।", "वह भी।"]
    assert split_sentences("هل أنت بخير؟ نعم.") == ["هل أنت بخير؟", "نعم."]


def test_paragraphs_never_merge_even_without_a_full_stop():
    assert split_sentences("A heading\nFirst line. Second line.\n\nLast") == [
        "A heading",
        "First line.",
        "Second line.",
        "Last",
    ]


def test_paragraphs_are_trimmed_and_blank_lines_dropped():
    assert split_paragraphs("  one \n\n\n two\t\tthree \r\n") == ["one", "two three"]


_ALPHABET = st.sampled_from(
    list("abc XYZ.!?…\"“”'()。！？\n0123456789") + ["Dr. ", "U.S. ", "e.g. "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_splitting_loses_and_reorders_nothing(text):
    squash = lambda s: regex.sub(r"\s+", "", s)  # noqa: E731
    assert squash("".join(split_sentences(text))) == squash(text)
    assert all(s and s == s.strip() for s in split_sentences(text))
