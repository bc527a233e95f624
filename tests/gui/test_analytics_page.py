"""The Analytics page on a real database: KPIs, charts, top posts, heatmap, filters, the
campaign view, the per-post view, empty states, and the theme switch."""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services import analytics, slots
from desktop.services.context import AppContext
from desktop.ui import theme
from desktop.ui.analytics.dashboard import AnalyticsView
from desktop.ui.analytics.filters import CUSTOM
from desktop.ui.analytics.heatmap import AccountsDialog
from desktop.ui.analytics.loading import Loaded
from desktop.ui.analytics.post_view import PostDialog
from desktop.ui.analytics.top_posts import TopPostsModel
from desktop.ui.analytics.wording import ago
from desktop.ui.main_window import MainWindow
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.table_model import ROW_ROLE
from tests.gui.analytics_data import NOW, add_accounts, seed

SHOTS = Path(os.environ.get("CAMPAIGN_DESK_SCREENSHOTS") or tempfile.gettempdir()) / "analytics-page"


def _window(qtbot: QtBot, ctx: AppContext, size: tuple[int, int] = (1280, 800)) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.show_page("analytics")
    return window


def _page(qtbot: QtBot, ctx: AppContext) -> AnalyticsView:
    """The dashboard alone (no main window), loaded."""
    view = AnalyticsView(ctx, TaskRunner())
    qtbot.addWidget(view)
    view.resize(1100, 900)
    view.show()
    view.refresh()
    _settle(qtbot, view)
    return view


def _settle(qtbot: QtBot, view: AnalyticsView) -> None:
    qtbot.waitUntil(lambda: view.loaded is not None and view.runner.pending() == 0, timeout=15_000)


def _reload(qtbot: QtBot, view: AnalyticsView, change) -> None:  # type: ignore[no-untyped-def]
    before = view.loaded
    change()
    qtbot.waitUntil(lambda: view.loaded is not before and view.runner.pending() == 0, timeout=15_000)


def _dark(app: QApplication) -> None:
    app.setPalette(theme._palette(theme.DARK))
    app.setStyleSheet(theme.stylesheet(theme.DARK))


def _light(app: QApplication) -> None:
    app.setPalette(theme._palette(theme.LIGHT))
    app.setStyleSheet(theme.stylesheet(theme.LIGHT))


