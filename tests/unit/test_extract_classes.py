"""One handmade page per extraction error class: each has the structure of the class, not
the markup of any particular site. See core/articles/extract_main.py and extract_tidy.py."""

from __future__ import annotations

import pytest

from core.articles import extract_article
from core.articles.extract_main import DEFAULT, _combined
from core.articles.extract_regions import Paragraph

HEADLINE = "Council backs longer library hours"
P1 = (
    "The city council voted on Tuesday to approve a new budget for the public library "
    "system, adding money for longer opening hours and new books in every branch."
)
P2 = (
    "Library staff said the change would let families visit in the evenings, and the "
    "council expects the first branches to extend their hours early next year."
)
P3 = (
    "Critics argued the money could have gone to road repairs, but the vote passed with "
    "a clear majority after a short debate in the chamber."
)
SHORT1 = "The council approved the library budget on Tuesday night after a short debate."
SHORT2 = "Branches will open two hours later from January, the mayor said."
COMMENT = (
    "Thanks for writing this, I have waited years for the library to open later and my "
    "kids will love going there after school every single day of the week."
)


def page(body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{HEADLINE} | The Daily Example</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/news'>News</a> "
        "<a href='/sport'>Sport</a></nav></header>"
        f"{body}<footer><p>About us · Contact · Privacy</p></footer></body></html>"
    )


def text_of(html: str) -> str:
    return extract_article(html, "https://news.example/2024/library").text


SHORT_PAGES = {
    "semantic": f"<main><h1>{HEADLINE}</h1><p>{SHORT1}</p><p>{SHORT2}</p></main>",
    "line_breaks": f"<div class='wrap'><h1>{HEADLINE}</h1><div>{SHORT1}<br><br>{SHORT2}"
                   "</div></div>",
    "table": f"<table><tr><td><h1>{HEADLINE}</h1></td></tr><tr><td>{SHORT1}<br><br>{SHORT2}"
             "</td></tr></table>",
    "spans": f"<div class='story'><h1>{HEADLINE}</h1><span>{SHORT1}</span><br><br>"
             f"<span>{SHORT2}</span></div>",
    "font": f"<center><h1>{HEADLINE}</h1><font size=2><p>{SHORT1}</p><p>{SHORT2}</p></font>"
            "</center>",
    "headline_in_body": f"<article><div class='body'><h1>{HEADLINE}</h1><p>{SHORT1}</p>"
                        f"<p>{SHORT2}</p></div></article>",
    "bigger_aside": f"<div class='main'><h1>{HEADLINE}</h1><p>{SHORT1}</p><p>{SHORT2}</p></div>"
                    f"<aside><p>{P1}</p><p>{P2}</p><p>{P3}</p></aside>",
    "lead_apart": f"<article><h1>{HEADLINE}</h1><div class='lead'><p>{SHORT1}</p></div>"
                  f"<div class='text'><p>{SHORT2}</p></div></article>",
}


@pytest.mark.parametrize("body", SHORT_PAGES.values(), ids=SHORT_PAGES.keys())
def test_a_short_article_keeps_its_body_never_the_headline_alone(body):
    text = text_of(page(body))
    assert SHORT1 in text and SHORT2 in text
    assert HEADLINE not in text


def test_prose_trafilatura_missed_comes_back_from_chunks_shaped_like_the_body():
    """A body split by ad slots into same-shaped chunks: the extractor stopped after the
    first chunk. The other chunks return in reading order; another post does not."""
    chunk, other = "div.body-chunk", "article.teaser post-2"
    later = [f"{p} It went on for a while after that, as such debates do." for p in (P2, P3)]
    ours = [Paragraph(*item, False) for item in [
        (P1, chunk), ("Advertisement", "div.ad"), (later[0], chunk), (later[1], chunk),
        (COMMENT.replace("Thanks", "Elsewhere"), other)]]
    assert _combined([P1], ours, DEFAULT) == [P1, *later]


def test_prose_of_another_container_shape_is_not_pulled_in():
    ours = [Paragraph(P1, "div.body", False), Paragraph(P2, "div.body", False),
            Paragraph(P3, "article.post-7", False)]
    assert _combined([P1, P2], ours, DEFAULT) == [P1, P2]


