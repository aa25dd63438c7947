"""H2: no page costs more than the extraction budget; hostile pages are refused fast."""

from __future__ import annotations

import time

import pytest

from core.articles.bounded import BoundedExtractor
from core.errors import EmptyArticle, PageTooComplex

ARTICLE = ("<html><head><title>Trees</title></head><body><article>"
           + "<p>Cities plant trees because shade cools streets in summer. " * 40
           + "</article></body></html>")


@pytest.fixture(scope="module")
def extractor():
    built = BoundedExtractor(seconds=1.5, max_nodes=60_000)
    built.start()
    return built


def test_the_attack_page_is_refused_in_milliseconds(extractor):
    started = time.perf_counter()
    with pytest.raises(PageTooComplex):
        extractor.extract("<p></p>" * 700_000, "https://example.com/a")
    assert time.perf_counter() - started < 0.5


def test_a_page_under_the_tag_limit_that_overruns_the_budget_is_killed_at_the_deadline():
    slow = BoundedExtractor(seconds=0.5, max_nodes=10_000_000)
    slow.start()
    started = time.perf_counter()
    with pytest.raises(PageTooComplex):
        slow.extract("<div>" + "<p>a</p>" * 200_000 + "</div>", "https://example.com/a")
    assert time.perf_counter() - started < 1.5


def test_an_ordinary_page_is_extracted_in_the_child(extractor):
    article = extractor.extract(ARTICLE, "https://example.com/a")
    assert article.title == "Trees" and "shade cools streets" in article.text


def test_domain_errors_cross_back_from_the_child(extractor):
    with pytest.raises(EmptyArticle):
        extractor.extract("<html><body><nav>Home</nav></body></html>", "https://example.com")
