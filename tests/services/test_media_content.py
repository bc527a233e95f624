"""Media judged by content: a file's bytes decide what it is, never its name; a file that fails
is never copied into the data dir; CSV media paths stay inside the CSV's folder."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.services import posts
from desktop.services.context import AppContext
from desktop.services.csv_import import parse_csv
from desktop.services.media import MediaError, describe_media
from desktop.services.posts import MediaSpec, PostError
from desktop.store.models import Account
from providers.base import Limits
from providers.mastodon import DEFAULT_LIMITS, limits_from_instance
from providers.media_info import UNKNOWN, read_media_info

NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b2c9cb0000000049454e44ae426082"
)


def png(width: int, height: int) -> bytes:
    """A real, valid greyscale PNG of any size: all black rows compress to almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = zlib.compress(b"\x00" * ((width + 1) * height), 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def mp4(seconds: int, width: int = 640, height: int = 360, *, moov_last: bool = True) -> bytes:
    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    mvhd = box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\x00" * 80)
    tkhd = box(b"tkhd", b"\x00\x00\x00\x00" + b"\x00" * 72 + struct.pack(">II", width << 16, height << 16))
    moov = box(b"moov", mvhd + box(b"trak", tkhd))
    head = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
    mdat = box(b"mdat", b"\x00" * 256)
    return head + (mdat + moov if moov_last else moov + mdat)


HOSTILE = {
    "empty.png": b"",
    "elf.png": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200,
    "pe.png": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
    "script.png": b"#!/bin/sh\nrm -rf ~\n",
}


@pytest.fixture
def studio(ctx: AppContext) -> AppContext:
    with ctx.session() as s:
        s.add(Account(provider="mastodon", remote_id="1", handle="@studio@mastodon.social", server_url="https://m.s"))
        s.add(Account(provider="bluesky", remote_id="did:plc:1", handle="studio.bsky.social", server_url="https://b"))
    return ctx


def media_files(ctx: AppContext) -> list[Path]:
    folder = ctx.data_dir / "media"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- what a file is ------------------------------------------------------------------------------


def test_content_decides_the_type_never_the_name(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(PNG_1x1)  # a PNG named .jpg is a PNG
    assert read_media_info(tmp_path / "photo.jpg").mime == "image/png"
    (tmp_path / "notes.png").write_bytes(b"just some text, not an image")
    assert read_media_info(tmp_path / "notes.png").mime == UNKNOWN


@pytest.mark.parametrize("moov_last", [True, False], ids=["moov-at-end", "faststart"])
def test_mp4_duration_and_size_come_from_the_moov_box(tmp_path: Path, moov_last: bool) -> None:
    (tmp_path / "clip.mp4").write_bytes(mp4(200, 1920, 1080, moov_last=moov_last))
    info = read_media_info(tmp_path / "clip.mp4")
    assert (info.mime, info.duration, info.width, info.height) == ("video/mp4", 200.0, 1920, 1080)


def test_webm_duration_and_size_come_from_its_ebml_header(tmp_path: Path) -> None:
    def el(ident: bytes, body: bytes) -> bytes:
        return (
            ident + bytes([0x80 | len(body)]) + body if len(body) < 127 else ident + b"\x40" + bytes([len(body)]) + body
        )

    info = el(b"\x2a\xd7\xb1", (1_000_000).to_bytes(3, "big")) + el(b"\x44\x89", struct.pack(">d", 95_500.0))
    video = el(b"\xe0", el(b"\xb0", (1280).to_bytes(2, "big")) + el(b"\xba", (720).to_bytes(2, "big")))
    segment = el(b"\x15\x49\xa9\x66", info) + el(b"\x16\x54\xae\x6b", el(b"\xae", video))
    data = el(b"\x1a\x45\xdf\xa3", b"\x42\x82\x84webm") + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + segment
    (tmp_path / "clip.webm").write_bytes(data)
    got = read_media_info(tmp_path / "clip.webm")
    assert (got.mime, got.duration, got.width, got.height) == ("video/webm", 95.5, 1280, 720)


@pytest.mark.parametrize("name", list(HOSTILE), ids=list(HOSTILE))
def test_empty_files_and_programs_named_png_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(HOSTILE[name])
    with pytest.raises(MediaError) as refused:
        describe_media(tmp_path / name)
    expected = "is empty (0 bytes)" if name == "empty.png" else "is not a supported image or video"
    assert expected in str(refused.value)


# --- limits declared per network -------------------------------------------------------------


def test_limits_round_trip_and_mastodon_instances_report_their_own() -> None:
    assert Limits.from_json(DEFAULT_LIMITS.to_json()) == DEFAULT_LIMITS
    doc = {"configuration": {"media_attachments": {"image_matrix_limit": 16_777_216, "video_matrix_limit": 2_073_600}}}
    got = limits_from_instance(doc)
    assert (got.max_image_pixels, got.max_video_pixels) == (16_777_216, 2_073_600)
    assert Limits.from_json({"max_chars": 10}).max_image_pixels == 0  # older saved limits: no cap


def test_a_tiny_png_with_too_many_pixels_is_refused_for_mastodon(studio: AppContext, tmp_path: Path) -> None:
    big = tmp_path / "poster.png"
    big.write_bytes(png(8000, 5000))  # 40 Mpx, a few kB
    assert big.stat().st_size < 100_000
    (check,) = posts.check_targets(studio, networks=["mastodon"], text="Poster", media=[MediaSpec(big, "A poster")])
    assert [p.code for p in check.problems] == ["media_pixels"]
    assert "8000×5000 (40.0 megapixels); Mastodon takes up to 33.2 megapixels" in check.problems[0].message


def test_a_video_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    from providers.base import PostRequest
    from providers.mastodon import MastodonProvider

    (tmp_path / "long.mp4").write_bytes(mp4(200))
    item = describe_media(tmp_path / "long.mp4", "A clip")
    capped = Limits(max_chars=500, media_types=frozenset({"video/mp4"}), max_video_bytes=10**8, max_video_seconds=180)
    problems = MastodonProvider().validate(PostRequest.single("Watch", [item]), capped)
    assert [p.code for p in problems] == ["media_duration"]
    assert "lasts 200 s; Mastodon takes videos up to 180 s" in problems[0].message


# --- nothing refused is copied ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.png", "elf.png", "script.png"])
def test_schedule_refuses_and_copies_nothing(studio: AppContext, tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(HOSTILE[name])
    with pytest.raises((MediaError, PostError)):
        posts.schedule_post(
            studio, account_ids=[1], text="Hi", media=[MediaSpec(tmp_path / name, "x")], at=NOW, clock=NOW
        )
    assert media_files(studio) == []
    assert posts.list_posts(studio) == []


def test_schedule_refused_by_the_network_copies_nothing(studio: AppContext, tmp_path: Path) -> None:
    (tmp_path / "poster.png").write_bytes(png(8000, 5000))
    with pytest.raises(PostError):
        posts.schedule_post(
            studio, account_ids=[1], text="Hi", media=[MediaSpec(tmp_path / "poster.png", "x")], at=NOW, clock=NOW
        )
    assert posts.list_posts(studio) == []
    assert media_files(studio) == []  # refused before anything was copied


# --- CSV media paths -----------------------------------------------------------------------------


def _csv(folder: Path, media: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "posts.csv"
    path.write_text(f"text,accounts,time,media,alt text\nHi,studio.bsky.social,2027-02-01 09:00,{media},A dot\n")
    return path


def test_csv_media_inside_the_folder_is_listed_with_its_content(studio: AppContext, tmp_path: Path) -> None:
    (tmp_path / "sheet" / "pics").mkdir(parents=True)
    (tmp_path / "sheet" / "pics" / "dot.png").write_bytes(PNG_1x1)
    (row,) = parse_csv(studio, _csv(tmp_path / "sheet", "pics/dot.png"), clock=NOW).rows
    assert row.ok, row.errors
    (item,) = row.media_items
    assert (item.mime, item.size, item.width, item.height) == ("image/png", len(PNG_1x1), 1, 1)
    assert row.media[0].path == (tmp_path / "sheet" / "pics" / "dot.png").resolve()


@pytest.mark.parametrize("how", ["dotdot", "absolute"])
def test_csv_media_outside_the_folder_needs_allow_media_anywhere(studio: AppContext, tmp_path: Path, how: str) -> None:
    (tmp_path / "secret.png").write_bytes(PNG_1x1)
    cell = "../secret.png" if how == "dotdot" else str(tmp_path / "secret.png")
    csv = _csv(tmp_path / "sheet", cell)
    (row,) = parse_csv(studio, csv, clock=NOW).rows
    assert len(row.errors) == 1 and "outside the CSV file's folder" in row.errors[0]
    assert "--allow-media-anywhere" in row.errors[0]
    (row,) = parse_csv(studio, csv, clock=NOW, allow_media_anywhere=True).rows
    assert row.ok, row.errors


def test_csv_media_is_judged_by_content(studio: AppContext, tmp_path: Path) -> None:
    (tmp_path / "sheet").mkdir()
    (tmp_path / "sheet" / "elf.png").write_bytes(HOSTILE["elf.png"])
    (row,) = parse_csv(studio, _csv(tmp_path / "sheet", "elf.png"), clock=NOW).rows
    assert row.errors == (
        "media 'elf.png': elf.png is not a supported image or video: its content is not "
        "PNG, JPEG, GIF, WebP, AVIF, HEIC, MP4, MOV or WebM, whatever its name says.",
    )
