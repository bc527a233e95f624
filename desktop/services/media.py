"""Media files are copied into the data dir under their content hash, so a scheduled post
never depends on a file the user may move or delete."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from desktop.store.models import Media
from desktop.store.paths import media_dir
from providers.base import MediaItem
from providers.media_info import MediaInfo, read_media_info

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext


class MediaError(Exception):
    pass


@dataclass(frozen=True)
class StoredMedia:
    id: int
    path: Path  # absolute, inside the data dir
    mime: str
    size: int
    width: int | None
    height: int | None
    original_name: str

    def item(self, alt_text: str = "") -> MediaItem:
        return MediaItem(self.path, self.mime, alt_text, self.size, self.width, self.height)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


SUPPORTED = "PNG, JPEG, GIF, WebP, AVIF, HEIC, MP4, MOV or WebM"


def inspect_media(path: Path) -> MediaInfo:
    """What ``path`` holds, judged by its content alone: refused with :class:`MediaError` when it
    is missing, empty or not an image or video we recognise (whatever its name says)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise MediaError(f"Media file not found: {path}")
    try:
        info = read_media_info(path)
    except OSError as exc:
        raise MediaError(f"Cannot read {path.name}: {exc.strerror or exc}") from None
    if info.size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).")
    if not info.known:
        raise MediaError(
            f"{path.name} is not a supported image or video: its content is not {SUPPORTED}, whatever its name says."
        )
    return info


def store_media(ctx: AppContext, session: Session, source: Path, alt_text: str = "") -> StoredMedia:
    """Copy ``source`` into the data dir (once per content) and return its row, in ``session``.

    The content is checked first (:func:`inspect_media`): a file that fails is never copied.
    The network's own limits are for ``validate``, which callers run before storing."""
    source = Path(source).expanduser()
    info = inspect_media(source)
    sha = _sha256(source)
    row = session.scalar(select(Media).where(Media.sha256 == sha))
    if row is None:
        ext = mimetypes.guess_extension(info.mime) or ""  # from the content, never the name
        relative = Path("media") / sha[:2] / f"{sha}{ext}"
        target = ctx.data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            # copy then rename, so a crash never leaves a half-written file under the final name
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            os.close(fd)
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        row = Media(
            sha256=sha,
            path=relative.as_posix(),
            original_name=source.name,
            mime=info.mime,
            size=info.size,
            width=info.width,
            height=info.height,
            alt_text=alt_text,
        )
        session.add(row)
        session.flush()
    return stored(ctx, row)


def stored(ctx: AppContext, row: Media) -> StoredMedia:
    return StoredMedia(row.id, ctx.data_dir / row.path, row.mime, row.size, row.width, row.height, row.original_name)


def describe_media(path: Path, alt_text: str = "") -> MediaItem:
    """A MediaItem for a file not (yet) in the store, e.g. for ``check``; refused like
    :func:`inspect_media` when the content is empty or unrecognised."""
    path = Path(path).expanduser()
    info = inspect_media(path)
    return MediaItem(path, info.mime, alt_text, info.size, info.width, info.height)


__all__ = ["MediaError", "StoredMedia", "describe_media", "inspect_media", "media_dir", "store_media", "stored"]
