"""Text rules of X: weighted length, URL detection, splitting, numbering, packing."""

from core.models import MAX_POST_LENGTH
from core.text.length import URL_LENGTH, emoji_spans, normalize, weighted_length
from core.text.numbering import apply_numbering, numbering_width, strip_numbering
from core.text.posts import finalize_posts, pack_units, split_into_posts
from core.text.urls import find_urls

__all__ = [
    "MAX_POST_LENGTH",
    "URL_LENGTH",
    "apply_numbering",
    "emoji_spans",
    "finalize_posts",
    "find_urls",
    "normalize",
    "numbering_width",
    "pack_units",
    "split_into_posts",
    "strip_numbering",
    "weighted_length",
]
