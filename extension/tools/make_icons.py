"""Writes extension/icons/icon-{16,32,48,128}.png: a blue rounded square with three white
"thread" bars. Pure Python (zlib + struct), no external assets. Run: python tools/make_icons.py"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (29, 111, 224, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def _pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """Colour at (x, y) in a unit square."""
    r = 0.2  # corner radius
    cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return CLEAR
    for top, right in ((0.26, 0.78), (0.45, 0.66), (0.64, 0.72)):
        if 0.22 <= x <= right and top <= y <= top + 0.1:
            return WHITE
    return BLUE


def png(size: int) -> bytes:
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            row += bytes(_pixel((i + 0.5) / size, (j + 0.5) / size))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "icons"
    out.mkdir(exist_ok=True)
    for size in (16, 32, 48, 128):
        (out / f"icon-{size}.png").write_bytes(png(size))


if __name__ == "__main__":
    main()
