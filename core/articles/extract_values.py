"""Normalising raw metadata values: dates to ISO 8601, languages to a primary tag, authors."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

_ISO_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})\b")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(?=$|[-_])")


def as_iso_date(value: str | None) -> str | None:
    """An ISO 8601 date or datetime for `value`, or None when it is not a recognisable date."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).isoformat()  # RFC 2822, e.g. in some feeds
    except (TypeError, ValueError, IndexError):
        pass
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            return datetime(year, month, day).date().isoformat()
        except ValueError:
            return None
    return None


def as_language(value: str | None) -> str | None:
    """The BCP 47 primary language subtag, lower-cased: "en-US" -> "en", "pt_BR" -> "pt"."""
    if not value or not isinstance(value, str):
        return None
    match = _LANGUAGE.match(value.strip())
    return match.group(0).lower() if match else None


def clean_author(value: str | None) -> str | None:
    """A person's name as shown: no profile URL, no leading "By"."""
    if not value or not isinstance(value, str):
        return None
    value = " ".join(value.split())
    if not value or value.startswith(("http://", "https://", "/")):
        return None
    value = re.sub(r"^by\s+", "", value, flags=re.I)
    return value or None
