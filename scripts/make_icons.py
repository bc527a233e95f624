"""Render resources/icons/app.svg into the platform icon files the installers need.

    python scripts/make_icons.py            # writes resources/icons/app.ico and app.icns
    python scripts/make_icons.py --png-dir /tmp/icons   # also keep the PNGs, to look at them

The SVG is rendered with Qt's QSvgRenderer (PySide6 is already a dependency) at each size, from
the vector source every time, so small sizes stay sharp. Both containers hold PNG payloads and are
written by hand; no Pillow, cairo or iconutil needed, so this runs the same on every OS:

- ICO (Windows): a 6-byte header, one 16-byte directory entry per image, then the images: the
  classic 32-bit BGRA DIB (BITMAPINFOHEADER, bottom-up rows, an all-zero AND mask) for sizes
  below 256, which every resource editor and installer compiler reads, and PNG for 256 (stored
  as 0 in the directory), as Windows Vista and later expect.
- ICNS (macOS): "icns" + total length, then for each image a 4-byte type, its length (including
  the 8-byte entry header) and the PNG. Types: icp4 16, icp5 32, icp6 64, ic07 128, ic08 256,
  ic09 512, ic10 1024 (512@2x), ic11 32 (16@2x), ic12 64 (32@2x), ic13 256 (128@2x), ic14 512 (256@2x).

Re-run it whenever app.svg changes and commit the outputs.
"""

# ruff: noqa: TID251 — a build tool, not app code: Qt renders the icons here
from __future__ import annotations

import argparse
import os
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"

ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


@dataclass(frozen=True)
class Rendered:
    png: bytes
    bgra: bytes  # top-down rows of straight (not premultiplied) BGRA pixels


def render(svg: Path, sizes: set[int]) -> dict[int, Rendered]:
    """``svg`` rendered at each square size, as PNG and as raw BGRA pixels."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot render {svg}")
    out: dict[int, Rendered] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise SystemExit(f"could not encode the {size}px PNG")
        buffer.close()
        # Format_ARGB32 is 0xAARRGGBB per pixel, so B, G, R, A in little-endian memory order
        pixels = struct.pack(f"<{size * size}I", *(image.pixel(x, y) for y in range(size) for x in range(size)))
        out[size] = Rendered(png=bytes(data.data()), bgra=pixels)
    return out


def _dib(size: int, bgra: bytes) -> bytes:
    """An ICO image entry in the classic DIB form: header, bottom-up BGRA rows, AND mask."""
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    row = size * 4
    pixels = b"".join(bgra[y * row : (y + 1) * row] for y in reversed(range(size)))
    mask = b"\0" * (((size + 31) // 32) * 4 * size)  # transparency comes from the alpha channel
    return header + pixels + mask


def ico_bytes(images: dict[int, Rendered], sizes: tuple[int, ...] = ICO_SIZES) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, image count
    directory = b""
    payload = b""
    offset = 6 + 16 * len(sizes)
    for size in sizes:
        data = images[size].png if size >= 256 else _dib(size, images[size].bgra)
        dim = 0 if size >= 256 else size
        # width, height, palette colours, reserved, colour planes, bits per pixel, size, offset
        directory += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    return header + directory + payload


def icns_bytes(images: dict[int, Rendered], types: tuple[tuple[bytes, int], ...] = ICNS_TYPES) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(images[size].png)) + images[size].png for kind, size in types)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=ICONS / "app.svg")
    parser.add_argument("--out-dir", type=Path, default=ICONS)
    parser.add_argument("--png-dir", type=Path, help="also write the rendered PNGs here")
    args = parser.parse_args(argv)

    sizes = set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    images = render(args.svg, sizes)
    if args.png_dir:
        args.png_dir.mkdir(parents=True, exist_ok=True)
        for size, image in images.items():
            (args.png_dir / f"app-{size}.png").write_bytes(image.png)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in (("app.ico", ico_bytes(images)), ("app.icns", icns_bytes(images))):
        target = args.out_dir / name
        target.write_bytes(data)
        print(f"wrote {target} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
