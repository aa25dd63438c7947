"""Numbering styles, positions, reserved width, and stripping a model's numbering."""

from __future__ import annotations

import re

import pytest

from core.models import LinkPolicy, Numbering, NumberingPosition, ThreadOptions
from core.text import (
    MAX_POST_LENGTH,
    apply_numbering,
    numbering_width,
    split_into_posts,
    strip_numbering,
    weighted_length,
)

EXPECTED_LABELS = {
    Numbering.SLASH: ["1/3", "2/3", "3/3"],
    Numbering.PAREN: ["(1/3)", "(2/3)", "(3/3)"],
    Numbering.DOT: ["1.", "2.", "3."],
    Numbering.THREAD: ["🧵 1/", "2/", "3/"],
}


@pytest.mark.parametrize("style", list(EXPECTED_LABELS))
@pytest.mark.parametrize("position", list(NumberingPosition))
def test_each_style_and_position_labels_every_post(style, position):
    options = ThreadOptions(numbering=style, numbering_position=position)
    posts = apply_numbering(["a", "b", "c"], options)
    labels = EXPECTED_LABELS[style]
    if position == NumberingPosition.PREFIX:
        assert posts == [f"{tag} {body}" for tag, body in zip(labels, "abc", strict=True)]
    else:
        assert posts == [f"{body} {tag}" for tag, body in zip(labels, "abc", strict=True)]


def test_no_numbering_and_single_posts_are_left_alone():
    assert apply_numbering(["a", "b"], ThreadOptions(numbering=Numbering.NONE)) == ["a", "b"]
    assert apply_numbering(["only"], ThreadOptions()) == ["only"]
    assert numbering_width(1, ThreadOptions()) == 0


def test_numbering_width_is_the_widest_label_with_its_space():
    slash = ThreadOptions()
    assert numbering_width(9, slash) == len(" 9/9")
    assert numbering_width(12, slash) == len(" 12/12")
    assert numbering_width(100, slash) == len(" 100/100")
    assert numbering_width(12, ThreadOptions(numbering=Numbering.PAREN)) == len(" (12/12)")
    assert numbering_width(12, ThreadOptions(numbering=Numbering.DOT)) == len(" 12.")
    assert numbering_width(5, ThreadOptions(numbering=Numbering.THREAD)) == 6  # "🧵 1/" + space


def _paragraphs(count: int, weight: int) -> str:
    para = ("word " * (weight // 5 + 1))[:weight].strip()
    para = para + "x" * (weight - len(para))
    return "\n\n".join([para] * count)


def test_width_reservation_keeps_99_posts_when_99_99_fits():
    posts = split_into_posts(_paragraphs(99, 274), ThreadOptions(link=LinkPolicy.NONE))
    assert len(posts) == 99 and posts[-1].endswith(" 99/99")
    assert all(weighted_length(p) <= MAX_POST_LENGTH for p in posts)


def test_width_reservation_recuts_when_the_count_reaches_100():
    posts = split_into_posts(_paragraphs(100, 274), ThreadOptions(link=LinkPolicy.NONE))
    assert len(posts) > 100
    assert all(weighted_length(p) <= MAX_POST_LENGTH for p in posts)
    assert [int(re.search(r"(\d+)/\d+$", p).group(1)) for p in posts] == list(
        range(1, len(posts) + 1))
    assert all(p.endswith(f"/{len(posts)}") for p in posts)


def test_ten_posts_are_wider_than_nine():
    nine = split_into_posts(_paragraphs(9, 276), ThreadOptions(link=LinkPolicy.NONE))
    ten = split_into_posts(_paragraphs(10, 276), ThreadOptions(link=LinkPolicy.NONE))
    assert len(nine) == 9
    assert len(ten) > 10
    assert all(weighted_length(p) <= MAX_POST_LENGTH for p in nine + ten)


@pytest.mark.parametrize(("draft", "clean"), [
    ("1/5 Hello there", "Hello there"),
    ("(2/5) Hi", "Hi"),
    ("3. Point three", "Point three"),
    ("🧵 1/ Thread start", "Thread start"),
    ("2/ next", "next"),
    ("Ends here 4/5", "Ends here"),
    ("Ends (4/5)", "Ends"),
    ("A thread 🧵", "A thread"),
    ("2024 was big", "2024 was big"),
    ("3.14 is pi", "3.14 is pi"),
    ("Open 24/7 support", "Open 24/7 support"),
])
def test_strip_numbering_removes_only_a_models_numbering(draft, clean):
    assert strip_numbering(draft) == clean
