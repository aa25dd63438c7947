"""Paragraph rules at the edges of the main text (core/articles/extract_tidy.py)."""

from __future__ import annotations

from core.articles.extract_match import OurText
from core.articles.extract_tidy import (
    is_byline,
    is_call_to_action,
    is_label,
    is_link_line,
    is_stamp,
    rejoined,
    tidy,
)

BODY = [
    "The council approved the budget on Tuesday after a long debate in the chamber.",
    "Branches will open two hours later from January, the mayor said.",
]


def test_edge_furniture_goes_but_the_body_stays():
    paragraphs = ["Sign up for our newsletter.", *BODY, "Follow us on Instagram.",
                  "Follow The Daily Example on Facebook and Twitter.", "comments"]
    assert tidy(paragraphs) == BODY


def test_tidy_never_empties_a_text():
    assert tidy(["Subscribe to our newsletter today."]) == ["Subscribe to our newsletter today."]
    assert tidy(["Read more: a story"]) == ["Read more: a story"]


def test_a_long_paragraph_mentioning_a_newsletter_is_prose():
    prose = ("The company said its newsletter now reaches two million readers a week, " * 6)
    assert not is_call_to_action(prose)
    assert tidy([*BODY, prose]) == [*BODY, prose]


def test_closing_credit_lines_and_numbers_are_kept():
    for line in ("With Post wires", "02-751-1500", "Main image credit: Getty"):
        assert not is_label(line)
        assert tidy([*BODY, line])[-1] == line


def test_labels_and_link_lines():
    assert is_label("Tags") and is_label("Explore further") and is_label("You may also like…")
    assert is_link_line("Read more: Library visits rise for a third year")
    assert is_link_line("[Related: The vote, explained]")
    assert is_link_line("Leia também: Outra notícia")
    assert not is_link_line("Read more about the vote in the council's own report, which it "
                            "published on Tuesday with every member's statement and the "
                            "full budget tables for each branch of the library system.")
    assert tidy([BODY[0], "Related: Storm closes schools", BODY[1]]) == BODY


def test_rejoined_joins_only_a_lower_case_continuation_of_an_unfinished_line():
    assert rejoined(["The branches on the east side", "will open first."]) == [
        "The branches on the east side will open first."
    ]
    assert rejoined(["A heading", "Der Rat hat entschieden."]) == [
        "A heading", "Der Rat hat entschieden."
    ]
    assert rejoined(["It ended.", "then more came."]) == ["It ended.", "then more came."]
    assert rejoined(["Über den Rat", "über alles"]) == ["Über den Rat über alles"]


def test_our_text_finds_a_paragraph_despite_a_dropped_word():
    ours = OurText(["the council led by mayor ann lee voted 7 to 2 on tuesday for a budget",
                    "something else entirely"])
    assert ours.find("the council led by mayor ann lee voted 7 to 2 on for a budget") == (True, 0)
    assert ours.find("voted 7 to 2 on tuesday") == (True, None)  # a run of ours
    assert ours.find("a different sentence that shares nothing with ours at all") == (False, None)
    assert ours.find("short and absent") == (False, None)


def test_date_and_reading_time_lines_over_the_text_go():
    for stamp in ("UPDATED: Tue., Nov. 19, 2019", "sexta-feira, 22 de outubro de 2010 às 20:13",
                  "기사입력 :[ 2018-08-25 15:24 ]", "Tempo de leitura: 2 minutos", "4 min read"):
        assert is_stamp(stamp), stamp
        assert tidy([stamp, *BODY]) == BODY
    for heading in ("Calendário da Stock Car 2018", "The 10 best phones of 2019"):
        assert not is_stamp(heading)
        assert tidy([heading, *BODY]) == [heading, *BODY]


def test_filing_lines_under_the_text_go():
    assert tidy([*BODY, "Filed under: Politics |", "Tags: budget, library"]) == BODY


def test_news_about_subscriptions_and_newsletters_is_not_a_call_to_action():
    for sentence in ("Netflix said it would raise subscription prices next month.",
                     "The company newsletter said profits rose by a tenth.",
                     "Follow-up talks are planned for next week, the ministry said.",
                     "Registered voters can sign the petition until Friday."):
        assert not is_call_to_action(sentence), sentence
        assert tidy([sentence, *BODY, sentence]) == [sentence, *BODY, sentence]


def test_a_byline_over_the_text_goes_but_a_heading_starting_with_by_stays():
    assert tidy(["By Jane Doe, Staff Writer", *BODY]) == BODY
    assert tidy(["Von Max Muster", *BODY]) == BODY
    assert tidy(["By the numbers", *BODY]) == ["By the numbers", *BODY]
    assert tidy(["By Tuesday the vote was done.", *BODY])[0] == "By Tuesday the vote was done."
    assert is_byline("By Jane Doe") and not is_byline("By the numbers")
