"""The offline generator's shortcuts (issue 18: a cache miss's CPU) give exactly what the
regular expressions they skip or replace give: hypothesis over texts built from the pieces
that matter (white space of every kind, stops, closers, quote marks, brackets, markers)."""

from __future__ import annotations

import re
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from core.generate import clean, compress, sentences

PIECES = ["a", "B", "word", "The", "3", "12", ".", "!", "?", "…", ",", ";", ":", "。", "\"", "'", "”", "’",
          "“", "‘", "»", ")", "]", "(", "[", "（", "）", " ", "  ", "\t", "\n", "\n\n", "\r\n",
          "\u00a0", "\u2003", "\u3000", "\x0c", "\u2028", "\x85", "(CNN)", "(pictured)",
          "[3]", "Visit site", "Buy now", "1. ", "2. ", "日本", "é"]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
_NEWLINES = re.compile(r"\s*\n\s*")  # the former split_paragraphs
# the former clean._GLUE: the character before the white space checked by a look-behind
_GLUE_LOOKBEHIND = re.compile(
    rf"(?<=[a-z0-9%’'”)])\s+(?=(?:{clean._OPENERS})\s+[a-z0-9]|(?:On|In|At|After|During)\s+[A-Z]\w*(?:\s[A-Z]\w*)?,"
    rf"|{clean._OPENING_ADVERB},?\s+[a-z])"
)
_WORDS = ["the", "The", "It", "Officially", "On", "In", "After", "Bruges", "Wednesday,", "plan", "A", "a", "x",
          "9", "50%", "’", "'", "”", ")", ".", ",", "é", "É", "日本", "Police", ""]
glued = st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", "", "  ", "\t", "\u00a0"])),
                 max_size=24).map(lambda parts: "".join(w + space for w, space in parts))


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_split_paragraphs_is_the_regex_split(text):
    expected = [sentences._SPACES.sub(" ", p).strip() for p in _NEWLINES.split(text) if p.strip()]
    assert sentences.split_paragraphs(text) == expected


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_is_terminated_is_the_regex_search(text):
    assert clean.is_terminated(text) == (clean._TERMINATED.search(text.rstrip()) is not None)


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_quote_balance_and_parentheticals_skip_only_texts_without_marks(text):
    balance = len(clean._OPENS.findall(text)) - len(clean._CLOSES.findall(text))
    assert clean.quote_balance(text) == balance
    outside = len(compress._DIGIT.findall(compress._PAREN.sub("", text)))
    kept = [m.group(0) for m in compress._PAREN.finditer(text)
            if (m.start() == 0 and not m.group(0)[:1].isspace())
            or (compress._DIGIT.search(m.group("p") or "") and outside == 0)]
    if not kept:
        assert compress._drop_parentheticals(text) == compress._PAREN.sub("", text)


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_pieces_and_clean_paragraph_match_the_unconditional_scans(text):
    paragraph = " ".join(text.split())
    parts = clean._SHOP.split(paragraph)
    kept = [" ".join(sentences.sentences_in(p)[:-1]) for p in parts[:-1]] + [parts[-1]]
    marks = lambda t: [m for m in clean._LIST_NUMBER.finditer(t)  # noqa: E731
                       if not clean._NOT_A_LIST.search(t[: m.start()])]
    if not any(marks(part) for part in kept):
        assert clean.pieces(paragraph) == [p.strip() for p in kept if p.strip()]
    full = clean._FURNITURE.sub("", clean._AGENCY_ANYWHERE.sub(" ", paragraph))
    full = clean._NO_SPACE_AFTER_STOP.sub(r"\1 ", full).strip()
    assert clean.clean_paragraph(paragraph) == full


@settings(max_examples=2000, deadline=None)
@given(texts)
def test_the_quote_precheck_skips_only_texts_without_quote_marks(text):
    from core.generate import rank

    if rank._QUOTE.search(text):
        assert any(q in text for q in rank._QUOTE_MARKS)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["a", "B", " ", "  ", ",", ".", ";", ":", "!", "?", "-", "…", "\t",
                                 "\x1f", "\u00a0", "\u3000"]), max_size=12).map("".join))
def test_tidy_skips_only_texts_the_patterns_leave_alone(text):
    expected = compress._SPACES.sub(" ", compress._SPACE_BEFORE_PUNCT.sub("", text))
    assert compress._tidy(text) == expected


@settings(max_examples=3000, deadline=None)
@given(glued)
def test_unglue_cuts_where_the_look_behind_pattern_did(text):
    with patch.object(clean, "_GLUE", _GLUE_LOOKBEHIND):
        expected = clean.unglue(text)
    assert clean.unglue(text) == expected


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["Label", "word", "The", "said", " ", ": ", ":", ".", "!", "”", "\n",
                                 "\r\n", "é"]), max_size=10).map("".join))
def test_is_heading_and_is_caption_match_the_unconditional_scans(text):
    from core.generate import rank

    heading = not rank._TERMINAL.search(text) and len(rank.tokenize(text)) < 12
    assert rank.is_heading(text) == heading
    label = clean._LABEL.match(text)
    caption = (label is not None and not clean._SAYING.search(label.group(0))) or not (
        clean.is_terminated(text))
    assert clean.is_caption(text, alone=False) == caption


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["a", "Word", "the", "THE", "x9", "9", "_", "'", "-", "’", " ", ".", "é",
                                 "\u212a", "日本", "\u0301"]), max_size=12).map("".join))
def test_tokenize_of_ascii_text_is_the_general_tokenizer(text):
    from core.generate import rank

    assert rank.tokenize(text) == rank._tokens(text.lower())