def test_captions_credits_and_teasers_are_left_out():
    html = page(
        f"<article><h1>{HEADLINE}</h1>"
        "<p class='dek'>Evening hours are coming to every branch after a 7-2 vote.</p>"
        "<figure><img src='a.jpg'><figcaption>The central library on Main Street, seen "
        "from the square.</figcaption></figure>"
        f"<p>{P1}</p><div class='photo-credit'>Council members at the vote on Tuesday "
        f"evening (Jane Roe for the Daily Example)</div><p>{P2}</p><p>{P3}</p></article>"
    )
    assert text_of(html) == f"{P1}\n\n{P2}\n\n{P3}"


@pytest.mark.parametrize("comments", [
    f"<section id='comments'><h2>3 Responses</h2><ol class='comment-list'><li><p>{COMMENT}"
    "</p></li></ol></section>",
    f"<div><h2>Leave a reply</h2><div><div><span>Mark</span> <span>2 hours ago</span>"
    f"<p>{COMMENT}</p><a href='#'>Reply</a></div></div></div>",
], ids=["named", "unnamed"])
def test_comment_blocks_after_the_article_are_left_out(comments):
    html = page(f"<article><h1>{HEADLINE}</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></article>"
                f"{comments}")
    assert text_of(html) == f"{P1}\n\n{P2}\n\n{P3}"


def test_related_link_lines_and_lists_are_left_out():
    html = page(
        f"<div><h1>{HEADLINE}</h1><p>{P1}</p>"
        "<p>Read more: <a href='/x'>Library visits rise for a third year</a></p>"
        f"<p>{P2}</p><p>{P3}</p><p>You may also like</p>"
        "<p><a href='/a'>Storm closes schools across the county on Monday morning</a></p>"
        "<p><a href='/b'>New bridge opens to traffic after two years of delays</a></p></div>"
    )
    assert text_of(html) == f"{P1}\n\n{P2}\n\n{P3}"


@pytest.mark.parametrize("inline", [
    "<time datetime='2024-01-09'>Tuesday</time>", "<label>Tuesday</label>",
    "<x-date>Tuesday</x-date>", "<o:p>Tuesday</o:p>", "<nobr>Tuesday</nobr>",
])
def test_a_sentence_is_not_cut_at_inline_markup(inline):
    sentence = (f"The council, led by <a href='/m'>Mayor Ann Lee</a>, voted <em>7 to 2</em> on "
                f"{inline} for a budget of <span class='num'>$4.5 million</span> in all.")
    html = page(f"<article><h1>{HEADLINE}</h1><p>{sentence}</p><p>{P2}</p><p>{P3}</p></article>")
    first = text_of(html).split("\n\n")[0]
    assert first == ("The council, led by Mayor Ann Lee, voted 7 to 2 on Tuesday for a budget "
                     "of $4.5 million in all.")


def test_a_sentence_cut_by_a_line_break_is_one_paragraph():
    html = page(f"<article><h1>{HEADLINE}</h1><p>{P1}</p><p>The branches on the east side"
                f"<br>will open first, the council said.</p><p>{P2}</p><p>{P3}</p></article>")
    assert "The branches on the east side will open first, the council said." in (
        text_of(html).split("\n\n")
    )


def test_calls_to_action_at_either_end_are_left_out():
    html = page(
        f"<article><h1>{HEADLINE}</h1>"
        "<p>Start your day with the Morning Brief. Sign up for the free daily newsletter.</p>"
        f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>"
        "<p>Have a tip? Jane Doe may be reached at jane@news.example. Follow her on Twitter.</p>"
        "<p>Get the latest updates right in your inbox. Subscribe to our newsletters.</p>"
        "<p>Tags</p></article>"
    )
    assert text_of(html) == f"{P1}\n\n{P2}\n\n{P3}"


def test_nothing_is_put_back_from_bare_containers():
    """Comments and article paragraphs both in class-less `<div>`s look alike: no recovery."""
    later = [f"{p} It went on for a while after that, as such debates do." for p in (P2, P3)]
    ours = [Paragraph(P1, "", False), Paragraph(later[0], "", False),
            Paragraph(later[1], "", False)]
    assert _combined([P1], ours, DEFAULT) == [P1]


@pytest.mark.parametrize("wrapper", ["{}", "<div class='social-media-embed'>{}</div>"],
                         ids=["bare", "social_embed_wrapper"])
