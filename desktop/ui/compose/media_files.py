"""The composer's media files: copied into the data dir and thumbnailed off the GUI thread.

:class:`MediaFiles` keeps the thumbnails and preview-sized images by path (QImages: built on a
worker, shown by the media strip and the preview) and the per-file warnings; the controller
decides what a stored file means for the post."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from desktop.services import compose
from desktop.services.compose import MediaRef
from desktop.ui.errors import explain

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

PREVIEW_PX = 720
THUMB_PX = 168


def images(path: Path) -> tuple[QImage, QImage]:
    """A square thumbnail and a preview-sized copy (QImage: safe off the GUI thread)."""
    full = QImage(str(path))
    if full.isNull():
        return full, full
    preview = full
    if max(full.width(), full.height()) > PREVIEW_PX:
        preview = full.scaled(
            PREVIEW_PX, PREVIEW_PX, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    thumb = full.scaled(
        THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation
    )
    x, y = (thumb.width() - THUMB_PX) // 2, (thumb.height() - THUMB_PX) // 2
    return thumb.copy(x, y, THUMB_PX, THUMB_PX), preview


class MediaFiles(QObject):
    """Stores files and makes their images, through the runner (owner-bound)."""

    #: Thumbnails / previews arrived.
    images_changed = Signal()
    #: A file could not be stored (a sentence for the user).
    failed = Signal(str)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.thumbs: dict[str, QImage] = {}
        self.previews: dict[str, QImage] = {}
        self.warnings: dict[str, str] = {}

    def store(self, paths: Sequence[Path], then: Callable[[MediaRef], None]) -> None:
        """Copy each file into the data dir (by content hash), make its images, then ``then(ref)``."""
        ctx = self.ctx
        for path in paths:

            def work(path: Path = Path(path)) -> tuple[MediaRef, QImage, QImage]:
                ref = compose.store_file(ctx, path)
                return (ref, *images(ref.path))

            def done(result: tuple[MediaRef, QImage, QImage]) -> None:
                ref, thumb, preview = result
                self.thumbs[str(ref.path)], self.previews[str(ref.path)] = thumb, preview
                then(ref)

            def failed(exc: Exception, path: Path = Path(path)) -> None:
                self.failed.emit(f"{path.name} could not be added. {explain(exc).sentence}")

            self.runner.run(work, on_done=done, on_error=failed, name="store_media", owner=self)

    def load_thumbnails(self, media: Sequence[MediaRef]) -> None:
        missing = [m.path for m in media if str(m.path) not in self.thumbs]
        if not missing:
            return

        def work() -> list[tuple[str, QImage, QImage]]:
            return [(str(p), *images(p)) for p in missing]

        def done(found: list[tuple[str, QImage, QImage]]) -> None:
            for key, thumb, preview in found:
                self.thumbs[key], self.previews[key] = thumb, preview
            self.images_changed.emit()

        def failed(_exc: Exception) -> None:
            """A file that cannot be read shows no thumbnail; the post still names it."""

        self.runner.run(work, on_done=done, on_error=failed, name="thumbnails", owner=self)
