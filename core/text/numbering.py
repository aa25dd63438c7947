"""Post numbering: labels, their reserved width, and stripping numbering a model added.

Styles (``options.numbering``): SLASH ``1/7``, PAREN ``(1/7)``, DOT ``1.``, THREAD
``🧵 1/`` on the first post and ``2/``, ``3/`` … after (no total), NONE. A thread of one
post is not numbered. The label is joined
to the body by one space: before it (prefix) or after it (suffix). A source link, when a post
carries one, stays on its own last line after the label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from core.models import Numbering, NumberingPosition, ThreadOptions
from core.text.platforms import rules_for

THREAD_MARK = "🧵"


def label(index: int, total: int, style: Numbering) -> str:
    """The numbering label of post `index` (1-based) of `total`; "" for NONE and for a
    thread of a single post."""
    if total == 1:
        return ""
    if style == Numbering.SLASH:
        return f"{index}/{total}"
    if style == Numbering.PAREN:
        return f"({index}/{total})"
    if style == Numbering.DOT:
        return f"{index}."
    if style == Numbering.THREAD:
        return f"{THREAD_MARK} {index}/" if index == 1 else f"{index}/"
    return ""


def number_body(body: str, index: int, total: int, options: ThreadOptions) -> str:
    tag = label(index, total, options.numbering)
    if not tag:
        return body
    if not body:
        return tag
    if options.numbering_position == NumberingPosition.PREFIX:
        return f"{tag} {body}"
    return f"{body} {tag}"


def label_width(index: int, total: int, options: ThreadOptions) -> int:
    """Width (by the platform's rules) a label adds to post `index`, its joining space included."""
    tag = label(index, total, options.numbering)
    return rules_for(options.platform).length(tag) + 1 if tag else 0


def widest_index(n: int, options: ThreadOptions) -> int:
    """The post among 1..n whose label is the widest (1 when numbering adds nothing)."""
    candidates = {1, n} | {10**k for k in range(1, len(str(n))) if 10**k <= n}
    return max(sorted(candidates), key=lambda i: label_width(i, n, options))


def numbering_width(n: int, options: ThreadOptions) -> int:
    """The widest label (joining space included) among posts 1..n: the width to reserve."""
    if n <= 0 or options.numbering == Numbering.NONE:
        return 0
    return label_width(widest_index(n, options), n, options)


def apply_numbering(bodies: Sequence[str], options: ThreadOptions) -> list[str]:
    """Number every body with the style and position of `options`."""
    total = len(bodies)
    return [number_body(body, i, total, options) for i, body in enumerate(bodies, 1)]


@cache
def _numbering_patterns() -> tuple[re.Pattern, re.Pattern]:
    tag = rf"(?:{THREAD_MARK}\s*)?(?:\(\d{{1,3}}\s*/\s*\d{{0,3}}\)|\[\d{{1,3}}\s*/\s*\d{{0,3}}\]|\d{{1,3}}\s*/\s*\d{{0,3}})"
    head = re.compile(rf"^\s*(?:{tag}|\d{{1,3}}[.)](?=\s)|{THREAD_MARK})[\s:.\-–—]*")
    tail = re.compile(rf"[\s\-–—]*(?:{tag}|{THREAD_MARK})\s*$")
    return head, tail


def strip_numbering(draft: str) -> str:
    """Remove numbering a model put at the start or end (``1/5``, ``(1/5)``, ``1.``, ``🧵``)."""
    head, tail = _numbering_patterns()
    text = head.sub("", draft, count=1)
    return tail.sub("", text, count=1).strip()
