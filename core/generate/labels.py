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
_LANGS_OF: dict[str, tuple[str, ...]] = {}  # hint word → the languages listing it
for _lang, _words in _WORDS.items():
    for _w in _words:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)
_WORD = re.compile(r"[^\W\d_]+")


def language_of(article: Article) -> str | None:
    """The article's primary language tag ("en", "de"…), declared or guessed; None when
    the text gives no clear sign (too few function words of any listed language)."""
    if article.language:
        return article.language.split("-")[0].lower()
    counts = dict.fromkeys(_WORDS, 0)
    for word in _WORD.findall(article.text[:3000].lower()):  # one look-up a word
        for lang in _LANGS_OF.get(word, ()):
            counts[lang] += 1
    lang, hits = max(counts.items(), key=lambda kv: (kv[1], kv[0] == "en"))
    return lang if hits >= 5 else None


def full_story(link: str, language: str | None) -> str:
    """The closing link post: "Full story: URL" in the article's language, else the URL."""
    label = FULL_STORY.get(language or "")
    return f"{label} {link}" if label else link
