"""Publishing: is it running, what needs the user (Retry / Edit / Cancel), and the attempt log."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
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

from desktop.services import activity, app_settings
from desktop.services.accounts import AccountRow, list_accounts
from desktop.services.activity import AttemptRow, AttentionRow
from desktop.services.zones import format_local, user_zone_name, zone_label
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, POSTS, SETTINGS, Changes, changes
from desktop.ui.errors import Explained, explain, show_error
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.publishing.models import OUTCOME_TEXT, VIEW_POST, AttemptLogModel, AttentionModel
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.row_table import set_up_row_table, sorting_proxy
from desktop.ui.widgets.table_model import ROW_ROLE

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.publishing.engine import PublishingEngine
    from desktop.ui.tasks import TaskRunner

PAUSED_KEY = app_settings.PUBLISHING_PAUSED


def _table(model: AttentionModel | AttemptLogModel, stretch: int) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = sorting_proxy(model)
    view = QTableView()
    set_up_row_table(view, proxy, row_height=34)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(60)
    return view, proxy


def _share(view: QTableView, shares: dict[int, float]) -> None:
    """Give columns a share of the table's width (the rest fit or stretch)."""
    width = view.viewport().width()
    for column, share in shares.items():
        view.setColumnWidth(column, max(90, int(width * share)))


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "card-title")
    return label


def _on_key(view: QTableView, key: Qt.Key | QKeySequence.StandardKey, slot: object) -> QShortcut:
    shortcut = QShortcut(QKeySequence(key), view)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    shortcut.activated.connect(slot)  # type: ignore[arg-type]
    return shortcut


def open_link(url: str) -> bool:
    """Open a public post in the user's browser."""
    return bool(url) and QDesktopServices.openUrl(QUrl(url))


