"""Adapter for the shared extraction evaluator: `f(html, url) -> str`.

    .venv/bin/python ../shared/bench/extraction/evaluate.py ../shared/bench/extraction \
        bench/extraction_adapter.py:extract_text
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for `core`

from core.articles import extract_article  # noqa: E402
from core.errors import EmptyArticle  # noqa: E402


def extract_text(html: str, url: str | None = None) -> str:
    try:
        return extract_article(html, url).text
    except EmptyArticle:
        return ""
