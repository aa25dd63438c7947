"""Parse an HTML string once into an lxml tree, plus small text helpers for the extractors.

Nothing here does I/O. The parser is built per call: lxml parsers are not thread-safe and
extraction of large pages runs in a worker thread.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"\w+")
_SENTENCE_END = (".", "!", "?", "…", ".”", ".\"", "?”", "!”", ".)", "。", "！", "？")


def _parser(**options) -> lxml.html.HTMLParser:
    """An HTML parser whose elements are all plain `HtmlElement`s, looked up in C.

    lxml.html's default per-tag class lookup runs Python code for every element touched;
    skipping it makes every later pass (ours and trafilatura's) noticeably faster.
    """
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False,
        **options,
    )
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(element=HtmlElement))
    return parser


def parse_html(html: str | bytes) -> HtmlElement | None:
    """The document tree of `html`, or None when there is no markup at all.

    Malformed markup is repaired by libxml2; NUL/control characters, lone surrogates and
    an XML encoding declaration inside a str never make it fail.
    """
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=_parser())
    except (ValueError, UnicodeError, etree.ParserError):
        pass
    cleaned = _CONTROL_CHARS.sub("", html).encode("utf-8", errors="replace")
    try:
        return lxml.html.document_fromstring(cleaned, parser=_parser(encoding="utf-8"))
    except (ValueError, etree.ParserError):
        return None


def squash(text: str) -> str:
    """Whitespace runs (including newlines and NBSP) collapsed to one space, ends stripped."""
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens, used to compare paragraphs regardless of spacing/punctuation."""
    return _WORD.findall(text.lower())


def word_key(text: str) -> str:
    """A comparison key for a piece of text: its words joined by single spaces."""
    return " ".join(_WORD.findall(text.lower()))


def ends_sentence(text: str) -> bool:
    """The text ends like a sentence (full stop, question or exclamation mark, ellipsis)."""
    return text.rstrip().endswith(_SENTENCE_END)
