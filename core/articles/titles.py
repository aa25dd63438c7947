"""A page title without the site's name and section: "Headline - IGN" → "Headline".

Pure string rules, any site: a part split off by " | ", " - ", " – ", " — ", " · ", " » ",
" :: " goes when it is the site name (at either end), or, at the end, looks like a label
rather than a headline (at most four words, none starting lowercase except short function words, or a
year: "| Editorial", "- BBC News", "- новости, фото 2018"). When the page's h1 or og:title is
one of the parts, that part is the headline. A title equal to the site name is no title.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"\s+(?:[|·»]|::|[-–—])\s+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_SMALL = frozenset("a an and at by de des du for in of on the to und der die das la le el".split())
_WORD = re.compile(r"[^\W\d_][\w'’.&-]*|\d+")


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _is_label(part: str, site: str) -> bool:
    if not part or (site and _key(part) in (site, site.removeprefix("the"))):
        return True
    words = _WORD.findall(part)
    if len(words) > 4 or len(part) > 40:
        return False
    if _YEAR.search(part):
        return True
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _SMALL for w in words)


def _droppable(part: str, rest: list[str], site: str) -> bool:
    """A label goes when what stays still reads as a headline (3+ words) or it is the site."""
    if site and _key(part) == site:
        return True
    return _is_label(part, site) and sum(len(_WORD.findall(p)) for p in rest) >= 3


def clean_title(
    title: str | None, site_name: str | None = None, *alternatives: str | None
) -> str | None:
    """`title` without site name and section labels; `alternatives` (h1, og:title) choose
    the headline among its parts. None when nothing but the site name is left."""
    site = _key(site_name or "")
    if not title or not title.strip():
        return None
    title = " ".join(title.split())
    parts = _SEPARATOR.split(title)
    known = {_key(a) for a in alternatives if a and _key(a) != site}
    for part in parts:
        if _key(part) in known and len(parts) > 1:
            return part
    while len(parts) > 1 and _droppable(parts[-1], parts[:-1], site):
        parts.pop()
    while len(parts) > 1 and site and _key(parts[0]) == site:  # a leading part: only the site
        parts.pop(0)
    if len(parts) == 1 and site and _key(parts[0]) == site:
        return None
    return _join(title, parts)


def _join(title: str, parts: list[str]) -> str:
    """The kept parts with their original separators (they sat side by side in `title`)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else " ".join(parts)
