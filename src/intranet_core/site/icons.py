"""Draw the site's icons: ``python -m intranet_core.site.icons`` rewrites them in ``static/``.

The mark is a white "i" on a blue rounded square, which also reads as a
person (a head over a body). The PNGs are drawn from the same shapes as
``icon.svg`` with the standard library only: each pixel's coverage comes
from the distance to the shapes' edges, which anti-aliases them.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

STATIC = Path(__file__).parent / "static"
BLUE = (0x0B, 0x5C, 0xAD)
WHITE = (0xFF, 0xFF, 0xFF)
DESIGN = 512.0  # the shapes are in a 512-unit square, as in icon.svg
CORNER = 112.0
DOT = (256.0, 150.0, 44.0)  # centre x, centre y, radius
STEM = (256.0, 250.0, 372.0, 40.0)  # x, top, bottom, half width (a capsule)

# file name, size in pixels, rounded corners (transparent outside) or full bleed
ICONS = (
    ("icon-192.png", 192, True),
    ("icon-512.png", 512, True),
    ("icon-maskable-512.png", 512, False),
    ("apple-touch-icon.png", 180, False),
)


def _rounded_square(x: float, y: float, radius: float) -> float:
    """Signed distance to the icon's rounded square (negative inside)."""
    half = DESIGN / 2
    qx = abs(x - half) - (half - radius)
    qy = abs(y - half) - (half - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def _mark(x: float, y: float) -> float:
    """Signed distance to the "i": a dot and a capsule."""
    cx, cy, r = DOT
    dot = math.hypot(x - cx, y - cy) - r
    sx, top, bottom, half_width = STEM
    stem = math.hypot(x - sx, y - min(max(y, top), bottom)) - half_width
    return min(dot, stem)


def _coverage(distance: float, pixel: float) -> float:
    """How much of a pixel a shape covers, from the distance (in design units) to its edge."""
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def draw(size: int, rounded: bool) -> bytes:
    """RGBA rows of the icon at ``size`` by ``size`` pixels."""
    scale = DESIGN / size
    rows = bytearray()
    for py in range(size):
        rows.append(0)  # PNG filter type: none
        y = (py + 0.5) * scale
        for px in range(size):
            x = (px + 0.5) * scale
            background = _coverage(_rounded_square(x, y, CORNER), scale) if rounded else 1.0
            mark = _coverage(_mark(x, y), scale)
            colour = [round(b + (w - b) * mark) for b, w in zip(BLUE, WHITE, strict=True)]
            rows.extend((*colour, round(255 * background)))
    return bytes(rows)


def png(size: int, rgba_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rgba_rows, 9))
            + chunk(b"IEND", b""))


def main(directory: Path = STATIC) -> None:
    for name, size, rounded in ICONS:
        (directory / name).write_bytes(png(size, draw(size, rounded)))
        sys.stdout.write(f"wrote {directory / name}\n")


if __name__ == "__main__":
    main()