class PausedBanner(QFrame):
    """Says that nothing goes out, and offers Resume, while publishing is paused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PausedBanner")
        self.setProperty("role", "banner-warning")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 8, 8)
        self.icon = QLabel()
        self.icon.setAccessibleName("Paused")
        self.label = QLabel("Publishing is paused: nothing goes out until you resume. Due posts wait; none are lost.")
        self.label.setWordWrap(True)
        self.resume_button = QPushButton("Resume publishing")
        self.resume_button.setProperty("primary", True)
        self.resume_button.setToolTip("Start publishing again; posts that came due while paused go out now")
        row.addWidget(self.icon)
        row.addWidget(self.label, 1)
        row.addWidget(self.resume_button)
        self.restyle(theme.current())

    def restyle(self, colors: theme.Colors) -> None:
        self.icon.setPixmap(icon("pause", colors.warning_text).pixmap(18, 18))


class PublishingPage(Page):
    key = "publishing"
    title = "Publishing"
    icon_name = "send"
    subtitle = "What went out, what will retry, and what needs you."
    watches = frozenset({POSTS, ACCOUNTS, SETTINGS})

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        parent: QWidget | None = None,
        engine: PublishingEngine | None = None,
    ) -> None:
        super().__init__(ctx, runner, parent)
        self.engine = engine
        self.paused = False
        self.zone: ZoneInfo | None = None
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause all publishing: nothing goes out until you resume")
        self.pause_button.setAccessibleName("Pause all publishing")
        self.pause_button.clicked.connect(lambda: self.set_paused(True))
        self.publish_button = QPushButton("Publish due now")
        self.publish_button.setProperty("primary", True)
        self.publish_button.setToolTip("Publish the posts that are due now, without waiting for the next check")
        self.publish_button.clicked.connect(self.publish_now)
        self.header_actions.addWidget(self.pause_button)
        self.header_actions.addWidget(self.publish_button)
        self.banner = PausedBanner()
        self.banner.resume_button.clicked.connect(lambda: self.set_paused(False))
        self.banner.hide()
        self.body.addWidget(self.banner)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
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
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Send it again now — only this account, never the ones already live")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Open the post in the composer (Enter)")
        self.details_button = QPushButton("Details…")
        self.details_button.setToolTip("What happened, and the network's own message in full")
        self.cancel_button = QPushButton("Cancel post")
        self.cancel_button.setToolTip("Stop this post to this account; asks first (Delete)")
        self.cancel_button.setProperty("danger", True)
        for b in (self.retry_button, self.edit_button, self.details_button, self.cancel_button):
            row.addWidget(b)
        self.retry_button.clicked.connect(self._retry)
        self.edit_button.clicked.connect(self._edit)
        self.details_button.clicked.connect(self.show_details)
        self.cancel_button.clicked.connect(self._cancel)
        top_layout.addLayout(row)
        self.attention = AttentionModel(self)
        self.attention_view, self.attention_proxy = _table(self.attention, AttentionModel.ERROR)
        self.attention_view.setAccessibleName("Needs your attention")
        self.attention_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.attention_view.doubleClicked.connect(lambda _i: self._edit())
        _on_key(self.attention_view, Qt.Key.Key_Return, self._edit)
        _on_key(self.attention_view, Qt.Key.Key_Enter, self._edit)
        _on_key(self.attention_view, QKeySequence.StandardKey.Delete, self._cancel)
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
        self.outcome_filter.setAccessibleName("Show outcome")
        self.outcome_filter.addItem("All outcomes", None)
        for value, text in OUTCOME_TEXT.items():
            self.outcome_filter.addItem(text, value)
        self.account_filter = QComboBox()
        self.account_filter.setAccessibleName("Show account")
        self.account_filter.addItem("All accounts", None)
        for combo in (self.outcome_filter, self.account_filter):  # long handles never push the row wider
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search text or errors")
        self.search.setAccessibleName("Search the log")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(120)
        self.search.setMaximumWidth(240)
        self.view_button = QPushButton(VIEW_POST)
        self.view_button.setToolTip("Open the selected published post in your browser (Enter)")
        self.view_button.clicked.connect(self.view_selected_post)
        for w in (self.outcome_filter, self.account_filter, self.search, self.view_button):
            filters.addWidget(w)
        bottom_layout.addLayout(filters)
        self.log = AttemptLogModel(self)
        self.log_view, self.log_proxy = _table(self.log, AttemptLogModel.ERROR)
        self.log_view.setAccessibleName("Publishing log")
        self.log_view.sortByColumn(AttemptLogModel.WHEN, Qt.SortOrder.DescendingOrder)
        self.log_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.log_view.clicked.connect(self._log_clicked)
        self.log_view.doubleClicked.connect(lambda _i: self._open_log_row())
        _on_key(self.log_view, Qt.Key.Key_Return, self._open_log_row)
        _on_key(self.log_view, Qt.Key.Key_Enter, self._open_log_row)
        bottom_layout.addWidget(self.log_view)
        split.addWidget(bottom)
        split.setSizes([300, 300])
        self.body.addWidget(split, 1)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        # long handles and texts elide (whole in tooltips): the network's words keep the room
        for view, fitted in (
            (self.attention_view, (AttentionModel.STATE, AttentionModel.WHEN)),
            (self.log_view, (AttemptLogModel.WHEN, AttemptLogModel.OUTCOME, AttemptLogModel.LINK)),
        ):
            for column in fitted:
                view.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # most recent first, as the service orders it, until the user sorts by a column
        self.attention_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self._load_log)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.outcome_filter.currentIndexChanged.connect(lambda _i: self._load_log())
        self.account_filter.currentIndexChanged.connect(lambda _i: self._load_log())
        if engine is not None:
            engine.pass_started.connect(self._show_status)
            engine.pass_finished.connect(lambda _r: self._pass_finished())
            engine.paused_changed.connect(self._paused)
        theme.notifier().changed.connect(self._restyle)
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        _share(self.attention_view, {AttentionModel.ACCOUNT: 0.22, AttentionModel.POST: 0.18})
        _share(self.log_view, {AttemptLogModel.ACCOUNT: 0.18, AttemptLogModel.POST: 0.18})

    # --- loading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._show_status()
        self.runner.run(
            lambda: (user_zone_name(self.ctx), activity.needs_attention(self.ctx)),
            on_done=self._show_attention,
            on_error=self._load_failed,
            owner=self,
        )
        self.runner.run(lambda: list_accounts(self.ctx), on_done=self._fill_accounts, owner=self)
        self._load_log()
        self._load_paused()

    def on_changes(self, changed: Changes) -> None:
        if changed.source is self:
            return  # what this page just did: it reloads on its own
        if PAUSED_KEY in changed.settings:
            self._load_paused()  # at once, visible or not: the header and banner must never lie
        if not self.isVisible():
            return  # refreshed when next shown
        if changed.touches(frozenset({POSTS, ACCOUNTS})) or "timezone" in changed.settings:
            self.refresh()

    def _pass_finished(self) -> None:
        # What the pass changed reaches on_changes as POSTS/ACCOUNTS; here only "last checked".
        self._show_status()

    def _load_paused(self) -> None:
        self.runner.run(lambda: bool(app_settings.get(self.ctx, PAUSED_KEY)), on_done=self._paused, owner=self)

    def _load_log(self) -> None:
        outcome, account_id, search = (
            self.outcome_filter.currentData(),
            self.account_filter.currentData(),
            self.search.text(),
        )
        self.runner.run(
            lambda: activity.attempt_log(self.ctx, outcome=outcome, account_id=account_id, search=search),
            on_done=self._show_log,
            on_error=self._load_failed,
            owner=self,
        )

    def _show_log(self, rows: list[AttemptRow]) -> None:
        self.log.set_rows(rows)
        self._update_buttons()

    def _fill_accounts(self, rows: list[AccountRow]) -> None:
        current = self.account_filter.currentData()
        self.account_filter.blockSignals(True)
        while self.account_filter.count() > 1:
            self.account_filter.removeItem(1)
        for r in rows:
            self.account_filter.addItem(r.handle, r.id)
            self.account_filter.setItemData(self.account_filter.count() - 1, r.handle, Qt.ItemDataRole.ToolTipRole)
        index = self.account_filter.findData(current)
        self.account_filter.setCurrentIndex(max(0, index))
        self.account_filter.blockSignals(False)

    def _show_attention(self, loaded: tuple[str, list[AttentionRow]]) -> None:
        zone, rows = loaded
        self.zone = ZoneInfo(zone)
        self.attention.set_zone(self.zone)
        self.log.set_zone(self.zone)
        self.attention.set_rows(rows)
        self.attention_stack.setCurrentWidget(self.attention_view if rows else self.all_clear)
        self._fit_columns()
        self._show_status()
        self._update_buttons()

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText(explain(exc).sentence)
        self.status.show()

    def _show_status(self) -> None:
        engine = self.engine
        if self.paused:
            self.status.setText("")
            self.status.hide()
            return
        self.status.setVisible(engine is not None)  # no empty line where there is nothing to say
        if engine is None:
            self.status.setText("")
        elif engine.running:
            self.status.setText("Publishing due posts…")
        elif engine.last_pass:
            when = format_local(engine.last_pass, "%H:%M:%S", self.zone)
            zone = f" {zone_label(self.zone)}" if self.zone else ""
            every = f"; checks every {engine.timer.interval() // 1000} seconds" if engine.timer.isActive() else ""
            self.status.setText(f"Publishing is on. Last checked at {when}{zone}{every}.")
        else:
            self.status.setText("Publishing is on: due posts go out while Campaign Desk runs.")

    def _paused(self, paused: bool) -> None:
        self.paused = paused
        self.banner.setVisible(paused)
        self.pause_button.setVisible(not paused)
        self._show_status()

    def _restyle(self, colors: theme.Colors) -> None:
        self.banner.restyle(colors)

    # --- actions --------------------------------------------------------------------------------

    def selected(self) -> AttentionRow | None:
        rows = self.attention_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def selected_attempt(self) -> AttemptRow | None:
        rows = self.log_view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        for b in (self.retry_button, self.edit_button, self.details_button, self.cancel_button):
            b.setEnabled(has)
        attempt = self.selected_attempt()
        self.view_button.setEnabled(attempt is not None and bool(attempt.url))

    def publish_now(self) -> None:
        if self.engine is not None:
            self.engine.run_now()
            self._show_status()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume all publishing (the engine saves it and tells the tray)."""
        self._paused(paused)  # at once; the saved value follows
        if self.engine is not None:
            self.engine.set_paused(paused)
        else:
            self.runner.run(
                lambda: app_settings.put(self.ctx, PAUSED_KEY, paused),
                owner=self,
                on_error=lambda exc: self._action_failed("Pausing publishing", exc),
                changes=changes(settings=(PAUSED_KEY,), source=self),
            )

    def _retry(self) -> None:
        row = self.selected()
        if row is not None:
            self.runner.run(
                lambda: activity.retry_variant(self.ctx, row.variant_id),
                on_done=lambda _r: self.publish_now(),
                on_error=lambda exc: self._action_failed("Retry", exc),
                owner=self,
                changes=changes(POSTS),
            )

    def _cancel(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "Cancel post", cancel_question(row))
        if answer == QMessageBox.StandardButton.Yes:
            self.runner.run(
                lambda: activity.cancel_variant(self.ctx, row.variant_id),
                on_error=lambda exc: self._action_failed("Cancel post", exc),
                owner=self,
                changes=changes(POSTS),
            )

    def _edit(self) -> None:
        row = self.selected()
        if row is not None:
            self.edit_post.emit(row.post_id)

    def show_details(self) -> QMessageBox | None:
        """What happened to the selected post and what to do, with the network's words whole."""
        row = self.selected()
        if row is None:
            return None
        return show_error(self, f"Post to {row.handle}", Explained(row.what_to_do, row.error))

    def view_selected_post(self) -> bool:
        attempt = self.selected_attempt()
        return attempt is not None and open_link(attempt.url)

    def _log_clicked(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if index.column() == AttemptLogModel.LINK:
            attempt = index.data(ROW_ROLE)
            if attempt is not None and attempt.url:
                open_link(attempt.url)

    def _open_log_row(self) -> None:
        """Enter on a log row: a published post opens in the browser; otherwise its details show."""
        attempt = self.selected_attempt()
        if attempt is None:
            return
        if attempt.url:
            open_link(attempt.url)
        elif attempt.details:
            show_error(self, f"Post to {attempt.handle}", Explained(attempt.what_happened, attempt.details))

    def _action_failed(self, what: str, exc: Exception) -> None:
        show_error(self, what, exc)
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
