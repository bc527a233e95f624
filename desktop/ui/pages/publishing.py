"""Publishing: is it running, what needs the user (Retry / Edit / Cancel), and the attempt log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services import activity
from desktop.services.accounts import list_accounts
from desktop.services.activity import AttentionRow
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.publishing.models import OUTCOME_TEXT, AttemptLogModel, AttentionModel
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.table_model import ROW_ROLE, SORT_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.publishing.engine import PublishingEngine
    from desktop.ui.tasks import TaskRunner


def _table(model: AttentionModel | AttemptLogModel, stretch: int) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(34)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view, proxy


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; font-size: 14px;")
    return label


class PublishingPage(Page):
    key = "publishing"
    title = "Publishing"
    icon_name = "send"
    subtitle = "What went out, what will retry, and what needs you."

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        parent: QWidget | None = None,
        engine: PublishingEngine | None = None,
    ) -> None:
        super().__init__(ctx, runner, parent)
        self.engine = engine
        self.pause_button = QPushButton(icon("pause"), "Pause all publishing")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._toggle_pause)
        self.publish_button = QPushButton(icon("send", "#ffffff"), "Publish due posts now")
        self.publish_button.setProperty("primary", True)
        self.publish_button.clicked.connect(self.publish_now)
        self.header_actions.addWidget(self.pause_button)
        self.header_actions.addWidget(self.publish_button)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.body.addWidget(self.status)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        # needs attention
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 6)
        row = QHBoxLayout()
        row.addWidget(_heading("Needs your attention"))
        row.addStretch(1)
        self.retry_button = QPushButton(icon("refresh"), "Retry")
        self.retry_button.setToolTip("Send it again now — only this account, never the ones already live")
        self.edit_button = QPushButton(icon("compose"), "Edit…")
        self.cancel_button = QPushButton("Cancel post")
        self.cancel_button.setProperty("danger", True)
        for b in (self.retry_button, self.edit_button, self.cancel_button):
            row.addWidget(b)
        self.retry_button.clicked.connect(self._retry)
        self.edit_button.clicked.connect(self._edit)
        self.cancel_button.clicked.connect(self._cancel)
        top_layout.addLayout(row)
        self.attention = AttentionModel(self)
        self.attention_view, self.attention_proxy = _table(self.attention, AttentionModel.ERROR)
        self.attention_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.attention_view.doubleClicked.connect(lambda _i: self._edit())
        self.all_clear = EmptyState(
            "check", "Nothing needs your attention", "Failed posts and accounts that need reconnecting show up here."
        )
        self.attention_stack = QStackedWidget()
        self.attention_stack.addWidget(self.all_clear)
        self.attention_stack.addWidget(self.attention_view)
        top_layout.addWidget(self.attention_stack)
        split.addWidget(top)
        # the log
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 6, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(_heading("Publishing log"))
        filters.addStretch(1)
        self.outcome_filter = QComboBox()
        self.outcome_filter.addItem("All outcomes", None)
        for value, text in OUTCOME_TEXT.items():
            self.outcome_filter.addItem(text, value)
        self.account_filter = QComboBox()
        self.account_filter.addItem("All accounts", None)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search text or errors")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(240)
        for w in (self.outcome_filter, self.account_filter, self.search):
            filters.addWidget(w)
        bottom_layout.addLayout(filters)
        self.log = AttemptLogModel(self)
        self.log_view, self.log_proxy = _table(self.log, AttemptLogModel.ERROR)
        self.log_view.sortByColumn(AttemptLogModel.WHEN, Qt.SortOrder.DescendingOrder)
        bottom_layout.addWidget(self.log_view)
        split.addWidget(bottom)
        split.setSizes([260, 380])
        self.body.addWidget(split, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._load_log)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.outcome_filter.currentIndexChanged.connect(lambda _i: self._load_log())
        self.account_filter.currentIndexChanged.connect(lambda _i: self._load_log())
        if engine is not None:
            engine.pass_started.connect(self._show_status)
            engine.pass_finished.connect(lambda _r: self.refresh())
            engine.paused_changed.connect(self._paused)
        self._update_buttons()

    # --- loading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._show_status()
        self.runner.run(lambda: activity.needs_attention(self.ctx), on_done=self._show_attention)
        self.runner.run(lambda: list_accounts(self.ctx), on_done=self._fill_accounts)
        self._load_log()
        from desktop.services import app_settings

        self.runner.run(lambda: bool(app_settings.get(self.ctx, app_settings.PUBLISHING_PAUSED)), on_done=self._paused)

    def _load_log(self) -> None:
        outcome, account_id, search = (
            self.outcome_filter.currentData(),
            self.account_filter.currentData(),
            self.search.text(),
        )
        self.runner.run(
            lambda: activity.attempt_log(self.ctx, outcome=outcome, account_id=account_id, search=search),
            on_done=self.log.set_rows,
        )

    def _fill_accounts(self, rows: list) -> None:  # type: ignore[type-arg]
        current = self.account_filter.currentData()
        self.account_filter.blockSignals(True)
        while self.account_filter.count() > 1:
            self.account_filter.removeItem(1)
        for r in rows:
            self.account_filter.addItem(r.handle, r.id)
        index = self.account_filter.findData(current)
        self.account_filter.setCurrentIndex(max(0, index))
        self.account_filter.blockSignals(False)

    def _show_attention(self, rows: list[AttentionRow]) -> None:
        self.attention.set_rows(rows)
        self.attention_stack.setCurrentWidget(self.attention_view if rows else self.all_clear)
        self._update_buttons()

    def _show_status(self) -> None:
        engine = self.engine
        if engine is None:
            self.status.setText("")
            return
        if self.pause_button.isChecked():
            text = "Publishing is paused: nothing goes out until you resume."
        elif engine.running:
            text = "Publishing due posts…"
        elif engine.last_pass:
            text = f"Publishing is on. Last checked {engine.last_pass:%H:%M:%S}; checks every 30 seconds."
        else:
            text = "Publishing is on."
        self.status.setText(text)

    def _paused(self, paused: bool) -> None:
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.setText("Resume publishing" if paused else "Pause all publishing")
        self.pause_button.blockSignals(False)
        self._show_status()

    # --- actions --------------------------------------------------------------------------------

    def selected(self) -> AttentionRow | None:
        rows = self.attention_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        for b in (self.retry_button, self.edit_button, self.cancel_button):
            b.setEnabled(has)

    def publish_now(self) -> None:
        if self.engine is not None:
            self.engine.run_now()
            self._show_status()

    def _toggle_pause(self, paused: bool) -> None:
        if self.engine is not None:
            self.engine.set_paused(paused)

    def _retry(self) -> None:
        row = self.selected()
        if row is not None:
            self.runner.run(
                lambda: activity.retry_variant(self.ctx, row.variant_id),
                on_done=lambda _r: self._after_change(run=True),
                on_error=self._error,
            )

    def _cancel(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "Cancel post", cancel_question(row))
        if answer == QMessageBox.StandardButton.Yes:
            self.runner.run(
                lambda: activity.cancel_variant(self.ctx, row.variant_id),
                on_done=lambda _r: self._after_change(),
                on_error=self._error,
            )

    def _edit(self) -> None:
        row = self.selected()
        if row is not None:
            self.edit_post.emit(row.post_id)

    def _after_change(self, *, run: bool = False) -> None:
        self.refresh()
        if run:
            self.publish_now()

    def _error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Publishing", str(exc))
        self.refresh()


def cancel_question(row: AttentionRow) -> str:
    """What cancelling stops, and what it cannot take back."""
    if row.live_urls:
        one = len(row.live_urls) == 1
        shown = "Part 1 is" if one else f"Parts 1–{len(row.live_urls)} are"
        links = "\n".join(row.live_urls)
        return (
            f"Stop the rest of the thread to {row.handle}?\n\n{shown} already public and "
            f"{'stays' if one else 'stay'} on the network until you delete {'it' if one else 'them'} there:\n{links}"
        )
    if row.state == "outcome_unknown":
        return (
            f"Stop the post to {row.handle}?\n\nIt may already be on the network (sending was interrupted): "
            "check there, and delete it there if you want it gone."
        )
    return f"Stop the post to {row.handle}? It will not be sent."