def test_an_embedded_post_inside_the_body_is_kept_in_place(wrapper):
    tweet = wrapper.format(
        "<blockquote class='twitter-tweet'><p lang='en'>Evening hours at last, well done to "
        "everyone who signed the petition! <a href='https://t.co/x'>pic.twitter.com/x</a></p>"
        "&mdash; Jane Reader (@janereads) <a href='#'>January 9, 2024</a></blockquote>"
        "<script async src='https://platform.twitter.com/widgets.js'></script>"
    )
    html = page(f"<article><h1>{HEADLINE}</h1><p>{P1}</p>{tweet}<p>{P2}</p><p>{P3}</p>"
                "</article>")
    paragraphs = text_of(html).split("\n\n")
    assert paragraphs[0] == P1 and paragraphs[-2:] == [P2, P3]
    assert "Evening hours at last" in " ".join(paragraphs[1:-2])


def test_a_quotation_between_found_paragraphs_is_put_back_after_its_predecessor():
    quote = "This is the best news our readers have had all year, said the head librarian."
    ours = [Paragraph(P1, "div.body", False), Paragraph(quote, "blockquote.q", True),
            Paragraph(P2, "div.body", False), Paragraph(P3, "div.body", False)]
    assert _combined([P1, P2, P3], ours, DEFAULT) == [P1, quote, P2, P3]


def test_a_sentence_mostly_inside_a_link_is_prose_but_a_link_list_is_not():
    cited = ("<p>The branch plan <a href='/plan'>had been shelved in 2017 but was taken up "
             "again this year after a petition</a>, the mayor said.</p>")
    links = ("<ul><li><a href='/a'>Storm closes schools across the county on Monday</a></li>"
             "<li><a href='/b'>New bridge opens to traffic after two years of delays</a></li>"
             "</ul>")
    html = page(f"<article><h1>{HEADLINE}</h1><p>{P1}</p>{links}{cited}<p>{P2}</p><p>{P3}</p>"
                "</article>")
    cited_text = ("The branch plan had been shelved in 2017 but was taken up again this year "
                  "after a petition, the mayor said.")
    assert text_of(html) == f"{P1}\n\n{cited_text}\n\n{P2}\n\n{P3}"


TEASERS = [
    "Storm closes schools across the county as heavy snow is expected to fall through the "
    "night and into Wednesday morning, officials said.",
    "A new bridge opened to traffic after two years of delays, with the first cars crossing "
    "shortly after dawn on a cold and clear day.",
    "The local football team won its regional final in extra time, sending thousands of fans "
    "into the streets of the old town to celebrate.",
]
CARDS = "".join(f"<div class='card'><h3><a href='/s{n}'>Story number {n}</a></h3><p>{t}</p>"
                "</div>" for n, t in enumerate(TEASERS))


@pytest.mark.parametrize("layout", [
    "<article><h1>{h}</h1><p>{a}</p><p>{b}</p></article><section><h2>More news</h2>{c}</section>",
    "<div class='content'><h1>{h}</h1><p>{a}</p><p>{b}</p><div class='more'>{c}</div></div>",
    "<div class='content'><h1>{h}</h1><p>{a}<br>{b}</p>{c}</div>",
], ids=["section", "inside_content", "one_paragraph"])
def test_teaser_cards_around_a_short_article_are_left_out(layout):
    html = page(layout.format(h=HEADLINE, a=SHORT1, b=SHORT2, c=CARDS))
    assert text_of(html) == f"{SHORT1}\n\n{SHORT2}"


def test_a_post_with_a_linked_title_is_not_a_teaser_card():
    """Blogs link the post's own title to its permalink; one of a kind, so not a card."""
    html = page(f"<div class='post'><h2><a href='/2024/library'>{HEADLINE}</a></h2>"
                f"<p>{SHORT1}</p><p>{SHORT2}</p></div>")
    assert text_of(html) == f"{SHORT1}\n\n{SHORT2}"


def test_a_byline_without_class_names_is_left_out():
    html = page(f"<div><div><h1>{HEADLINE}</h1><p>By Jane Doe</p></div>"
                f"<div><p>{P1}</p><p>{P2}</p></div></div>")
    assert text_of(html) == f"{P1}\n\n{P2}"
