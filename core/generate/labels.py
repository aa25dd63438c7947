"""The few words the offline generator adds itself, in the article's language.

`language_of` uses the article's declared language, else a guess from common function
words (enough to choose a label, not a language detector). A language without a
translation here gets no label at all: never English words on a thread in another language.
"""

from __future__ import annotations

import re

from core.models import Article

FULL_STORY = {
    "en": "Full story:",
    "de": "Ganzer Artikel:",
    "fr": "Article complet :",
    "es": "Artículo completo:",
    "it": "Articolo completo:",
    "pt": "Matéria completa:",
    "nl": "Volledig artikel:",
}
_HINTS = {
    "en": "the and of is to in that was for with",
    "de": "der die das und ist nicht ein eine zu mit",
    "fr": "le la les et est des une pour dans que",
    "es": "el la los las y es del una para que",
    "it": "il la di e che è per una non con",
    "pt": "o a os as e é do da uma para",
    "nl": "de het een en is van dat niet met voor",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _HINTS.items()}
_WORD = re.compile(r"[^\W\d_]+")


def language_of(article: Article) -> str | None:
    """The article's primary language tag ("en", "de"…), declared or guessed; None when
    the text gives no clear sign (too few function words of any listed language)."""
    if article.language:
        return article.language.split("-")[0].lower()
    words = _WORD.findall(article.text[:3000].lower())
    counts = {lang: sum(w in hints for w in words) for lang, hints in _WORDS.items()}
    lang, hits = max(counts.items(), key=lambda kv: (kv[1], kv[0] == "en"))
    return lang if hits >= 5 else None


def full_story(link: str, language: str | None) -> str:
    """The closing link post: "Full story: URL" in the article's language, else the URL."""
    label = FULL_STORY.get(language or "")
    return f"{label} {link}" if label else link
