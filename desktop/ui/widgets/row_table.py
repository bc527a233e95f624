"""How the app's read-only tables look and move: one row per item, selected whole, no grid,
alternating rows, a fixed row height, Tab moving on to the next control (arrows move between
rows), sorting by the model's native values through a proxy."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from desktop.ui.widgets.table_model import SORT_ROLE

#: Cell padding for tables whose columns fit their contents: room between one column and the next.
ROOMY_CELLS = "QTableView::item { padding: 0px 14px 0px 4px; }"


def sorting_proxy(model: QAbstractItemModel, parent: QObject | None = None) -> QSortFilterProxyModel:
    """A proxy that sorts ``model`` by its native values (``SORT_ROLE``), not by the text shown."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return proxy


def set_up_row_table(
    view: QTableView,
    model: QAbstractItemModel,
    *,
    row_height: int,
    sort_by: tuple[int, Qt.SortOrder] | None = None,
    sortable: bool = True,
) -> None:
    """``view`` shows ``model`` as the app's tables do; ``sort_by`` (column, order) is the first sort."""
    view.setModel(model)
    view.setTabKeyNavigation(False)  # Tab moves on to the next control; arrows move between cells
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)  # one line a row: the row height is fixed
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(row_height)
    if sortable:
        view.setSortingEnabled(True)
        if sort_by is not None:
            view.sortByColumn(*sort_by)
