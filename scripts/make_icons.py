"""Render the PWA icons (PNG) from the same shapes as src/guanxi/web/static/web/icon.svg.

Pure Python (zlib + struct) so no image library is needed; run once when the logo changes:
    python scripts/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

RED = (192, 57, 43)
WHITE = (255, 255, 255)
GOLD = (245, 197, 66)
OUT = Path(__file__).resolve().parents[1] / "src/guanxi/web/static/web"


def pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """Colour at (x, y) in the 64×64 design space of icon.svg (maskable: full-bleed red)."""
    for cx, colour in ((40, GOLD), (24, WHITE)):
        distance = ((x - cx) ** 2 + (y - 32) ** 2) ** 0.5
        if abs(distance - 11) <= 2.5:
            return (*colour, 255)
    return (*RED, 255)


def render(size: int) -> bytes:
    rows = []
    scale = 64 / size
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            # 2×2 supersampling for smooth edges.
            samples = [
                pixel((i + dx) * scale, (j + dy) * scale)
                for dx in (0.25, 0.75)
                for dy in (0.25, 0.75)
            ]
            row.extend(sum(s[k] for s in samples) // 4 for k in range(4))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(render(size))
        print(f"wrote icon-{size}.png")
