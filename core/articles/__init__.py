"""Articles: extraction of the main text and metadata from HTML (pure)."""

from core.articles.extract import extract_article

__all__ = ["extract_article"]
