"""schema.org JSON-LD (`<script type="application/ld+json">`): the article object's fields."""

from __future__ import annotations

import json
from dataclasses import dataclass

from lxml.html import HtmlElement

from core.articles.extract_values import clean_author

_ARTICLE_HINTS = ("Article", "BlogPosting", "Report", "NewsArticle", "Posting")
_PAGE_HINTS = ("WebPage",)


@dataclass(frozen=True, slots=True)
class LinkedData:
    headline: str | None = None
    author: str | None = None
    published: str | None = None
    publisher: str | None = None
    description: str | None = None
    language: str | None = None
    paywalled: bool = False


def _objects(tree: HtmlElement) -> list[dict]:
    """Every JSON object found in the page's JSON-LD scripts, `@graph`s flattened."""
    found: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip().removeprefix("<!--").removesuffix("-->")
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                found.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))
    return found


def _types(obj: dict) -> list[str]:
    kind = obj.get("@type")
    return [t for t in (kind if isinstance(kind, list) else [kind]) if isinstance(t, str)]


def _is(obj: dict, hints: tuple[str, ...]) -> bool:
    return any(t.endswith(hints) for t in _types(obj))


def _text(value) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, str | int | float) and str(value).strip():
        return " ".join(str(value).split())
    return None


def _authors(value) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = [clean_author(_text(item)) for item in items]
    unique = list(dict.fromkeys(n for n in names if n))
    return ", ".join(unique) or None


def _free(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _paywalled(obj: dict) -> bool:
    parts = obj.get("hasPart")
    parts = parts if isinstance(parts, list) else [parts]
    flags = [_free(obj.get("isAccessibleForFree"))]
    flags += [_free(p.get("isAccessibleForFree")) for p in parts if isinstance(p, dict)]
    return False in flags


def read_linked_data(tree: HtmlElement) -> LinkedData:
    """The article (else web page) object's fields; the paywall flag from any object."""
    objects = _objects(tree)
    main = next((o for o in objects if _is(o, _ARTICLE_HINTS)), None)
    main = main or next((o for o in objects if _is(o, _PAGE_HINTS)), None)
    paywalled = any(_paywalled(o) for o in objects)
    if main is None:
        return LinkedData(paywalled=paywalled)
    return LinkedData(
        headline=_text(main.get("headline")) or _text(main.get("name")),
        author=_authors(main.get("author") or main.get("creator")),
        published=_text(main.get("datePublished")) or _text(main.get("dateCreated")),
        publisher=_text(main.get("publisher")),
        description=_text(main.get("description")),
        language=_text(main.get("inLanguage")),
        paywalled=paywalled,
    )
