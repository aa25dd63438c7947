"""Text of a fetched body: charset from the header, then a BOM or `<meta>`, then detection.

Pure. Labels map the way browsers map them (WHATWG): latin-1 and ascii mean windows-1252,
a `<meta>` claiming UTF-16 means UTF-8 (the bytes were readable as ASCII to find it).
"""

from __future__ import annotations

import codecs
import re

_META_SCAN_BYTES = 4096
_DETECT_BYTES = 65_536
_TIE = 0.01  # charset-normalizer scores this close are a tie
_META = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{1,40})""",
                   re.IGNORECASE)
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16")]
_WINDOWS_1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "us-ascii", "ascii",
                 "iso_8859-1", "cp819", "ibm819", "windows-1252", "cp1252", "x-cp1252"}


def codec_for(label: str | None) -> str | None:
    """The Python codec a charset label names (browser aliases applied), None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def meta_charset(body: bytes) -> str | None:
    """The codec a `<meta charset>` or http-equiv Content-Type in the first 4 kB declares."""
    match = _META.search(body[:_META_SCAN_BYTES])
    codec = codec_for(match.group(1).decode("ascii")) if match else None
    if codec and codec.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return codec


def detect_charset(body: bytes) -> str:
    """UTF-8 if the bytes are valid UTF-8, else charset-normalizer's guess, else windows-1252.

    Western single-byte code pages often score the same on a page; windows-1252 wins ties.
    """
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only when the bytes name no charset

    matches = list(from_bytes(body[:_DETECT_BYTES]))
    if not matches:
        return "cp1252"
    best = matches[0]
    for match in matches:  # on a tie, prefer the web's legacy default (as browsers do)
        tied = (match.chaos <= best.chaos + _TIE and match.coherence >= best.coherence - _TIE)
        if tied and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return codec_for(best.encoding) or "cp1252"


def decode_body(body: bytes, header_charset: str | None, *, html: bool) -> tuple[str, str]:
    """(text, codec name) of a page body; never raises on undecodable bytes."""
    codec = None
    for bom, name in _BOMS:
        if body.startswith(bom):
            codec, body = name, body if name == "utf-16" else body[len(bom):]
            break
    codec = codec or codec_for(header_charset)
    if codec is None and html:
        codec = meta_charset(body)
    codec = codec or detect_charset(body)
    return body.decode(codec, errors="replace"), codec
