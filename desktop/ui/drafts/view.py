"""The list of draft cards: Enter or a double-click opens one, Delete asks to delete the
selected ones, and dragging one carries its post id (with a picture of the card) to the calendar."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QDrag, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from desktop.ui import theme
from desktop.ui.drafts.delegate import CardColors, DraftDelegate
from desktop.ui.drafts.model import ROW_ROLE, DraftsModel

DRAG_WIDTH = 420  # the card as it follows the pointer


class DraftsView(QListView):
    #: Open this post in the composer.
    open_requested = Signal(int)
    #: Delete the selected drafts (after asking).
    delete_requested = Signal()
    #: Make a copy of this draft.
    duplicate_requested = Signal(int)

    def __init__(self, model: DraftsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DraftsList")
        self.setModel(model)
        self.card = DraftDelegate(self)
        self.setItemDelegate(self.card)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)  # hover outlines
        self.setAccessibleName("Drafts")
        self.setAccessibleDescription(
            "Enter opens the draft, Delete deletes the selected drafts, drag one to the calendar"
        )
        self.doubleClicked.connect(self.open_index)
        theme.notifier().changed.connect(self._restyle)

    def drafts(self) -> DraftsModel:
        model = self.model()
        assert isinstance(model, DraftsModel)
        return model

    def selected_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.drafts().row_at(r).id for r in rows]

    def _restyle(self, _colors: object = None) -> None:
        self.viewport().update()

    def open_current(self) -> None:
        self.open_index(self.currentIndex())

    def open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.drafts().row_at(index.row()).id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_current()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectionModel().hasSelection():
            self.delete_requested.emit()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        post_id = self.drafts().row_at(index.row()).id
        menu = QMenu(self)
        menu.addAction("Open in Compose", lambda: self.open_requested.emit(post_id))
        menu.addAction("Duplicate", lambda: self.duplicate_requested.emit(post_id))
        menu.addSeparator()
        menu.addAction("Delete…", self.delete_requested.emit)
        menu.popup(event.globalPos())

    # --- dragging ----------------------------------------------------------------------------

    def card_pixmap(self, index: QModelIndex) -> QPixmap:
        """The card at ``index`` as a picture (what follows the pointer while dragging)."""
        row = index.data(ROW_ROLE)
        if row is None:
            return QPixmap()
        height = self.sizeHintForIndex(index).height()
        width = min(self.viewport().width(), DRAG_WIDTH)
        ratio = self.devicePixelRatioF()
        pix = QPixmap(int(width * ratio), int(height * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        colors = CardColors.for_theme(theme.current(), selected=True)
        self.card.paint_card(painter, QRect(0, 0, width, height), self.font(), row, index, colors)
        painter.end()
        return pix

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        index = self.currentIndex()
        if not index.isValid():
            return
        drag = QDrag(self)
        drag.setMimeData(self.drafts().mimeData([index]))
        pix = self.card_pixmap(index)
        drag.setPixmap(pix)
        grabbed = self.viewport().mapFromGlobal(self.cursor().pos()) - self.visualRect(index).topLeft()
        size = pix.deviceIndependentSize()
        drag.setHotSpot(
            QPoint(min(max(grabbed.x(), 0), int(size.width())), min(max(grabbed.y(), 0), int(size.height())))
        )
        drag.exec(Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, Qt.DropAction.CopyAction)
