"""Top posts: a sortable table of the period's posts with their newest counters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.services import export
from desktop.services.metric_names import LIKES, REPLIES, REPOSTS
from desktop.services.zones import format_local, zone_label
from desktop.ui import theme
from desktop.ui.analytics.wording import not_saved, number, percent
from desktop.ui.errors import show_error
from desktop.ui.icons import icon, network_icon
from desktop.ui.widgets.row_table import set_up_row_table, sorting_proxy
from desktop.ui.widgets.table_model import ROW_ROLE, Column, RowTableModel

if TYPE_CHECKING:
    from desktop.services.analytics import TopPost

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
EXTERNAL_TIP = "Published outside Campaign Desk; imported so its metrics count here."


def _swatch(color: str | None) -> QIcon | None:
    if not color:
        return None
    px = QPixmap(12, 12)
    px.fill(QColor(color))
    return QIcon(px)


def _count(metric: str) -> Column[TopPost]:
    # a metric the network does not report sorts below a real 0
    return Column(
        "",
        lambda r: r.metrics.get(metric, -1),
        display=lambda r: number(r.metrics.get(metric)),
        align=RIGHT,
    )


class TopPostsModel(RowTableModel["TopPost"]):
    TEXT, ACCOUNT, CAMPAIGN, PUBLISHED, LIKES, REPOSTS, REPLIES, ENGAGEMENTS, RATE = range(9)
    TITLES = ("Post", "Account", "Campaign", "Published", "Likes", "Reposts", "Replies", "Engagements", "Rate")

    def __init__(self, parent: QObject | None = None, zone: ZoneInfo | None = None) -> None:
        self.zone = zone or ZoneInfo("UTC")
        self.network_names: dict[str, str] = {}  # network id → "Mastodon"
        columns: list[Column[TopPost]] = [
            Column(
                "",
                lambda r: r.text,
                display=lambda r: ("External · " if r.external else "") + " ".join(r.text.split())[:140],
                decoration=lambda r: icon("link", theme.current().muted) if r.external else None,
                tooltip=lambda r: r.text + (f"\n\n{EXTERNAL_TIP}" if r.external else ""),
            ),
            Column(
                "",
                lambda r: f"{r.network} {r.handle}".lower(),
                display=lambda r: r.handle,
                decoration=lambda r: network_icon(r.network),
                tooltip=lambda r: (
                    f"{self.network_names.get(r.network, r.network)} · {r.handle}"
                    + (f"\n{EXTERNAL_TIP}" if r.external else "")
                ),
            ),
            Column(
                "",
                lambda r: (r.campaign or "").lower(),
                display=lambda r: r.campaign or "—",
                decoration=lambda r: _swatch(r.campaign_color),
                tooltip=lambda r: r.campaign or "No campaign",
            ),
            Column(
                "",
                lambda r: r.published_at.timestamp(),
                display=lambda r: format_local(r.published_at, "%d %b %H:%M", self.zone),
                tooltip=lambda r: (
                    format_local(r.published_at, "%A %d %B %Y, %H:%M", self.zone) + f" ({zone_label(self.zone)})"
                ),
            ),
            _count(LIKES),
            _count(REPOSTS),
            _count(REPLIES),
            Column("", lambda r: r.engagements, display=lambda r: number(r.engagements), align=RIGHT),
            Column(
                "",
                lambda r: -1.0 if r.engagement_rate is None else r.engagement_rate,
                display=lambda r: percent(r.engagement_rate, 2),
                tooltip=lambda r: "Engagements divided by the account's followers when it was published",
                align=RIGHT,
            ),
        ]
        columns = [
            Column(t, c.value, c.display, c.decoration, c.tooltip, c.align)
            for t, c in zip(self.TITLES, columns, strict=True)
        ]
        super().__init__(columns, parent)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        published = orientation == Qt.Orientation.Horizontal and section == self.PUBLISHED
        if role == Qt.ItemDataRole.ToolTipRole and published:
            return f"When it went out, in {zone_label(self.zone)}"
        return super().headerData(section, orientation, role)


class PostsView(QTableView):
    """The table, its post text column taking the width the counters leave (at least 160 px);
    Enter on a row opens it, like a double-click."""

    open_current = Signal(QModelIndex)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_current.emit(self.currentIndex())
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit_text_column()

    #: The narrowest the account and campaign columns get (their text elided, whole in the tooltip)
    #: before the table scrolls sideways: the counters and the text stay in view at 1280 px.
    GIVE_WAY = ((TopPostsModel.ACCOUNT, 130), (TopPostsModel.CAMPAIGN, 100))
    TEXT_MIN = 160

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Each column's width as sized to its contents for the rows on show (see set_rows).
        self.natural: dict[int, int] = {}

    def fit_text_column(self) -> None:
        model = self.model()
        if model is None:
            return
        header = self.horizontalHeader()
        widths = {c: self.natural.get(c, header.sectionSize(c)) for c in range(1, model.columnCount())}
        short = self.TEXT_MIN + sum(widths.values()) - self.viewport().width()
        for column, narrowest in self.GIVE_WAY:
            give = max(0, min(short, widths[column] - narrowest))
            widths[column] -= give
            short -= give
        for column, width in widths.items():
            if header.sectionSize(column) != width:
                self.setColumnWidth(column, width)
        self.setColumnWidth(TopPostsModel.TEXT, max(self.TEXT_MIN, self.viewport().width() - sum(widths.values())))


class TopPostsTable(QFrame):
    """The table card: sortable view, "Open post", "Export…", double-click for the post's history."""

    open_details = Signal(object)  # TopPost

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        row = QHBoxLayout()
        self.title = QLabel("Top posts")
        self.title.setProperty("role", "card-title")
        row.addWidget(self.title)
        row.addStretch(1)
        self.details_button = QPushButton("History…")
        self.details_button.setToolTip("This post's counters over time (Enter, or double-click a row)")
        self.open_button = QPushButton("Open post")
        self.open_button.setToolTip("Open the live post in your browser")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this table, as sorted, to a CSV or JSON file")
        for b in (self.details_button, self.open_button, self.export_button):
            row.addWidget(b)
        layout.addLayout(row)
        self.model = TopPostsModel(self)
        self.proxy = sorting_proxy(self.model, self)
        self.view = PostsView()
        set_up_row_table(
            self.view, self.proxy, row_height=32, sort_by=(TopPostsModel.ENGAGEMENTS, Qt.SortOrder.DescendingOrder)
        )
        # nine columns: narrower header padding than the app's, so they fit beside the text at 1280
        self.view.setStyleSheet("QHeaderView::section { padding: 6px 4px; }")
        self.view.setMinimumHeight(360)
        self.view.setAccessibleName("Top posts")
        header = self.view.horizontalHeader()
        # Sized to the rows once per load (set_rows), not on every layout pass: ResizeToContents
        # asked every cell for its size hint each time the page was laid out or painted.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # Widths from the first rows: counters, dates and handles are alike further down, and
        # measuring all 50 rows' cells was most of the page's paint time.
        header.setResizeContentsPrecision(12)
        header.setStretchLastSection(False)
        self.view.setColumnWidth(TopPostsModel.TEXT, 260)
        layout.addWidget(self.view, 1)
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.view.doubleClicked.connect(lambda index: self._details(index))
        self.view.open_current.connect(self._details)
        self.view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.details_button.clicked.connect(lambda: self._details(self.view.currentIndex()))
        self.open_button.clicked.connect(self.open_selected)
        self.export_button.clicked.connect(lambda: self.export())
        self._update_buttons()
        self.error_box: QMessageBox | None = None  # the last error shown in a box
        self._restyle(theme.current())
        theme.notifier().changed.connect(self._restyle)

    def _restyle(self, colors: theme.Colors) -> None:
        """Icons drawn in the theme's colours, again after a switch at runtime."""
        self.details_button.setIcon(icon("analytics", colors.text))
        self.open_button.setIcon(icon("link", colors.text))
        if self.model.rowCount():  # the external posts' link icon
            self.model.dataChanged.emit(
                self.model.index(0, 0), self.model.index(self.model.rowCount() - 1, 0), [Qt.ItemDataRole.DecorationRole]
            )

    def set_rows(self, rows: Sequence[TopPost], zone: ZoneInfo, network_names: dict[str, str] | None = None) -> None:
        self.model.zone = zone
        self.model.network_names = dict(network_names or {})
        self.model.set_rows(rows)
        self.status.setText("" if rows else "No posts were published in this period.")
        self.status.setVisible(not rows)
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        self.view.natural = {c: header.sectionSize(c) for c in range(self.model.columnCount())}
        self.view.fit_text_column()
        self._update_buttons()

    def selected(self) -> TopPost | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.details_button.setEnabled(row is not None)
        self.open_button.setEnabled(row is not None and bool(row.url))
        self.export_button.setEnabled(self.model.rowCount() > 0)

    def _details(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE) if index.isValid() else None
        if row is not None:
            self.open_details.emit(row)

    def open_selected(self) -> bool:
        row = self.selected()
        if row is None or not row.url:
            return False
        return QDesktopServices.openUrl(QUrl(row.url))

    def rows_in_view(self) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows in the view's sort order: full text, native numbers (empty where the
        network does not report a counter), times as UTC ISO 8601."""
        headers = ["text", "handle", "network", "campaign", "published_at", "likes", "reposts", "replies"]
        headers += ["engagements", "engagement_rate", "url"]
        out = []
        for r in range(self.proxy.rowCount()):
            post: TopPost = self.proxy.index(r, 0).data(ROW_ROLE)
            out.append(
                [
                    post.text,
                    post.handle,
                    post.network,
                    post.campaign or "",
                    post.published_at,
                    post.metrics.get(LIKES),
                    post.metrics.get(REPOSTS),
                    post.metrics.get(REPLIES),
                    post.engagements,
                    None if post.engagement_rate is None else round(post.engagement_rate, 6),
                    post.url,
                ]
            )
        return headers, out

    def export(self, path: Path | None = None) -> Path | None:
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Export top posts", "top-posts.csv", "CSV (*.csv);;JSON (*.json)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        headers, rows = self.rows_in_view()
        try:
            export.write_table(path, headers, rows, export.format_for(path))
        except Exception as exc:  # a missing folder, no permission, a full disk, a format it cannot write
            explained = not_saved("The table", exc)
            self.status.setText(explained.sentence)
            self.status.setVisible(True)
            self.error_box = show_error(self, "Export not saved", explained)
            return None
        self.status.setText(f"Saved {len(rows)} posts to {path}.")
        self.status.setVisible(True)
        return path
