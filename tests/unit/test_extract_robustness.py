"""extract_article never crashes: odd encodings, broken markup, arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.articles import extract_article
from core.errors import EmptyArticle
from core.models import Article

PARAGRAPH = (
    "Le conseil municipal a voté mardi l'extension des pistes cyclables, après des mois de "
    "débat entre habitants, commerçants et usagers du centre-ville."
)
LATIN1_PAGE = (
    f'<html><head><meta charset="iso-8859-1"></head><body><p>{PARAGRAPH}</p>'
    f"<p>{PARAGRAPH}</p></body></html>"
).encode("latin-1")


def extract_or_empty(html):
    try:
        return extract_article(html, "https://example.com/a")
    except EmptyArticle:
        return None


@pytest.mark.parametrize(
    "html",
    [
        LATIN1_PAGE.decode("utf-8", errors="replace"),  # mis-decoded: U+FFFD replacements
        LATIN1_PAGE.decode("utf-8", errors="surrogateescape"),  # lone surrogates
        LATIN1_PAGE.decode("latin-1"),
        f"<?xml version='1.0' encoding='ISO-8859-1'?><html><body><p>{PARAGRAPH}</p></body></html>",
        f"<html><body><p>{PARAGRAPH}\x00\x01\x1b</p></body></html>",
        f"<html><body><div><p>{PARAGRAPH}<p><b><i>{PARAGRAPH}</div></span></table>",
        f"<p>{PARAGRAPH}",
        "<html><body><div>" * 3000 + PARAGRAPH,
        "<<<>>> &bogus; </p></p><!-- unclosed comment",
        "\ufeff" + f"<html><body><p>{PARAGRAPH}</p></body></html>",
    ],
    ids=["replacement_chars", "surrogates", "latin1", "xml_declaration", "control_chars",
         "unclosed_tags", "fragment", "deep_nesting", "garbage", "bom"],
)
def test_odd_or_broken_html_gives_an_article_or_empty_article(html):
    result = extract_or_empty(html)
    assert result is None or isinstance(result, Article)


def test_latin1_text_read_as_latin1_keeps_its_accents():
    article = extract_article(LATIN1_PAGE.decode("latin-1"))
    assert "débat entre habitants, commerçants" in article.text


def test_bytes_are_accepted_as_utf8():
    html = f"<html><body><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></body></html>".encode()
    assert "commerçants" in extract_article(html).text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_an_article_or_empty_article(text):
    result = extract_or_empty(text)
    assert result is None or (isinstance(result, Article) and result.text.strip())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(
    ["<p>", "</p>", "<div>", "</div>", "<br>", "<nav>", "</nav>", "<a href='/x'>", "</a>",
     "<script>", "</script>", "<h1>", "</h1>", PARAGRAPH, "Short words.", "&amp;", "<li>"]),
    max_size=40))
def test_any_tag_soup_gives_an_article_or_empty_article(parts):
    result = extract_or_empty("".join(parts))
    assert result is None or (isinstance(result, Article) and result.text.strip())
