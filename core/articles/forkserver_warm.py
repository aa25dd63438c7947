"""Imported only by the extraction fork server (`core.articles.bounded`): imports the
extractor and compiles its patterns once, so every child forked from it starts warm."""

from core.articles.extract import extract_article
from core.errors import EmptyArticle

try:
    extract_article("<html><body><article><p>Warm up.</p></article></body></html>")
except EmptyArticle:
    pass
