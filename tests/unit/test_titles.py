import pytest

from core.articles.titles import clean_title


@pytest.mark.parametrize(
    ("title", "site", "clean"),
    [
        ("Zelda sequel delayed to 2026 - IGN", "IGN", "Zelda sequel delayed to 2026"),
        ("The case for grid batteries | Editorial", None, "The case for grid batteries"),
        ("Пожар в центре Москвы - новости, фото 2018", None, "Пожар в центре Москвы"),
        ("BBC News - Storm closes schools across Wales", "BBC News", "Storm closes schools across Wales"),
        ("Storm closes schools | Politics | The Guardian", "The Guardian", "Storm closes schools"),
        ("Locke confirmed on Friday - exactly eight weeks after he took charge", None,
         "Locke confirmed on Friday - exactly eight weeks after he took charge"),
        ("Review - The Dark Knight", None, "Review - The Dark Knight"),
        ("Batman review - a joyless slog", None, "Batman review - a joyless slog"),
    ],
)
def test_site_names_and_section_labels_are_stripped(title, site, clean):
    assert clean_title(title, site) == clean


def test_a_title_equal_to_the_site_name_is_no_title():
    assert clean_title("IGN", "IGN") is None
    assert clean_title("  ", "IGN") is None


def test_the_h1_chooses_the_headline_among_the_parts():
    assert clean_title("Daily Planet · Aliens land in Ohio", "Daily Planet",
                       "Aliens land in Ohio") == "Aliens land in Ohio"
