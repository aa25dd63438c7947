from core.generate.compress import compress, shorten


def test_parentheticals_and_citations_are_dropped():
    assert compress("The firm (based in Ohio) grew fast.[3]") == "The firm grew fast."


def test_a_parenthesis_holding_the_only_numbers_is_kept():
    assert compress("Revenue rose (from $3m) sharply.") == "Revenue rose (from $3m) sharply."


def test_a_parenthesis_opening_the_sentence_is_kept():
    assert compress("(AP) The vote passed.") == "(AP) The vote passed."


def test_fullwidth_parentheses_are_dropped_in_cjk_text():
    assert compress("会社（東京）は発表した。") == "会社は発表した。"


def test_additive_fillers_always_go():
    assert compress("Moreover, profits rose.") == "Profits rose."
    assert (
        compress("In addition, costs fell sharply.", follows_previous=True) == "Costs fell sharply."
    )
    assert compress("And there is no end in sight.") == "There is no end in sight."


def test_contrast_stays_when_the_previous_sentence_is_kept_right_before():
    assert (
        compress("However, the plan failed.", follows_previous=True) == "However, the plan failed."
    )
    assert compress("However, the plan failed.") == "The plan failed."
    assert (
        compress("But the plan failed.", follows_previous=True, aggressive=True)
        == "The plan failed."
    )


def test_words_that_only_look_like_fillers_stay():
    assert compress("Still waters run deep in the lake.") == "Still waters run deep in the lake."
    assert compress("So many ways to play exist now.") == "So many ways to play exist now."
    assert compress("However much it costs, buy it.") == "However much it costs, buy it."


def test_a_filler_is_kept_when_too_little_would_remain():
    assert compress("However, no.") == "However, no."


def test_spacing_is_tidied():
    assert compress("Profits rose  sharply ( see chart ) .") == "Profits rose sharply."


def _within(limit: int):
    return lambda text: len(text) <= limit


STAND = ("Fans threw eggs at the directors' box and let off a flare in front of the main "
         "entrance to the West Stand, where the chairman and his family usually watch games.")


def test_a_trailing_clause_goes_when_that_makes_the_sentence_fit():
    assert shorten(STAND, _within(130)) == (
        "Fans threw eggs at the directors' box and let off a flare in front of the main "
        "entrance to the West Stand.")


def test_the_least_is_dropped_the_longest_fitting_cut_wins():
    text = ("Bayern, with youngsters Weiser and Gaudino in the lineup, opened a 13-point lead "
            "over second-placed Wolfsburg, with five matches left in the season.")
    assert shorten(text, _within(len(text) - 1)) == (
        "Bayern, with youngsters Weiser and Gaudino in the lineup, opened a 13-point lead "
        "over second-placed Wolfsburg.")
    assert shorten(text, _within(100)) == (
        "Bayern opened a 13-point lead over second-placed Wolfsburg, with five matches left "
        "in the season.")


def test_an_attribution_is_never_dropped():
    text = ("The boy was locked in a cupboard for hours before he died of his injuries in "
            "hospital, a court has heard.")
    assert shorten(text, _within(90)) is None
    assert shorten("The firm cut 200 jobs across its three plants, police said.",
                   _within(40)) is None


def test_nothing_is_cut_inside_a_quotation_or_down_to_less_than_half():
    quoted = ("'We will rebuild the squad over the summer, which is what the fans deserve,' "
              "he said.")
    assert shorten(quoted, _within(60)) is None
    assert shorten("He won, which nobody expected after a terrible season of defeats.",
                   _within(20)) is None


def test_a_question_keeps_its_mark():
    assert shorten("Why did the council close the library, which served 4,000 readers a year?",
                   _within(40)) == "Why did the council close the library?"
