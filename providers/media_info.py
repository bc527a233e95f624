"""What a media file is, read from its content only: MIME type, pixel size and, for video,
duration (no Pillow, no ffprobe).

The file name is never consulted: an executable renamed ``.png`` is "not a supported image or
video", and a real PNG named ``.jpg`` is a PNG. MP4/MOV durations and sizes come from the
``moov`` box (``mvhd``, ``tkhd``), wherever it sits in the file; WebM ones from the EBML
``Info`` and ``Tracks`` elements near the start.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: What :func:`sniff_mime` answers for content it does not recognise.
UNKNOWN = "application/octet-stream"

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
)
#: ISO base media file brands (the ``ftyp`` box's major brand) that are not plain MP4 video.
_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heic",
    b"qt  ": "video/quicktime",
}
#: How far into a file the headers are looked for (JPEG frame headers can follow a big EXIF block).
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class MediaInfo:
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    duration: float | None = None  # seconds, for video

    @property
    def known(self) -> bool:
        """The content is an image or video format we recognise."""
        return self.mime != UNKNOWN

    @property
    def is_video(self) -> bool:
        return self.mime.startswith("video/")


def sniff_mime(head: bytes) -> str:
    """The MIME type from the file's first bytes, else :data:`UNKNOWN`."""
    for magic, offset, mime in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _BRANDS.get(head[8:12], "video/mp4")
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska or WebM
        return "video/webm"
    return UNKNOWN


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, JPEG or WebP image, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data[:3] == b"\xff\xd8\xff":
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return int(w & 0x3FFF), int(h & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        b = data[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return w, h
    if chunk == b"VP8X" and len(data) >= 30:
        w = 1 + int.from_bytes(data[24:27], "little")
        h = 1 + int.from_bytes(data[27:30], "little")
        return w, h
    return None


# --- MP4 / QuickTime ---------------------------------------------------------------------------


def _boxes(fh: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each box between ``start`` and ``end``."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        payload = pos + 8
        if size == 1:  # 64-bit size follows
            large = fh.read(8)
            if len(large) < 8:
                return
            (size,) = struct.unpack(">Q", large)
            payload += 8
        elif size == 0:  # to the end of the enclosing box
            size = end - pos
        if size < payload - pos or pos + size > end:
            return  # damaged: stop rather than guess
        yield kind, payload, pos + size
        pos += size


def _mp4_info(fh: BinaryIO, file_size: int) -> tuple[float | None, tuple[int, int] | None]:
    """(duration in seconds, largest track's pixel size) from the ``moov`` box."""
    duration: float | None = None
    dims: tuple[int, int] | None = None
    for kind, payload, end in _boxes(fh, 0, file_size):
        if kind != b"moov":
            continue
        for sub, sub_payload, sub_end in _boxes(fh, payload, end):
            if sub == b"mvhd":
                fh.seek(sub_payload)
                body = fh.read(min(32, sub_end - sub_payload))
                if body[:1] == b"\x01" and len(body) >= 32:
                    scale, units = struct.unpack(">IQ", body[20:32])
                elif len(body) >= 20:
                    scale, units = struct.unpack(">II", body[12:20])
                else:
                    continue
                if scale:
                    duration = units / scale
            elif sub == b"trak":
                for box, box_payload, box_end in _boxes(fh, sub_payload, sub_end):
                    if box != b"tkhd":
                        continue
                    fh.seek(box_payload)
                    body = fh.read(box_end - box_payload)
                    if len(body) >= 8:  # width and height are the last 8 bytes, 16.16 fixed point
                        w, h = struct.unpack(">II", body[-8:])
                        w, h = w >> 16, h >> 16
                        if w and h and (dims is None or w * h > dims[0] * dims[1]):
                            dims = (w, h)
        break
    return duration, dims


# --- WebM / Matroska (EBML) --------------------------------------------------------------------

_SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _VIDEO = 0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0
_TIMECODE_SCALE, _DURATION, _PIXEL_WIDTH, _PIXEL_HEIGHT = 0x2AD7B1, 0x4489, 0xB0, 0xBA


def _vint(data: bytes, i: int, *, keep_marker: bool) -> tuple[int, int] | None:
    if i >= len(data) or data[i] == 0:
        return None
    first = data[i]
    length = 8 - first.bit_length() + 1
    if i + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for b in data[i + 1 : i + length]:
        value = (value << 8) | b
    return value, i + length


def _elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(id, payload start, payload end) of each EBML element in ``data[start:end]``."""
    i = start
    while i < end:
        ident = _vint(data, i, keep_marker=True)
        if ident is None:
            return
        size = _vint(data, ident[1], keep_marker=False)
        if size is None:
            return
        payload = size[1]
        length = size[0]
        unknown = length == (1 << (7 * (payload - ident[1]))) - 1  # "unknown size": runs to the end
        stop = end if unknown else min(end, payload + length)
        yield ident[0], payload, stop
        i = stop


def _webm_info(head: bytes) -> tuple[float | None, tuple[int, int] | None]:
    scale, raw_duration = 1_000_000, None
    dims: tuple[int, int] | None = None
    for top, payload, end in _elements(head, 0, len(head)):
        if top != _SEGMENT:
            continue
        for kind, p, e in _elements(head, payload, end):
            if kind == _INFO:
                for field, fp, fe in _elements(head, p, e):
                    if field == _TIMECODE_SCALE and fe > fp:
                        scale = int.from_bytes(head[fp:fe], "big")
                    elif field == _DURATION and fe - fp in (4, 8):
                        (raw_duration,) = struct.unpack(">f" if fe - fp == 4 else ">d", head[fp:fe])
            elif kind == _TRACKS:
                for entry, ep, ee in _elements(head, p, e):
                    if entry != _TRACK_ENTRY:
                        continue
                    for sub, sp, se in _elements(head, ep, ee):
                        if sub != _VIDEO:
                            continue
                        pixel = {f: int.from_bytes(head[fp:fe], "big") for f, fp, fe in _elements(head, sp, se)}
                        w, h = pixel.get(_PIXEL_WIDTH, 0), pixel.get(_PIXEL_HEIGHT, 0)
                        if w and h:
                            dims = (w, h)
        break
    duration = raw_duration * scale / 1e9 if raw_duration is not None else None
    return duration, dims


def read_media_info(path: Path) -> MediaInfo:
    """MIME type (from the content), byte size, pixel size and (video) duration of a file."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        mime = sniff_mime(head)
        duration: float | None = None
        dims: tuple[int, int] | None = None
        if mime.startswith("image/"):
            dims = image_size(head)
        elif mime in ("video/mp4", "video/quicktime"):
            duration, dims = _mp4_info(fh, size)
        elif mime == "video/webm":
            duration, dims = _webm_info(head)
    return MediaInfo(
        mime=mime,
        size=size,
        width=dims[0] if dims else None,
        height=dims[1] if dims else None,
        duration=duration,
    )
