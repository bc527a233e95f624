"""The composer's media actions: add (dialog, drop, paste), check per network, alt text, remove.

Files are copied into the data dir and thumbnailed off the GUI thread; the reply is checked
against every selected account's limits at once, so a refusal is shown when the file is added.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QFileDialog

from desktop.services import compose
from desktop.services.compose import MediaRef, Override
from desktop.ui.compose.editor import local_files
from desktop.ui.compose.media import AltTextDialog, make_thumbnail

if TYPE_CHECKING:
    from desktop.ui.compose.composer import Composer

FILE_FILTER = "Images and videos (*.png *.jpg *.jpeg *.gif *.webp *.avif *.heic *.mp4 *.mov *.webm);;All files (*)"
PREVIEW_PX = 720


def _images(path: Path) -> tuple[QImage, QImage]:
    full = QImage(str(path))
    if full.isNull():
        return full, full
    preview = full
    if max(full.width(), full.height()) > PREVIEW_PX:
        preview = full.scaled(
            PREVIEW_PX, PREVIEW_PX, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return make_thumbnail(str(path)), preview


class MediaOps:
    """Mixed into :class:`Composer` (which owns the widgets and the document)."""

    def choose_media(self: Composer) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add images or video", str(Path.home()), FILE_FILTER)
        if paths:
            self.add_media_files([Path(p) for p in paths])

    def add_media_files(self: Composer, paths: Sequence[Path]) -> None:
        """Attach files to the current tab (what the file dialog, a drop and a paste all call)."""
        key = self.current
        for path in paths:

            def work(path: Path = Path(path)) -> tuple[MediaRef, QImage, QImage]:
                ref = compose.store_file(self.ctx, path)
                return (ref, *_images(ref.path))

            self.runner.run(
                work,
                on_done=lambda result, key=key: self._media_stored(key, *result),
                on_error=lambda exc, path=path: self.show_notice(f"{Path(path).name} could not be added: {exc}"),
                name="store_media",
            )

    # files dropped anywhere on the composer (the editor handles drops on itself)
    def dragEnterEvent(self: Composer, event: Any) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self: Composer, event: Any) -> None:
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.add_media_files(files)

    def add_pasted_image(self: Composer, image: QImage) -> None:
        """A pasted image is saved as a PNG, then added like a file (and copied into the data dir)."""
        fd, name = tempfile.mkstemp(prefix="pasted-", suffix=".png")
        os.close(fd)
        if not image.save(name, "PNG"):
            self.show_notice("The pasted image could not be read.")
            return
        self.add_media_files([Path(name)])

    def _media_stored(self: Composer, key: int | None, ref: MediaRef, thumb: QImage, preview: QImage) -> None:
        self.thumbs[str(ref.path)] = thumb
        self.previews[str(ref.path)] = preview
        targets = [self.targets[a] for a in self.doc.account_ids if (key is None or a == key) and a in self.targets]
        refused = compose.check_media(ref, targets, self.ctx.registry)
        name = ref.name or ref.path.name
        if targets and len(refused) == len(targets):
            first = next(iter(refused.values()))[0]
            self.show_notice(f"Not added — {first.message}")
            return
        media = self._tab_media(key)
        if any(m.path == ref.path for m in media):
            self.show_notice(f"{name} is already attached.")
            return
        self._set_tab_media(key, [*media, ref])
        if refused:
            who = ", ".join(f"{self.targets[a].network_name} {self.targets[a].label}" for a in refused)
            reason = next(iter(refused.values()))[0].message
            self.media_model.warnings[str(ref.path)] = reason
            self.show_notice(f"{name} won't work for {who}: {reason} Give that account its own media in its tab.")
        else:
            self.show_notice("")

    def load_thumbnails(self: Composer, media: Iterable[MediaRef]) -> None:
        missing = [m.path for m in media if str(m.path) not in self.thumbs]
        if not missing:
            return

        def work() -> list[tuple[str, QImage, QImage]]:
            return [(str(p), *_images(p)) for p in missing]

        def done(found: list[tuple[str, QImage, QImage]]) -> None:
            for key, thumb, preview in found:
                self.thumbs[key], self.previews[key] = thumb, preview
            self.media_model.set_rows(self.media_model.rows())
            self.update_preview()

        self.runner.run(work, on_done=done, name="thumbnails")

    # --- editing the list ----------------------------------------------------------------------------

    def _tab_media(self: Composer, key: int | None) -> list[MediaRef]:
        return list(self.doc.media) if key is None else self.doc.media_for(key)

    def _set_tab_media(self: Composer, key: int | None, media: list[MediaRef]) -> None:
        if key is None:
            self.doc.media = media
        else:
            override = self.doc.overrides.setdefault(key, Override())
            override.media = None if media == self.doc.media else media
            if override.parts is None and override.media is None:
                self.doc.overrides.pop(key)
            self._mark_tabs()
            self._show_note()
        if key == self.current:
            self.media_model.set_rows(self._tab_media(key))
        self._touch()

    def _media_reordered(self: Composer) -> None:
        self._set_tab_media(self.current, self.media_model.rows())

    def remove_media(self: Composer, row: int) -> None:
        media = self._tab_media(self.current)
        if 0 <= row < len(media):
            media.pop(row)
            self._set_tab_media(self.current, media)

    def set_alt(self: Composer, row: int, text: str) -> None:
        media = self._tab_media(self.current)
        media[row] = replace(media[row], alt_text=text.strip())
        self._set_tab_media(self.current, media)

    def edit_alt(self: Composer, row: int) -> AltTextDialog:
        media = self._tab_media(self.current)
        ref = media[row]
        limits = [self.targets[a].limits.max_alt_chars for a in self.doc.account_ids if a in self.targets]
        dialog = AltTextDialog(ref, self.thumbs.get(str(ref.path)), min(limits, default=1500), self)

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                self.set_alt(row, dialog.alt_text())
            elif result == AltTextDialog.REMOVE:
                self.remove_media(row)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def media_rows(self: Composer) -> list[Any]:
        return self.media_model.rows()
