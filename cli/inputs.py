"""What `threadr thread` reads from a file or stdin: text or HTML, never a binary file.

A file is refused with one clear line (exit 2) when its magic bytes say it is an image, a PDF,
an archive, audio/video or a program; when it holds NUL bytes (outside UTF-16 with a BOM); or
when no text encoding reads it. Reading is bounded unless `--no-limit`: the request then has to
pass the same size limits as the API (`core.usecases.sources.check_sizes`).
"""

from __future__ import annotations

import codecs
import sys

from core.articles.charset import decode_body

_MAGIC = (
    (b"%PDF-", "a PDF"), (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"), (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"), (b"\x00\x00\x01\x00", "an icon"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"), (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office document"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"), (b"\x7fELF", "a program"), (b"OggS", "an audio file"),
    (b"fLaC", "an audio file"), (b"ID3\x02", "an MP3 file"), (b"ID3\x03", "an MP3 file"),
    (b"ID3\x04", "an MP3 file"), (b"wOFF", "a font"), (b"wOF2", "a font"),
)
_RIFF = {b"WEBP": "a WebP image", b"WAVE": "an audio file", b"AVI ": "a video"}
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROL_SHARE = 0.01  # more C0 control characters than this (tab, newlines aside): binary
_SAMPLE = 65_536


class CliError(Exception):
    """A user mistake on the command line (exit status 2)."""


class InputRefused(Exception):
    """The input is not something Threadr can read as an article (exit status 2)."""


def read_input(name: str, cap: int | None) -> bytes:
    """The bytes of file `name` ('-': stdin): all of them, or at most `cap` + 1."""
    size = -1 if cap is None else cap + 1
    try:
        if name == "-":
            return sys.stdin.buffer.read(size)
        with open(name, "rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise InputRefused(f"cannot read {name}: {exc.strerror or exc}") from None


def as_text(raw: bytes, name: str, *, html: bool) -> str:
    """The text of `raw`, or InputRefused naming what the file is instead."""
    label = "stdin" if name == "-" else name
    kind = binary_kind(raw)
    if kind:
        raise InputRefused(f"{label} is {kind}, not text: give an article as text or HTML")
    text, _ = decode_body(raw, None, html=html)
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    if sample and controls > _CONTROL_SHARE * len(sample):
        raise InputRefused(f"{label} is a binary file, not text: give an article as text or HTML")
    return text


def binary_kind(raw: bytes) -> str | None:
    """What a binary input is ("a PDF", "a binary file", …), None for readable text."""
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    if raw[:4] == b"RIFF" and raw[8:12] in _RIFF:
        return _RIFF[raw[8:12]]
    if raw[4:8] == b"ftyp":
        return "a video or an HEIC/AVIF image"
    if raw.startswith(_UTF16_BOMS):
        return None
    if b"\x00" in raw:
        return "a binary file (it contains NUL bytes)"
    if not _decodable(raw[:_SAMPLE]):
        return "a binary file (no text encoding reads it)"
    return None


def _decodable(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the sample's end
            return True
    from charset_normalizer import from_bytes

    return from_bytes(sample).best() is not None
