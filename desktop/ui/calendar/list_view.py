"""The calendar's list: one row per variant in the period, sorted by the model itself (see
CalendarModel.sort); Enter or a double-click opens the post, Delete asks before deleting it, a
right-click shows the same menu as a chip."""

from __future__ import annotations

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from desktop.ui.calendar.model import CalendarModel
from desktop.ui.widgets.row_table import set_up_row_table
from desktop.ui.widgets.table_model import ROW_ROLE


class CalendarListView(QTableView):
    #: The post of a row to open in the composer (Enter, or a double-click).
    open_post = Signal(int)
    #: A row's item (a CalendarItem) to delete, once the user agrees (Delete, Backspace).
    delete_requested = Signal(object)
    #: A row's item (a CalendarItem) and where (global) to show its menu.
    context_requested = Signal(object, QPoint)

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proxy = QIdentityProxyModel(self)  # sorting is the model's own (see CalendarModel.sort)
        self.proxy.setSourceModel(model)
        set_up_row_table(self, self.proxy, row_height=34, sort_by=(CalendarModel.WHEN, Qt.SortOrder.AscendingOrder))
        header = self.horizontalHeader()
        # widths from the view's own (see _fit_columns): ResizeToContents would measure a thousand
        # rows on every reload
        self._fit_columns()
        header.setSectionResizeMode(CalendarModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.activated.connect(self._open_row)  # Enter, or a double-click
        delete_row = QAction("Delete…", self)
        delete_row.setShortcuts([QKeySequence(QKeySequence.StandardKey.Delete), QKeySequence("Backspace")])
        delete_row.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete_row.triggered.connect(self._delete_row)
        self.addAction(delete_row)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._row_menu)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The account and campaign columns give way in a narrow window (their text elided), so
        the post's text keeps a place on screen beside them."""
        width = self.viewport().width()
        header = self.horizontalHeader()
        header.resizeSection(CalendarModel.WHEN, 150)
        header.resizeSection(CalendarModel.STATE, 100)
        header.resizeSection(CalendarModel.ACCOUNT, max(140, min(240, width // 4)))
        header.resizeSection(CalendarModel.CAMPAIGN, max(110, min(150, width // 6)))

    def _row_menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if index.isValid():
            self.context_requested.emit(index.data(ROW_ROLE), self.viewport().mapToGlobal(pos))

    def _delete_row(self) -> None:
        index = self.currentIndex()
        if index.isValid():
            self.delete_requested.emit(index.data(ROW_ROLE))

    def _open_row(self, index: QModelIndex) -> None:
        self.open_post.emit(index.data(ROW_ROLE).post_id)
