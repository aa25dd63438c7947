from core.generate.compress import compress


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