def test_dashboard_shows_what_the_service_counts(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    assert view.stack.currentWidget() is view.scroll_area
    board = view.loaded.dashboard  # type: ignore[union-attr]
    assert board is not None
    # 20 posts in the last 30 days; likes 2×(20-i) + reposts i%3 + 1 reply each
    expected = sum(2 * (20 - i) + i % 3 + 1 for i in range(20))
    assert view.kpis.tiles["posts"].value.text() == "20"
    assert view.kpis.tiles["engagements"].value.text() == f"{expected:,}"
    assert view.kpis.tiles["follower_change"].value.text().startswith("+")
    # nothing before the period: no change to show, said as such
    assert view.kpis.tiles["posts"].delta.text() == "— not comparable"
    # neither network reports impressions or link clicks: no tiles, a sentence instead
    assert view.kpis.tiles["impressions"].isHidden() and view.kpis.tiles["link_clicks"].isHidden()
    assert "Bluesky does not report impressions" in view.kpis.missing.text()
    assert not view.kpis.missing.isHidden()
    # the charts: one line per network, one per account, a bar per network and per campaign
    engagement = view.engagement_card.view.chart()
    assert sorted(s.name() for s in engagement.series()) == ["Bluesky", "Mastodon"]
    assert len(engagement.series()[0].points()) == 30  # every day of the period, 0 where none
    assert len(view.growth_card.view.chart().series()) == 2
    assert [b.label() for b in view.campaign_card.view.chart().series()[0].barSets()] == [
        "No campaign",
        "Spring launch",
    ]
    spring = view.campaign_card.view.chart().series()[0].barSets()[1]
    assert spring.color() == QColor("#e64980")  # the campaign's own colour
    # each network keeps its own colour on every chart (Mastodon's purple, Bluesky's blue)
    lines = {s.name(): s.pen().color() for s in engagement.series()}
    bars = {b.label(): b.color() for b in view.network_card.view.chart().series()[0].barSets()}
    assert lines == bars == {"Mastodon": QColor("#6364ff"), "Bluesky": QColor("#1185fe")}
    # top posts, most engaging first; an imported post is marked
    assert view.top_posts.proxy.rowCount() == 20
    first = view.top_posts.proxy.index(0, TopPostsModel.ENGAGEMENTS)
    assert first.data() == "41"
    post_col = [
        view.top_posts.proxy.index(r, TopPostsModel.TEXT).data() for r in range(view.top_posts.proxy.rowCount())
    ]
    assert sum(p.startswith("External · ") for p in post_col) == 1
    # worded when the board was shown, a moment ago: a minute may have turned since
    checked = datetime.now(UTC)
    shown = {f"Last synced {ago(board.last_synced, checked - timedelta(minutes=m))}." for m in (0, 1)}
    assert view.sync_status.text() in shown


def test_period_switch_and_filters(qtbot: QtBot, ctx: AppContext) -> None:
    data = seed(ctx)
    view = _page(qtbot, ctx)
    bar = view.filters
    _reload(qtbot, view, lambda: bar.period.setCurrentIndex(bar.period.findData(7)))
    assert view.kpis.tiles["posts"].value.text() == "7"
    # the previous 7 days had 7 posts too, with fewer likes: engagements went up
    assert view.kpis.tiles["posts"].delta.text() == "0 % vs before"
    assert view.kpis.tiles["engagements"].delta.text().startswith("▲ +")
    assert len(view.engagement_card.view.chart().series()[0].points()) == 7
    # one account
    _reload(qtbot, view, lambda: bar.account.setCurrentIndex(bar.account.findData(data.bob)))
    handles = {view.top_posts.model.row_at(r).handle for r in range(view.top_posts.model.rowCount())}
    assert handles == {"bob.bsky.social"}
    assert len(view.growth_card.view.chart().series()) == 1
    # a custom range: three whole days, ten to twelve days ago
    today = datetime.now(UTC).astimezone(view.zone).date()
    bar.start.setDate(today - timedelta(days=12))
    bar.end.setDate(today - timedelta(days=10))
    _reload(qtbot, view, lambda: bar.period.setCurrentIndex(bar.period.findData(CUSTOM)))
    assert bar.start.isVisible() and bar.end.isVisible()
    assert view.loaded is not None and view.loaded.scope is not None
    assert view.loaded.scope.period.days == 3
    assert len(view.engagement_card.view.chart().series()[0].points()) == 3


def test_campaign_view_shows_goal_progress_and_compares_networks(qtbot: QtBot, ctx: AppContext) -> None:
    data = seed(ctx)
    view = _page(qtbot, ctx)
    assert view.campaign_panel.isHidden()
    _reload(qtbot, view, lambda: view.show_campaign(data.campaign))
    assert not view.campaign_panel.isHidden()
    assert view.campaign_panel.name.text() == "Spring launch"
    assert "500" in view.campaign_panel.sentence.text()  # the goal: 500 engagements
    assert 0 < view.campaign_panel.bar.value() < 1000
    assert view.campaign_card.isHidden()  # the campaign view compares networks instead
    assert not view.network_card.isHidden()
    assert view.network_card.title.text() == "By network · Spring launch"
    # only the campaign's posts: the even days, all Mastodon
    rows = [view.top_posts.model.row_at(r) for r in range(view.top_posts.model.rowCount())]
    assert len(rows) == 10 and {r.campaign for r in rows} == {"Spring launch"}
    assert view.kpis.tiles["posts"].value.text() == "10"


def test_a_result_older_than_the_newest_request_is_dropped(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    shown = view.loaded
    assert shown is not None
    old_generation = view._generation
    view.refresh()  # a newer request
    stale = Loaded(shown.choice, shown.zone, [], [])  # would show "No accounts yet" if used
    view._loaded(old_generation, stale)
    assert view.loaded is shown
    assert view.stack.currentWidget() is view.scroll_area
    _settle(qtbot, view)


def test_top_posts_model_sorts_on_native_values(qtbot: QtBot, ctx: AppContext, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    seed(ctx)
    view = _page(qtbot, ctx)
    qtmodeltester.check(view.top_posts.model)
    qtmodeltester.check(view.top_posts.proxy)
    table = view.top_posts
    table.view.sortByColumn(TopPostsModel.PUBLISHED, Qt.SortOrder.AscendingOrder)
    times = [table.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).published_at for r in range(20)]
    assert times == sorted(times)
    table.view.sortByColumn(TopPostsModel.RATE, Qt.SortOrder.DescendingOrder)
    rates = [table.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).engagement_rate for r in range(20)]
    assert rates == sorted(rates, reverse=True)
    # likes sort as numbers, not text ("8" after "40")
    table.view.sortByColumn(TopPostsModel.LIKES, Qt.SortOrder.AscendingOrder)
    likes = [int(table.proxy.index(r, TopPostsModel.LIKES).data()) for r in range(20)]
    assert likes == sorted(likes)


def test_export_writes_the_table_in_view(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    view.top_posts.view.sortByColumn(TopPostsModel.LIKES, Qt.SortOrder.AscendingOrder)
    path = view.top_posts.export(tmp_path / "top.csv")
    assert path is not None
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20
    assert [int(r["likes"]) for r in rows] == sorted(int(r["likes"]) for r in rows)  # the view's order
    assert rows[0]["text"].startswith("Post number 19:")  # full text, not the cell's shortened one
    assert "Saved 20 posts" in view.top_posts.status.text()
    # a folder that does not exist: a sentence, nothing written
    assert view.top_posts.export(tmp_path / "missing" / "top.csv") is None
    assert view.top_posts.status.text().startswith("The table was not saved.")


def test_double_click_opens_the_posts_history(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    table = view.top_posts
    index = table.proxy.index(0, TopPostsModel.TEXT)
    table.view.doubleClicked.emit(index)
    dialog = view.post_dialog
    assert isinstance(dialog, PostDialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    chart = dialog.chart.view.chart()
    assert dialog.chart.has_chart()
    assert sorted(s.name() for s in chart.series()) == ["Likes", "Replies", "Reposts"]
    assert all(len(s.points()) == 2 for s in chart.series())  # two snapshots of each counter
    assert dialog.open_button.isEnabled() == bool(dialog.post.url)
    dialog.grab().save(str(_shots() / "post-history.png"))
    dialog.close()


def test_best_hours_become_queue_slots(qtbot: QtBot, ctx: AppContext) -> None:
    data = seed(ctx)
    view = _page(qtbot, ctx)
    assert view.loaded is not None
    best = view.loaded.best or []
    assert best, "the seeded data repeats hours, so some have two posts"
    assert view.best_button.isEnabled()
    outlined = [(c.weekday, c.hour) for c in best]
    assert "One of your best hours." in view.heatmap.tooltip_text(*outlined[0])
    view.add_best_hours([data.ann])
    qtbot.waitUntil(lambda: view.best_result.isVisible(), timeout=10_000)
    assert view.best_result.text().startswith(f"Added {len(best)} queue slot")
    assert "for @ann@example.social:" in view.best_result.text()
    added = slots.list_slots(ctx, data.ann)
    assert {(s.weekday, s.at.hour) for s in added} == set(outlined)
    assert slots.list_slots(ctx, data.bob) == []
    # again: nothing new, said so
    view.add_best_hours([data.ann])
    qtbot.waitUntil(lambda: "nothing was added" in view.best_result.text(), timeout=10_000)


def test_empty_states_say_the_next_step(qtbot: QtBot, ctx: AppContext) -> None:
    view = _page(qtbot, ctx)
    assert view.stack.currentWidget() is view.no_accounts
    with qtbot.waitSignal(view.navigate) as asked:
        assert view.no_accounts.action is not None
        view.no_accounts.action.click()
    assert asked.args == ["accounts"]

    add_accounts(ctx)
    _reload(qtbot, view, view.refresh)
    assert view.stack.currentWidget() is view.nothing_published
    with qtbot.waitSignal(view.navigate) as asked:
        view.nothing_published.action.click()  # type: ignore[union-attr]
    assert asked.args == ["compose"]


def test_published_but_never_synced_offers_sync_now(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx, synced=False)
    view = _page(qtbot, ctx)
    assert view.stack.currentWidget() is view.never_synced
    assert view.never_synced.action is not None and view.never_synced.action.text() == "Sync now"


def test_nothing_in_the_period_still_shows_the_dashboard(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx, days=3)
    view = _page(qtbot, ctx)
    bar = view.filters
    bar.start.setDate(date(2020, 1, 1))
    bar.end.setDate(date(2020, 1, 7))
    _reload(qtbot, view, lambda: bar.period.setCurrentIndex(bar.period.findData(CUSTOM)))
    assert view.stack.currentWidget() is view.scroll_area
    assert view.kpis.tiles["posts"].value.text() == "0"
    assert view.top_posts.status.text() == "No posts were published in this period."
    assert not view.engagement_card.has_chart()


def test_theme_switch_restyles_charts_and_heatmap(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    chart = view.engagement_card.view.chart()
    assert chart.backgroundBrush().color() == QColor(theme.LIGHT.base)
    mastodon = next(s for s in chart.series() if s.name() == "Mastodon").pen().color()
    # a cell without posts (the seeded posts go out at two hours of the day, whichever hour the test runs)
    day, hour = next(
        (d, h)
        for d in range(7)
        for h in range(24)
        if view.heatmap.cell(d, h) is None or not view.heatmap.cell(d, h).posts  # type: ignore[union-attr]
    )
    empty = view.heatmap.cell_rect(day, hour).center()
    light_cell = view.heatmap.grab().toImage().pixelColor(empty)
    try:
        _dark(qapp)
        qtbot.waitUntil(lambda: chart.backgroundBrush().color() == QColor(theme.DARK.base), timeout=5000)
        dark_cell = view.heatmap.grab().toImage().pixelColor(empty)
        assert dark_cell.lightness() < light_cell.lightness() - 80  # the heatmap paints from the palette
        assert view.growth_card.view.chart().backgroundBrush().color() == QColor(theme.DARK.base)
        # the series keep their colours across the switch
        assert next(s for s in chart.series() if s.name() == "Mastodon").pen().color() == mastodon
        assert chart.legend().labelColor() == QColor(theme.DARK.text)
    finally:
        _light(qapp)
    qtbot.waitUntil(lambda: chart.backgroundBrush().color() == QColor(theme.LIGHT.base), timeout=5000)


def test_sync_finishing_while_hidden_reloads_on_show(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    view.hide()
    generation = view._generation
    view._sync_finished(object())
    assert view._generation == generation  # nothing loaded while hidden
    view.show()
    assert view._generation == generation + 1
    _settle(qtbot, view)


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [(900, 600), (1280, 800)])
def test_screenshots(qtbot: QtBot, ctx: AppContext, qapp: QApplication, scheme: str, size: tuple[int, int]) -> None:
    data = seed(ctx)
    if scheme == "dark":
        _dark(qapp)
    try:
        window = _window(qtbot, ctx, size)
        view = window.pages["analytics"].view  # type: ignore[attr-defined]
        _settle(qtbot, view)
        assert view.stack.currentWidget() is view.scroll_area
        window.grab().save(str(_shots() / f"analytics-{scheme}-{size[0]}.png"))
        view.content.grab().save(str(_shots() / f"analytics-{scheme}-{size[0]}-full.png"))
        _reload(qtbot, view, lambda: view.show_campaign(data.campaign))
        view.content.grab().save(str(_shots() / f"analytics-campaign-{scheme}-{size[0]}-full.png"))
        assert view.loaded is not None and view.loaded.best
        dialog = AccountsDialog(view.accounts_in_scope(), view.loaded.best, view.zone.key, view)
        dialog.adjustSize()
        dialog.grab().save(str(_shots() / f"best-hours-dialog-{scheme}.png"))
        assert sorted(dialog.chosen()) == sorted([data.ann, data.bob])
        dialog.boxes[data.bob].setChecked(False)
        assert dialog.chosen() == [data.ann]
        dialog.boxes[data.ann].setChecked(False)
        assert not dialog.add_button.isEnabled()  # nothing to add slots for
        dialog.close()
    finally:
        _light(qapp)


def test_service_dataset_matches_the_page(ctx: AppContext) -> None:
    """The page shows the service's numbers; this pins the seed the other tests rely on."""
    seed(ctx)
    zone = __import__("zoneinfo").ZoneInfo("UTC")
    board = analytics.dashboard(ctx, analytics.Scope(analytics.Period.last_days(30, now=NOW, zone=zone)), zone=zone)
    assert board.kpis.current.posts == 20
    assert board.last_synced is not None


def test_sync_now_reports_accounts_it_could_not_measure(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)  # accounts without keyring entries: the pass cannot sign in to either
    window = _window(qtbot, ctx, (1280, 800))
    view = _view_of(window)
    _settle(qtbot, view)
    assert view.sync_button.isEnabled()
    with qtbot.waitSignal(window.metrics_engine.sync_finished, timeout=30_000):
        view.sync_button.click()
        assert view.sync_button.text() == "Syncing…"
        assert view.sync_status.text().startswith("Syncing…")
    qtbot.waitUntil(lambda: view.runner.pending() == 0 and view.sync_button.text() == "Sync now", timeout=15_000)
    report = window.metrics_engine.last_report
    assert report is not None
    assert {n.handle for n in report.errors} == {"@ann@example.social", "bob.bsky.social"}
    assert view.sync_status.text().endswith("@ann@example.social, bob.bsky.social could not be measured; see Details.")
    assert view.details_button.isVisible()
    assert "please reconnect the account" in view._sync_details


def _view_of(window: MainWindow) -> AnalyticsView:
    return window.pages["analytics"].view  # type: ignore[attr-defined]


class _Browser(QObject):
    """Stands in for the system browser: Qt hands it the URLs QDesktopServices would open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_open_post_opens_its_live_link(qtbot: QtBot, ctx: AppContext) -> None:
    seed(ctx)
    view = _page(qtbot, ctx)
    table = view.top_posts
    browser = _Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        assert not table.open_button.isEnabled()  # nothing selected yet
        with_url = next(r for r in range(table.proxy.rowCount()) if table.proxy.index(r, 0).data(ROW_ROLE).url)
        table.view.selectRow(with_url)
        assert table.open_button.isEnabled()
        table.open_button.click()
        assert browser.opened == [table.selected().url]  # type: ignore[union-attr]
        without = next(r for r in range(table.proxy.rowCount()) if not table.proxy.index(r, 0).data(ROW_ROLE).url)
        table.view.selectRow(without)
        assert not table.open_button.isEnabled()  # no public link to open
    finally:
        QDesktopServices.unsetUrlHandler("https")


def test_empty_state_screenshots(qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    seed(ctx, synced=False)
    _dark(qapp)
    try:
        window = _window(qtbot, ctx, (900, 600))
        view = _view_of(window)
        _settle(qtbot, view)
        assert view.stack.currentWidget() is view.never_synced
        assert window.grab().save(str(_shots() / "analytics-never-synced-dark-900.png"))
    finally:
        _light(qapp)


def test_top_posts_keep_every_counter_in_view_at_1280(qtbot: QtBot, ctx: AppContext) -> None:
    """Long handles and campaign names give way (elided, whole in the tooltip) so that the counters,
    the sorted Engagements column first, stay in view beside the text at the width a 1280 px window
    gives the page; a wider page gives them back their whole width."""
    from sqlalchemy import update

    from desktop.store.models import Account, Campaign

    seed(ctx)
    with ctx.session() as s:
        s.execute(update(Account).values(handle=Account.handle + ".with-a-long-brand-name.example"))
        s.execute(update(Campaign).values(name=Campaign.name + " — holiday season retargeting"))
        s.commit()
    view = _page(qtbot, ctx)
    view.resize(1030, 900)  # the page's width in a 1280 px window, beside the sidebar
    table = view.top_posts.view
    header = table.horizontalHeader()
    columns = range(view.top_posts.model.columnCount())
    qtbot.waitUntil(lambda: sum(header.sectionSize(c) for c in columns) <= table.viewport().width(), timeout=5000)
    assert header.sectionSize(TopPostsModel.TEXT) >= 160
    assert header.sectionSize(TopPostsModel.ACCOUNT) < table.natural[TopPostsModel.ACCOUNT]  # gave way
    qtbot.waitUntil(lambda: not table.horizontalScrollBar().isVisible(), timeout=5000)
    first = view.top_posts.proxy.index(0, TopPostsModel.CAMPAIGN)
    assert first.data(Qt.ItemDataRole.ToolTipRole) in (first.data(), "No campaign")
    view.resize(1900, 900)
    qtbot.waitUntil(
        lambda: header.sectionSize(TopPostsModel.ACCOUNT) == table.natural[TopPostsModel.ACCOUNT], timeout=5000
    )
