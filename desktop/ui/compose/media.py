"""The media strip: thumbnails over a list model, drag to reorder, alt text on click."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListView,
    QPlainTextEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.services.compose import MediaRef
from desktop.ui.compose.style import colors

Index = QModelIndex | QPersistentModelIndex
REF_ROLE = Qt.ItemDataRole.UserRole + 1
_ROW_MIME = "application/x-campaign-desk-media-row"
THUMB = 84


def make_thumbnail(path: str, size: int = THUMB * 2) -> QImage:
    """A square-cropped thumbnail (QImage: safe to build off the GUI thread)."""
    image = QImage(path)
    if image.isNull():
        return image
    scaled = image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation
    )
    x, y = (scaled.width() - size) // 2, (scaled.height() - size) // 2
    return scaled.copy(x, y, size, size)


class MediaModel(QAbstractListModel):
    """The attached files of one tab (shared or one account), in posting order."""

    reordered = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[MediaRef] = []
        self.thumbs: dict[str, QImage] = {}
        self.warnings: dict[str, str] = {}

    def set_rows(self, rows: Sequence[MediaRef]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[MediaRef]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ref = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return ref.name or ref.path.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbs.get(str(ref.path))
        if role == Qt.ItemDataRole.ToolTipRole:
            alt = ref.alt_text or "No alt text yet — click to describe the image."
            warn = self.warnings.get(str(ref.path), "")
            return f"{ref.name or ref.path.name} · {ref.size / 1e6:.1f} MB\n{alt}" + (f"\n⚠ {warn}" if warn else "")
        if role == REF_ROLE:
            return ref
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if index.isValid():
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        return Qt.ItemFlag.ItemIsDropEnabled  # the list itself (between rows): a drop target only

    # --- drag to reorder --------------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [_ROW_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        mime.setData(_ROW_MIME, QByteArray(str(indexes[0].row()).encode()))
        return mime

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not data.hasFormat(_ROW_MIME):
            return False
        source = int(bytes(data.data(_ROW_MIME).data()).decode())
        target = parent.row() if row < 0 and parent.isValid() else row
        if target < 0:
            target = len(self._rows)
        self.move(source, target)
        return False  # we moved it ourselves: the view must not remove the source row

    def moveRows(self, src: Index, row: int, count: int, dst: Index, child: int) -> bool:
        if count != 1 or src.isValid() or dst.isValid():
            return False
        self.move(row, child)
        return True

    def move(self, source: int, target: int) -> None:
        """Move row ``source`` so it lands before row ``target`` (``len`` = to the end)."""
        if source == target or source + 1 == target or not 0 <= source < len(self._rows):
            return
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), target)
        ref = self._rows.pop(source)
        self._rows.insert(target - 1 if target > source else target, ref)
        self.endMoveRows()
        self.reordered.emit()


class ThumbnailDelegate(QStyledItemDelegate):
    """A rounded thumbnail with an ALT badge (or a warning mark when alt text is missing)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(THUMB + 12, THUMB + 12)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        c = colors(option.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRect(option.rect.x() + 6, option.rect.y() + 6, THUMB, THUMB)
        clip = QPainterPath()
        clip.addRoundedRect(rect, 8, 8)
        painter.setClipPath(clip)
        image = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            painter.drawImage(rect, image)
        else:
            painter.fillRect(rect, QColor(c.alt_base))
            painter.setPen(QColor(c.muted))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "…")
        painter.setClipping(False)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QColor(c.accent if selected else c.border))
        painter.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 8, 8)
        ref: MediaRef = index.data(REF_ROLE)
        badge = QRect(rect.left() + 5, rect.bottom() - 21, 30, 16)
        has_alt = bool(ref.alt_text.strip())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 170) if has_alt else QColor(c.warning_bg))
        painter.drawRoundedRect(badge, 4, 4)
        font = painter.font()
        font.setPixelSize(10)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff") if has_alt else QColor(c.warning_text))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "ALT" if has_alt else "+ALT")
        painter.restore()


class MediaStrip(QListView):
    """Thumbnails in a row. Click one to edit its alt text; Delete removes it."""

    alt_requested = Signal(int)
    remove_requested = Signal(int)

    def __init__(self, model: MediaModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(ThumbnailDelegate(self))
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setSpacing(0)
        self.setFixedHeight(THUMB + 16)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragEnabled(True)
        self.setDropIndicatorShown(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setStyleSheet("QListView { background: transparent; border: none; }")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clicked.connect(lambda index: self.alt_requested.emit(index.row()))
        for sig in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            sig.connect(self._fit)
        self._fit()

    def _fit(self) -> None:
        self.setVisible(self.model().rowCount() > 0)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentIndex().isValid():
            self.remove_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class AltTextDialog(QDialog):
    """Describe one image for people who cannot see it; also where it is removed."""

    REMOVE = 2

    def __init__(self, ref: MediaRef, image: QImage | None, max_chars: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Describe this image")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        picture = QLabel()
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        full = QImage(str(ref.path))
        if not full.isNull():
            picture.setPixmap(
                QPixmap.fromImage(full).scaled(
                    420, 240, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
        layout.addWidget(picture)
        hint = QLabel("Alt text tells people using screen readers what the image shows.")
        hint.setProperty("role", "muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.editor = QPlainTextEdit(ref.alt_text)
        self.editor.setPlaceholderText("e.g. Bar chart: sign-ups doubled from March to April")
        self.editor.setFixedHeight(96)
        layout.addWidget(self.editor)
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.count.setProperty("role", "muted")
        layout.addWidget(self.count)
        self._max = max_chars
        self.editor.textChanged.connect(self._count)
        self._count()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        remove = buttons.addButton("Remove image", QDialogButtonBox.ButtonRole.DestructiveRole)
        remove.setProperty("danger", True)
        remove.clicked.connect(lambda: self.done(self.REMOVE))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _count(self) -> None:
        n = len(self.editor.toPlainText())
        self.count.setText(f"{n} / {self._max}")

    def alt_text(self) -> str:
        return self.editor.toPlainText().strip()
