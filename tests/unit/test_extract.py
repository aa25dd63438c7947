"""extract_article on small handmade pages: main text kept, boilerplate left out."""

from __future__ import annotations

import pytest

from core.articles import extract_article
from core.errors import EmptyArticle

P1 = (
    "The council voted on Tuesday to expand the city's bike lanes, a decision that "
    "followed months of debate among residents, shop owners and commuters."
)
P2 = (
    "Supporters said safer streets would draw more people to cycling, while critics "
    "worried about parking for deliveries and the cost of the works."
)
P3 = (
    "The first new lanes open in the spring, and the council will review traffic data "
    "after one year of use before deciding on a second phase."
)


def page(body: str, head: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Bike lanes expand | Daily Gazette</title>{head}</head><body>{body}</body></html>"
    )


SEMANTIC = page(
    f"""
    <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
    <header><h1>Bike lanes expand across the city</h1></header>
    <article>
      <div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Tweet this</a></div>
      <p>{P1}</p><p>{P2}</p><p>{P3}</p>
    </article>
    <section id="comments"><h3>Comments</h3>
      <p>Great news, finally something for cyclists in this town, thanks to everyone!</p>
    </section>
    <footer><p>Copyright 2024 Daily Gazette. All rights reserved. Advertise with us.</p></footer>
    """
)

DIV_SOUP = page(
    f"""
    <div id="top"><div class="menu"><a href="/">Home</a> | <a href="/world">World</a> |
      <a href="/sport">Sport</a> | <a href="/money">Money</a></div></div>
    <div class="wrapper"><div class="col-main">
      <div class="headline">Bike lanes expand across the city</div>
      <div class="social-share"><a href="#">Facebook</a><a href="#">Twitter</a>
        <a href="#">Email this article to a friend</a></div>
      <div class="story">{P1}<br><br>{P2}<br><br>{P3}</div>
      <div class="newsletter-signup">Sign up for our morning newsletter and never miss a
        story from the Daily Gazette, delivered free every weekday.</div>
      <ul class="related-links">
        <li><a href="/a">Council approves new budget after long debate</a></li>
        <li><a href="/b">Ten things to know about the new tram line</a></li>
        <li><a href="/c">Why parking prices are going up again next year</a></li>
      </ul>
    </div></div>
    <div class="footer">About us - Contact - Privacy policy - Terms of use</div>
    """
)


def test_article_text_is_the_paragraphs_separated_by_blank_lines():
    article = extract_article(SEMANTIC, "https://gazette.example/news/1")
    assert article.text == f"{P1}\n\n{P2}\n\n{P3}"


@pytest.mark.parametrize("html", [SEMANTIC, DIV_SOUP], ids=["semantic", "div_soup"])
def test_navigation_share_bars_comments_and_footer_are_left_out(html):
    text = extract_article(html, "https://gazette.example/news/1").text
    for paragraph in (P1, P2, P3):
        assert paragraph in text
    for clutter in ("Home", "Facebook", "Tweet", "Comments", "Great news", "Copyright",
                    "newsletter", "Privacy", "tram line", "parking prices"):
        assert clutter not in text


@pytest.mark.parametrize("html", [SEMANTIC, DIV_SOUP], ids=["semantic", "div_soup"])
def test_headline_is_not_repeated_in_the_text(html):
    text = extract_article(html).text
    assert "Bike lanes expand across the city" not in text
    assert text.startswith("The council voted")


def test_text_held_in_line_breaks_inside_a_table_cell_is_found():
    html = page(f"<table><tr><td>menu</td><td>{P1}<br><br>{P2}<br><br>{P3}</td></tr></table>")
    text = extract_article(html).text
    assert P1 in text and P3 in text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n ",
        "<html></html>",
        page(""),
        page("<nav><a href='/'>Home</a> <a href='/b'>Blog</a></nav><footer>© 2024</footer>"),
        page("<script>var article = 'not text';</script><style>p{}</style>"),
    ],
    ids=["empty", "blank", "bare_html", "empty_body", "only_chrome", "only_scripts"],
)
def test_a_page_without_article_text_raises_empty_article(html):
    with pytest.raises(EmptyArticle):
        extract_article(html, "https://example.com/")


def test_the_url_is_kept_on_the_article():
    assert extract_article(SEMANTIC, "https://gazette.example/n?id=1").url == (
        "https://gazette.example/n?id=1"
    )
