"""Articles: extraction of the main text and metadata from HTML (pure).

`extract_article` is imported on first use: the extractor (lxml, trafilatura) costs ~0.4 s to
import, and commands that never read HTML (`threadr thread -f notes.txt`) must not pay it."""

__all__ = ["extract_article"]


def __getattr__(name: str):
    if name == "extract_article":
        from core.articles.extract import extract_article

        return extract_article
    raise AttributeError(f"module 'core.articles' has no attribute {name!r}")
