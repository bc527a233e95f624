"""The Analytics dashboard: filters, KPI tiles, charts, heatmap and top posts for one scope.

Everything it shows comes from one ``analytics.dashboard`` call made off the GUI thread; a result
that arrives after a newer request was made is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.metric_names import SYNC_NOW_DAYS
from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.analytics.charts import (
    ChartCard,
    breakdown_chart,
    engagements_chart,
    growth_chart,
    local_days,
    network_colors,
)
from desktop.ui.analytics.filters import FilterBar
from desktop.ui.analytics.heatmap import AccountsDialog, HeatmapWidget, added_sentence
from desktop.ui.analytics.kpis import KpiRow
from desktop.ui.analytics.loading import Loaded, load, sync_words
from desktop.ui.analytics.panels import CampaignPanel, ChartGrid, heading
from desktop.ui.analytics.post_view import PostDialog
from desktop.ui.analytics.top_posts import TopPostsTable
from desktop.ui.analytics.wording import ago, day_range, not_saved
from desktop.ui.changes import SLOTS, changes
from desktop.ui.errors import Explained, explain, show_error
from desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.analytics import Dashboard, HeatCell, TopPost
    from desktop.services.context import AppContext
    from desktop.ui.analytics.engine import MetricsEngine
    from desktop.ui.tasks import Task, TaskRunner


class AnalyticsView(QWidget):
    """The whole dashboard, with its empty states."""

    navigate = Signal(str)

    def __init__(
        self, ctx: AppContext, runner: TaskRunner, engine: MetricsEngine | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx, self.runner, self.engine = ctx, runner, engine
        self.loaded: Loaded | None = None
        self.zone = ZoneInfo("UTC")
        self._generation = 0
        self._sync_details = ""  # the Details under the status line's sentence (a failed load or sync)
        self._best_failed = False
        self._stale = False
        self._wanted_campaign: int | None = None
        self._load_task: Task | None = None
        self._sync_note = ""
        self.post_dialog: PostDialog | None = None
        self.error_box: QMessageBox | None = None  # the last error shown in a box (tests read it)

        self.sync_button = QPushButton("Sync now")
        self.sync_button.setProperty("primary", True)
        self.sync_button.setToolTip(f"Measure every post of the last {SYNC_NOW_DAYS} days, and every account, now")
        self.sync_button.setAccessibleName("Sync metrics now")
        self.sync_button.clicked.connect(self.sync_now)
        self.sync_button.setEnabled(engine is not None)
        self.report_button = QPushButton("Report (PDF)…")
        self.report_button.setToolTip("Save what is shown here as a PDF report to hand on")
        self.report_button.setAccessibleName("Save a PDF report")
        self.report_button.clicked.connect(lambda: self.save_report())
        self.report_button.setEnabled(False)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.no_accounts = EmptyState(
            "accounts",
            "No accounts yet",
            "Connect a social account first; then its posts' likes, reposts and followers are measured here.",
            "Connect an account",
            lambda: self.navigate.emit("accounts"),
        )
        self.nothing_published = EmptyState(
            "analytics",
            "Nothing published yet",
            "Once your posts go out, their likes, reposts, replies and followers are measured here over time.",
            "Compose a post",
            lambda: self.navigate.emit("compose"),
        )
        self.never_synced = EmptyState(
            "analytics",
            "Not measured yet",
            "Your published posts have not been measured yet. Sync now asks the networks for their likes, "
            "reposts and replies, and each account's followers.",
            "Sync now",
            self.sync_now,
        )
        self.loading = QLabel("Loading…")
        self.loading.setProperty("role", "muted")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.content = QWidget()
        self.content.setObjectName("PageContent")
        # only the dashboard scrolls: an empty state fills the visible page, centred
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.content)
        self.scroll_area.viewport().setAutoFillBackground(False)
        self.content.setAutoFillBackground(False)
        for w in (self.loading, self.no_accounts, self.nothing_published, self.never_synced, self.scroll_area):
            self.stack.addWidget(w)
        self._build_content()

        self._ago_timer = QTimer(self)  # only rewrites "12 min ago"; no database work
        self._ago_timer.setInterval(60_000)
        self._ago_timer.timeout.connect(self._show_sync_status)
        if engine is not None:
            engine.sync_started.connect(self._show_sync_status)
            engine.sync_finished.connect(self._sync_finished)
            engine.sync_failed.connect(self._sync_failed)
        theme.notifier().changed.connect(self._restyle)

    def _build_content(self) -> None:
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(12)
        self.filters = FilterBar()
        self.filters.changed.connect(self.refresh)
        column.addWidget(self.filters)
        status_row = QHBoxLayout()
        status_row.setSpacing(8)
        self.sync_status = QLabel()
        self.sync_status.setObjectName("sync-status")
        self.sync_status.setProperty("role", "muted")
        self.sync_status.setWordWrap(True)
        self.details_button = QPushButton("Details…")
        self.details_button.setFlat(True)
        self.details_button.setToolTip("What the networks or the data file said, in full")
        self.details_button.clicked.connect(self._show_details)
        self.details_button.hide()
        status_row.addWidget(self.sync_status, 1)
        status_row.addWidget(self.details_button)
        status_row.addWidget(self.filters.external)
        column.addLayout(status_row)
        self.campaign_panel = CampaignPanel()
        self.campaign_panel.hide()
        column.addWidget(self.campaign_panel)
        self.kpis = KpiRow()
        column.addWidget(self.kpis)
        self.engagement_card = ChartCard("Engagements over time", "No engagements in this period.")
        self.growth_card = ChartCard("Followers", "No follower counts yet for these accounts.")
        self.network_card = ChartCard("By network", "No posts in this period.")
        self.campaign_card = ChartCard("By campaign", "No posts in this period.")
        self.charts = ChartGrid([self.engagement_card, self.growth_card, self.network_card, self.campaign_card])
        column.addWidget(self.charts)

        heat = QFrame()
        heat.setProperty("role", "card")
        heat_layout = QVBoxLayout(heat)
        heat_layout.setContentsMargins(14, 12, 14, 12)
        heat_layout.setSpacing(8)
        row = QHBoxLayout()
        self.heat_title = heading("When your posts do best")
        row.addWidget(self.heat_title)
        row.addStretch(1)
        self.best_button = QPushButton("Add best hours to the queue…")
        self.best_button.setToolTip("Weekly queue slots at the hours with your highest engagement rate")
        self.best_button.clicked.connect(self.add_best_hours)
        row.addWidget(self.best_button)
        heat_layout.addLayout(row)
        self.heat_note = QLabel()
        self.heat_note.setProperty("role", "muted")
        self.heat_note.setWordWrap(True)
        heat_layout.addWidget(self.heat_note)
        self.heatmap = HeatmapWidget()
        heat_layout.addWidget(self.heatmap)
        self.best_result = QLabel()
        self.best_result.setObjectName("best-result")
        self.best_result.setWordWrap(True)
        self.best_result.hide()
        heat_layout.addWidget(self.best_result)
        column.addWidget(heat)

        self.top_posts = TopPostsTable()
        self.top_posts.open_details.connect(self.open_post)
        column.addWidget(self.top_posts)
        column.addStretch(1)

    # --- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the dashboard for the current filters. An older load is cancelled (if it has not
        started) and its result ignored (if it has)."""
        if self._load_task is not None:
            self._load_task.cancel()
        self._generation += 1
        self._stale = False
        generation = self._generation
        choice = self.filters.choice()
        if self.loaded is None:
            self.stack.setCurrentWidget(self.loading)
        self._load_task = self.runner.run(
            lambda: load(self.ctx, choice),
            on_done=lambda loaded: self._loaded(generation, loaded),
            on_error=lambda exc: self._failed(generation, exc),
            name="analytics_dashboard",
            owner=self,
        )

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    def _failed(self, generation: int, exc: Exception) -> None:
        if not self.is_current(generation):
            return
        self.stack.setCurrentWidget(self.scroll_area)
        explained = explain(exc)
        self._sync_details = explained.details
        self.sync_status.setText(f"The dashboard could not be loaded. {explained.sentence}")
        self.details_button.setVisible(bool(explained.details))

    def _loaded(self, generation: int, loaded: Loaded) -> None:
        if not self.is_current(generation):
            return  # the user changed the filters meanwhile; a newer load is on its way
        self.loaded = loaded
        self.zone = loaded.zone
        self.filters.blockSignals(True)
        self.filters.set_choices(loaded.campaigns, loaded.accounts)
        if loaded.choice.campaign_id is None:
            self.filters.choose_campaign(None)
        self.filters.blockSignals(False)
        wanted, self._wanted_campaign = self._wanted_campaign, None
        if wanted is not None and wanted != loaded.choice.campaign_id and self.filters.choose_campaign(wanted):
            return  # choosing it started the campaign view's own load
        self.report_button.setEnabled(False)
        board = loaded.dashboard
        if not loaded.accounts:
            self.stack.setCurrentWidget(self.no_accounts)
            return
        if board is None or not loaded.published_ever:
            self.stack.setCurrentWidget(self.nothing_published)
            return
        if board.last_synced is None and not (self.engine is not None and self.engine.running):
            self.stack.setCurrentWidget(self.never_synced)
            return
        self.stack.setCurrentWidget(self.scroll_area)
        self.report_button.setEnabled(True)
        self._show(loaded, board)

    def _show(self, loaded: Loaded, board: Dashboard) -> None:
        assert loaded.scope is not None
        period, zone = loaded.scope.period, loaded.zone
        self._show_sync_status()
        campaign = next((c for c in loaded.campaigns if c.id == loaded.choice.campaign_id), None)
        if campaign is not None:
            self.campaign_panel.show_campaign(campaign, loaded.progress)
        self.campaign_panel.setVisible(campaign is not None)
        self.kpis.set_comparison(board.kpis, board.missing)
        days = local_days(period.start, period.end, zone)
        span = day_range(period.start, period.end, zone)
        self.engagement_card.title.setText(f"Engagements over time · {span}")
        colors = network_colors(self.ctx.registry)
        self.engagement_card.set_chart(engagements_chart(board.series, days, zone, colors) if board.series else None)
        self.growth_card.set_chart(growth_chart(board.growth, days, zone) if board.growth else None)
        self.network_card.title.setText("By network" + (f" · {campaign.name}" if campaign else ""))
        self.network_card.set_chart(breakdown_chart(board.by_network, colors) if board.by_network else None)
        self.campaign_card.set_chart(breakdown_chart(board.by_campaign) if board.by_campaign else None)
        cards = [self.engagement_card, self.growth_card, self.network_card, self.campaign_card]
        if campaign is not None:  # a campaign's view compares its networks instead
            cards.remove(self.campaign_card)
        self.charts.show_only(cards)
        best = loaded.best or []
        self.heatmap.set_cells(board.heatmap, best, zone_label(zone))
        if best:
            self.heat_note.setText(
                f"Engagement rate by the hour posts went out ({zone_label(zone)}); darker is better. "
                "Outlined: your best hours."
            )
        else:
            self.heat_note.setText(
                "Not enough posts yet to tell your best hours: an hour counts once two posts have gone out in it "
                "from accounts whose followers are known."
            )
        self.best_button.setEnabled(bool(best))
        self.top_posts.set_rows(board.top_posts, zone, {b.key: b.label for b in board.by_network})

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._ago_timer.start()
        if self._stale:
            self.refresh()
        else:
            self._show_sync_status()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._ago_timer.stop()

    # --- sync status --------------------------------------------------------------------------

    def _show_sync_status(self) -> None:
        running = self.engine is not None and self.engine.running
        if self.never_synced.action is not None:
            self.never_synced.action.setEnabled(not running and self.engine is not None)
            self.never_synced.action.setText("Syncing…" if running else "Sync now")
        if running:
            self.sync_status.setText("Syncing… the networks are being asked for the newest numbers.")
            self.sync_button.setEnabled(False)
            self.sync_button.setText("Syncing…")
            self.details_button.hide()
            return
        self.sync_button.setEnabled(self.engine is not None)
        self.sync_button.setText("Sync now")
        board = self.loaded.dashboard if self.loaded else None
        if board is None:
            return
        if board.last_synced is None:
            text = "Never synced — Sync now measures your posts."
        else:
            text = f"Last synced {ago(board.last_synced)}."
        self.sync_status.setText(f"{text} {self._sync_note}".strip())
        self.details_button.setVisible(bool(self._sync_details))

    def sync_now(self) -> None:
        if self.engine is None:
            return
        self._sync_details = self._sync_note = ""
        self.engine.sync_now()
        self._show_sync_status()

    def _sync_finished(self, report: Any) -> None:
        self._sync_note, self._sync_details = sync_words(report, self.zone)
        self.sync_button.setEnabled(True)
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # never load while hidden: showing the page again loads it

    def _sync_failed(self, exc: Any) -> None:
        explained = explain(exc)
        self._sync_details = explained.details or explained.sentence
        self._sync_note = ""
        self._show_sync_status()
        failed = f"Metrics could not be synced. {explained.sentence}"
        self.sync_status.setText(failed)
        self.never_synced.body.setText(failed)
        self.details_button.show()

    def _show_details(self) -> None:
        sentence = self.sync_status.text() or "Metrics sync"
        self.error_box = show_error(self, "Analytics", Explained(sentence, self._sync_details))

    # --- actions ------------------------------------------------------------------------------

    def open_post(self, post: TopPost) -> None:
        board = self.loaded.dashboard if self.loaded else None
        names = {b.key: b.label for b in board.by_network} if board else {}
        self.post_dialog = PostDialog(self.ctx, self.runner, post, self.zone, self, network=names.get(post.network))
        self.post_dialog.destroyed.connect(lambda _obj=None: setattr(self, "post_dialog", None))
        self.post_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.post_dialog.open()

    def show_campaign(self, campaign_id: int | None) -> None:
        """The campaign view: the same dashboard filtered to one campaign."""
        if self.filters.campaign_id() == campaign_id:
            return
        if not self.filters.choose_campaign(campaign_id):  # the list is still loading: pick it then
            self._wanted_campaign = campaign_id

    def accounts_in_scope(self) -> list[AccountRow]:
        if self.loaded is None:
            return []
        chosen = set(self.loaded.choice.account_ids)
        return [a for a in self.loaded.accounts if not chosen or a.id in chosen]

    def add_best_hours(self, account_ids: list[int] | None = None) -> None:
        """Ask which accounts (unless given), then add queue slots at the best hours off the GUI thread."""
        best = (self.loaded.best if self.loaded else None) or []
        accounts = self.accounts_in_scope()
        if not best or not accounts:
            return
        if account_ids is None:
            dialog = AccountsDialog(accounts, best, zone_label(self.zone), self)
            if dialog.exec() != AccountsDialog.DialogCode.Accepted:
                return
            account_ids = dialog.chosen()
        handles = [a.handle for a in accounts if a.id in set(account_ids)]
        from desktop.services import slots

        self.best_button.setEnabled(False)
        zone = self.zone.key  # the heatmap's zone: the slots land on the hours it shows
        self.runner.run(
            lambda: slots.add_slots_from_hours(self.ctx, account_ids, best, timezone=zone),
            on_done=lambda count: self._slots_added(count, handles, best),
            on_error=self._slots_failed,
            name="add_best_hours",
            owner=self,
            changes=changes(SLOTS),
        )

    def _slots_added(self, count: int, handles: list[str], best: list[HeatCell]) -> None:
        self.best_button.setEnabled(True)
        self._best_failed = False
        self.best_result.setText(added_sentence(count, handles, best))
        self.best_result.setToolTip("")
        self._restyle()
        self.best_result.show()

    def _slots_failed(self, exc: Exception) -> None:
        self.best_button.setEnabled(True)
        self._best_failed = True
        explained = explain(exc)
        self.best_result.setText(f"No queue slots were added. {explained.sentence}")
        self.best_result.setToolTip(explained.details)
        self._restyle()
        self.best_result.show()

    def _restyle(self, colors: theme.Colors | None = None) -> None:
        """Colours set here by hand follow a theme switch at runtime."""
        c = colors or theme.current()
        self.best_result.setStyleSheet(f"color: {c.danger};" if self._best_failed else "")

    def save_report(self, path: str | None = None) -> str | None:
        """Write what is shown as a PDF (the data is already loaded; drawing needs the GUI thread)."""
        from PySide6.QtWidgets import QFileDialog

        from desktop.ui.analytics.report import render_report, report_title

        loaded = self.loaded
        if loaded is None or loaded.dashboard is None or loaded.scope is None:
            return None
        campaign = next((c for c in loaded.campaigns if c.id == loaded.choice.campaign_id), None)
        title = report_title(campaign.name if campaign else None)
        if path is None:
            path, _f = QFileDialog.getSaveFileName(self, "Save report", f"{title}.pdf", "PDF (*.pdf)")
            if not path:
                return None
        try:
            render_report(
                path,
                loaded.dashboard,
                loaded.scope,
                loaded.zone,
                title,
                campaign=campaign,
                progress=loaded.progress,
                colors=network_colors(self.ctx.registry),
            )
        except Exception as exc:  # a full disk, a folder without permission, a PDF Qt could not write
            self.error_box = show_error(self, "Report not saved", not_saved("The report", exc))
            return None
        self.sync_status.setText(f"Report saved to {path}.")
        return path
