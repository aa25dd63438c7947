"""Article metadata from JSON-LD, OpenGraph, meta tags and <html lang>; the paywall flag."""

from __future__ import annotations

import json

import pytest

from core.articles import extract_article

BODY = "<article>" + "".join(
    f"<p>Paragraph {i}: the harbour authority published its yearly report, with traffic, "
    f"revenue and safety figures for every terminal along the coast.</p>"
    for i in range(4)
) + "</article>"


def page(head: str = "", body: str = BODY, html_attrs: str = "") -> str:
    return f"<!doctype html><html {html_attrs}><head>{head}</head><body>{body}</body></html>"


def ld(data) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


NEWS_ARTICLE = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Harbour traffic hits a record",
    "author": [{"@type": "Person", "name": "Ana Lima"}, {"@type": "Person", "name": "Bo Chen"}],
    "datePublished": "2024-05-02T08:30:00+02:00",
    "publisher": {"@type": "Organization", "name": "Coast Times"},
    "inLanguage": "pt-BR",
}

OPEN_GRAPH = """
<title>Harbour report - Coast Times</title>
<meta property="og:title" content="OG: harbour report">
<meta property="og:site_name" content="Coast Times Online">
<meta property="og:url" content="https://coast.example/og-url">
<meta name="author" content="Meta Author">
<meta property="article:published_time" content="2024-05-01">
"""


def test_json_ld_gives_title_authors_date_and_publisher():
    article = extract_article(page(ld(NEWS_ARTICLE)), "https://coast.example/a")
    assert article.title == "Harbour traffic hits a record"
    assert article.author == "Ana Lima, Bo Chen"
    assert article.published == "2024-05-02T08:30:00+02:00"
    assert article.site_name == "Coast Times"
    assert article.language == "pt"


def test_json_ld_inside_a_graph_is_found_and_wins_over_open_graph():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Coast Times"}, NEWS_ARTICLE]}
    article = extract_article(page(OPEN_GRAPH + ld(graph)), "https://coast.example/a")
    assert article.title == "Harbour traffic hits a record"
    assert article.author == "Ana Lima, Bo Chen"


def test_open_graph_and_meta_tags_when_there_is_no_json_ld():
    article = extract_article(page(OPEN_GRAPH, html_attrs='lang="en-GB"'), "https://x.example/")
    assert article.title == "OG: harbour report"
    assert article.site_name == "Coast Times Online"
    assert article.author == "Meta Author"
    assert article.published == "2024-05-01T00:00:00"
    assert article.canonical_url == "https://coast.example/og-url"
    assert article.language == "en"


def test_canonical_link_is_resolved_against_the_page_url_and_beats_og_url():
    head = OPEN_GRAPH + '<link rel="canonical" href="/news/harbour-report">'
    article = extract_article(page(head), "https://coast.example/news/harbour-report?utm=x")
    assert article.canonical_url == "https://coast.example/news/harbour-report"


def test_title_falls_back_to_the_document_title_and_nothing_is_guessed():
    article = extract_article(page("<title>Just a title</title>"))
    assert article.title == "Just a title"
    assert article.author is None
    assert article.site_name is None
    assert article.published is None
    assert article.canonical_url is None
    assert article.language is None


def test_malformed_json_ld_is_ignored():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    head += '<meta property="og:title" content="From OG">'
    assert extract_article(page(head)).title == "From OG"


def test_author_profile_urls_and_by_prefix_are_not_names():
    head = '<meta property="article:author" content="https://facebook.com/someone">'
    head += '<meta name="author" content="By Kim Park">'
    assert extract_article(page(head)).author == "Kim Park"


@pytest.mark.parametrize(
    "head",
    [
        ld({**NEWS_ARTICLE, "isAccessibleForFree": False}),
        ld({**NEWS_ARTICLE, "isAccessibleForFree": "False"}),
        ld({**NEWS_ARTICLE, "hasPart": {"@type": "WebPageElement",
                                        "isAccessibleForFree": "false",
                                        "cssSelector": ".paywall"}}),
        '<meta itemprop="isAccessibleForFree" content="false">',
    ],
    ids=["json_ld_bool", "json_ld_string", "json_ld_has_part", "microdata"],
)
def test_paywalled_when_schema_org_says_not_accessible_for_free(head):
    assert extract_article(page(head)).paywalled is True


@pytest.mark.parametrize(
    "head",
    ["", ld({**NEWS_ARTICLE, "isAccessibleForFree": True}),
     '<meta itemprop="isAccessibleForFree" content="True">'],
    ids=["no_markup", "json_ld_free", "microdata_free"],
)
def test_not_paywalled_without_a_false_accessible_for_free(head):
    assert extract_article(page(head)).paywalled is False
