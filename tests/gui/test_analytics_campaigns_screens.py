"""Analytics, Campaigns, CSV import and Help at 900×600, 1280×800 and 1920×1080, light and dark,
with a live theme switch: no overlapping or cut widgets (tests/gui/layout_check.py), the colours
these screens paint at WCAG AA, and screenshots under a temp dir to look at."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from desktop.services import app_settings, campaigns
from desktop.services.context import AppContext
from desktop.services.seed import seed
from desktop.store.models import Account, Campaign
from desktop.ui import theme
from desktop.ui.analytics.charts import colors_for
from desktop.ui.analytics.dashboard import AnalyticsView
from desktop.ui.analytics.filters import CUSTOM
from desktop.ui.analytics.post_view import PostDialog
from desktop.ui.campaigns.model import goal_color
from desktop.ui.changes import SETTINGS, changes
from desktop.ui.help.diagnostics import DiagnosticsDialog
from desktop.ui.help.guide import GuideDialog
from desktop.ui.help.shortcuts import ShortcutsDialog
from desktop.ui.importing import ImportDialog, ImportPreviewModel
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.analytics import AnalyticsPage
from desktop.ui.pages.campaigns import CampaignsPage
from desktop.ui.tasks import TaskRunner
from tests.gui.layout_check import layout_problems

SIZES = ((900, 600), (1280, 800), (1920, 1080))
MODES = ("light", "dark")
SHOTS = Path(os.environ.get("CAMPAIGN_DESK_SCREENSHOTS") or tempfile.gettempdir()) / "h7-screens"
LONG_HANDLES = (
    "@northwest-marketing-team@very-long-instance-name.social",
    "community-and-partnerships.bsky.social",
    "@spring-collection-launch-desk@mastodon.example",
)
LONG_CAMPAIGNS = (
    "Spring collection launch — early-bird newsletter push for the autumn trade fair",
    "Black Friday and Cyber Monday weekend, all shops and the online store",
    "Evergreen tips",
)


# --- contrast (WCAG 2.1) ------------------------------------------------------------------------


def luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(foreground: str | QColor, background: str | QColor) -> float:
    high, low = sorted((luminance(QColor(foreground)), luminance(QColor(background))), reverse=True)
    return (high + 0.05) / (low + 0.05)


TEXT, GRAPHIC = 4.5, 3.0


def test_contrast_helper_matches_the_wcag_examples() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture
def busy(ctx: AppContext) -> AppContext:
    """Realistic data: 3 accounts with long handles, 3 campaigns (two with long names), 80 posts
    over 40 days with metrics, in a named zone."""
    app_settings.put(ctx, app_settings.TIMEZONE, "America/Argentina/Buenos_Aires")
    seed(ctx, posts=80, snapshots=800, accounts=3, campaigns=3, days=40, until=datetime.now(UTC) - timedelta(hours=1))
    with ctx.session() as s:
        for account_id, handle in zip(s.scalars(select(Account.id).order_by(Account.id)), LONG_HANDLES, strict=False):
            s.execute(update(Account).where(Account.id == account_id).values(handle=handle))
        ids = list(s.scalars(select(Campaign.id).order_by(Campaign.id)))
        for campaign_id, name in zip(ids, LONG_CAMPAIGNS, strict=False):
            s.execute(update(Campaign).where(Campaign.id == campaign_id).values(name=name))
        s.commit()
    campaigns.archive_campaign(ctx, ids[-1])
    return ctx


@pytest.fixture
def restore(qapp: QApplication) -> Iterator[None]:
    yield
    theme.apply(qapp, "system")


def _window(qtbot: QtBot, ctx: AppContext, page: str = "", *, show: bool = True) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    if show:
        window.show()
    if page:
        window.show_page(page)
    return window


def _check(qtbot: QtBot, widget: QWidget, name: str, shots: Path, mode: str, size: tuple[int, int]) -> None:
    for _turn in range(3):  # layouts that reflow on resize (chart grid, KPI tiles) take a few turns
        QApplication.processEvents()
        qtbot.wait(20)
    assert widget.grab().save(str(shots / f"{name}-{size[0]}x{size[1]}-{mode}.png"))
    assert layout_problems(widget) == [], f"{name} at {size} in {mode}"


def _each(qapp: QApplication, resize: object) -> Iterator[tuple[str, tuple[int, int]]]:
    """Every size in both themes, switching the theme while the screen is shown (a live switch)."""
    for mode in MODES:
        theme.apply(qapp, mode)
        for size in SIZES:
            resize(*size)  # type: ignore[operator]
            yield mode, size


def _settle_view(qtbot: QtBot, view: AnalyticsView) -> None:
    qtbot.waitUntil(lambda: view.loaded is not None and view.runner.pending() == 0, timeout=20_000)


# --- Analytics ----------------------------------------------------------------------------------


def test_analytics_dashboard_campaign_and_post_views_fit_every_size_and_theme(
    qtbot: QtBot, busy: AppContext, qapp: QApplication, shots: Path, restore: None
) -> None:
    window = _window(qtbot, busy, "analytics")
    page = window.pages["analytics"]
    assert isinstance(page, AnalyticsPage)
    view = page.view
    _settle_view(qtbot, view)
    assert view.stack.currentWidget() is view.scroll_area
    assert view.top_posts.model.rowCount() >= 40

    # the campaign filter: active campaigns first, archived last and marked
    labels = [view.filters.campaign.itemText(i) for i in range(1, view.filters.campaign.count())]
    assert labels[-1] == "Evergreen tips (archived)"
    assert all("(archived)" not in label for label in labels[:-1])

    for mode, size in _each(qapp, window.resize):
        _check(qtbot, page, "analytics", shots, mode, size)
        assert view.scroll_area.horizontalScrollBar().maximum() == 0, size
        assert view.engagement_card.view.chart().backgroundBrush().color() == QColor(theme.current().base)
    # a custom range adds its two dates: still nothing cut at the minimum size
    before = view.loaded
    view.filters.period.setCurrentIndex(view.filters.period.findData(CUSTOM))
    qtbot.waitUntil(lambda: view.loaded is not before and view.runner.pending() == 0, timeout=20_000)
    window.resize(900, 600)
    _check(qtbot, page, "analytics-custom-range", shots, "dark", (900, 600))
    view.filters.period.setCurrentIndex(1)
    _settle_view(qtbot, view)
    theme.apply(qapp, "light")

    # the campaign view: the goal panel and the networks compared
    campaign_id = view.filters.campaign.itemData(1)
    before = view.loaded
    view.show_campaign(campaign_id)
    qtbot.waitUntil(lambda: view.loaded is not before and view.runner.pending() == 0, timeout=20_000)
    assert view.campaign_panel.isVisible()
    for mode, size in _each(qapp, window.resize):
        _check(qtbot, page, "analytics-campaign", shots, mode, size)
        assert view.scroll_area.horizontalScrollBar().maximum() == 0, size  # nothing wider than the page
    theme.apply(qapp, "light")

    # the post view, opened with Enter on the top posts table
    view.top_posts.view.setFocus()
    view.top_posts.view.setCurrentIndex(view.top_posts.proxy.index(0, 0))
    qtbot.keyClick(view.top_posts.view, Qt.Key.Key_Return)
    dialog = view.post_dialog
    assert isinstance(dialog, PostDialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    for mode, size in _each(qapp, dialog.resize):
        _check(qtbot, dialog, "analytics-post", shots, mode, size)
    dialog.close()


def test_analytics_paints_its_words_and_marks_at_wcag_aa(
    qtbot: QtBot, busy: AppContext, qapp: QApplication, restore: None
) -> None:
    window = _window(qtbot, busy, "analytics")
    view = window.pages["analytics"].view  # type: ignore[attr-defined]
    _settle_view(qtbot, view)
    for mode in MODES:
        theme.apply(qapp, mode)
        QApplication.processEvents()
        c = colors_for(view.palette())
        assert c == theme.current()
        chart = view.engagement_card.view.chart()
        # charts: labels and legend on the card
        assert contrast(chart.legend().labelColor(), c.base) >= TEXT
        for axis in chart.axes():
            assert contrast(axis.labelsColor(), c.base) >= TEXT
        # KPI tiles: the change's colour (up, down, not comparable) on the card
        for tile in view.kpis.visible_tiles():
            tone = QColor(tile.delta.styleSheet().split("color:")[1].split(";")[0].strip())
            assert contrast(tone, c.base) >= TEXT, tile.spec.name
        for tone in (c.success, c.danger, c.muted):
            assert contrast(tone, c.base) >= TEXT
        # heatmap: hour and weekday labels, the best hours' outline on the strongest fill
        assert contrast(c.muted, c.base) >= TEXT
        assert contrast(c.text, c.accent) >= GRAPHIC
        # goal bars (campaign view and Campaigns page) against their track and the card
        for fraction, on_track in ((0.4, True), (0.4, False), (1.0, True)):
            fill = goal_color(c, fraction, on_track)
            assert contrast(fill, c.base) >= GRAPHIC, (mode, fill)


def test_analytics_reloads_on_a_time_zone_change_and_not_on_other_settings(
    qtbot: QtBot, busy: AppContext, restore: None
) -> None:
    window = _window(qtbot, busy, "analytics")
    page = window.pages["analytics"]
    view = page.view  # type: ignore[attr-defined]
    _settle_view(qtbot, view)
    assert page.watches >= {"metrics", "posts", "campaigns", "accounts", "settings"}
    generation = view._generation
    window.runner.notify(changes(settings=("close_to_tray",)))
    assert view._generation == generation  # nothing shown here depends on it
    app_settings.put(busy, app_settings.TIMEZONE, "Asia/Tokyo")
    window.runner.notify(changes(settings=("timezone",)))
    assert view._generation == generation + 1
    _settle_view(qtbot, view)
    assert view.loaded.zone.key == "Asia/Tokyo"
    assert "Asia/Tokyo" in view.heat_note.text() or "Tokyo" in view.heat_note.text()
    # hidden, it never loads; showing it again does
    window.show_page("campaigns")
    generation = view._generation
    window.runner.notify(changes(SETTINGS, settings=("timezone",)))
    assert view._generation == generation


def test_failed_report_and_export_say_what_to_do_with_details(
    qtbot: QtBot, busy: AppContext, tmp_path: Path, restore: None
) -> None:
    view = AnalyticsView(busy, TaskRunner())
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.refresh()
    _settle_view(qtbot, view)
    assert view.save_report(str(tmp_path / "gone" / "report.pdf")) is None
    box = view.error_box
    assert box is not None and box.text().startswith("The report was not saved.")
    assert "Errno" not in box.text() and "OSError" not in box.text()
    assert box.detailedText()  # the system's own words, whole
    box.close()
    assert view.top_posts.export(tmp_path / "gone" / "top.csv") is None
    box = view.top_posts.error_box
    assert box is not None and box.text().startswith("The table was not saved.")
    assert "Errno" not in box.text() and box.detailedText()
    box.close()


# --- Campaigns ----------------------------------------------------------------------------------


def test_campaigns_page_and_dialog_fit_every_size_and_theme(
    qtbot: QtBot, busy: AppContext, qapp: QApplication, shots: Path, restore: None
) -> None:
    window = _window(qtbot, busy, "campaigns")
    page = window.pages["campaigns"]
    assert isinstance(page, CampaignsPage)
    assert page.watches == frozenset({"campaigns", "posts", "metrics"})
    page.show_archived.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=10_000)
    page.table.selectRow(0)
    assert page.delete_button.property("danger") is True
    assert page.delete_button.accessibleName() or page.delete_button.text()
    for mode, size in _each(qapp, window.resize):
        _check(qtbot, page, "campaigns", shots, mode, size)
        assert page.table.horizontalScrollBar().maximum() == 0, size  # dates, posts and goal bars in view
    theme.apply(qapp, "light")

    dialog = page.edit_selected()
    assert dialog is not None
    assert dialog.color_button.accessibleName() == "Campaign colour" and dialog.color_button.toolTip()
    texts = " ".join(w.text() for w in dialog.findChildren(QWidget) if hasattr(w, "text") and isinstance(w.text(), str))
    assert "campaign-desk" not in texts  # words, not command lines
    for mode, size in _each(qapp, dialog.resize):
        _check(qtbot, dialog, "campaign-dialog", shots, mode, size)
        assert (
            contrast(dialog.error.styleSheet().split("color:")[1].split(";")[0].strip(), theme.current().window) >= TEXT
        )
    dialog.reject()


def test_campaign_writes_report_what_they_changed_and_refresh_the_page(qtbot: QtBot, busy: AppContext) -> None:
    window = _window(qtbot, busy, "campaigns")
    page = window.pages["campaigns"]
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 and window.runner.pending() == 0, timeout=10_000)  # type: ignore[attr-defined]
    reported: list[object] = []
    window.runner.changed.connect(reported.append)
    dialog = page.open_new_dialog()  # type: ignore[attr-defined]
    qtbot.keyClicks(dialog.name, "Summer sale")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3 and window.runner.pending() == 0, timeout=10_000)  # type: ignore[attr-defined]
    assert any("campaigns" in c.kinds for c in reported)  # type: ignore[attr-defined]
    assert page.selected() is not None and page.selected().name == "Summer sale"  # type: ignore[attr-defined]
    # a change made elsewhere (another page, the CLI through the app) refreshes the visible list
    campaigns.add_campaign(busy, "Added elsewhere")
    window.runner.notify(changes("campaigns"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=10_000)  # type: ignore[attr-defined]


# --- CSV import ---------------------------------------------------------------------------------


BAD = (
    "text;accounts;time;media;campaign\n"
    "Spring launch is three weeks away;@studio@mastodon.social;{soon};;No such campaign with a long name\n"
    "{long};studio.bsky.social;{soon};;\n"
    "Who is this?;@someone@elsewhere.social;2020-01-10 09:00;missing.jpg;\n"
)


def _studio(ctx: AppContext) -> None:
    with ctx.session() as s:
        s.add(Account(provider="mastodon", remote_id="1", handle="@studio@mastodon.social", server_url="https://m.s"))
        s.add(Account(provider="bluesky", remote_id="did:plc:1", handle="studio.bsky.social", server_url="https://b"))
        s.commit()
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")


def test_import_preview_shows_every_column_and_the_selected_row_whole(
    qtbot: QtBot,
    ctx: AppContext,
    qapp: QApplication,
    shots: Path,
    tmp_path: Path,
    qtmodeltester,
    restore: None,  # type: ignore[no-untyped-def]
) -> None:
    _studio(ctx)
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 09:30")
    path = tmp_path / "posts.csv"
    path.write_text(BAD.format(soon=soon, long="Far too long for Bluesky. " * 14), encoding="utf-8")
    window = _window(qtbot, ctx, show=False)
    dialog = ImportDialog(ctx, window.runner, window)
    qtbot.addWidget(dialog)
    # it opens large enough for every column, bounded by the screen
    room = dialog.screen().availableGeometry()
    assert dialog.width() <= room.width() and dialog.height() <= room.height()
    dialog.show()
    dialog.load(path)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    qtmodeltester.check(dialog.model)
    assert dialog.model.headerData(ImportPreviewModel.WHEN, Qt.Orientation.Horizontal) == "When (Europe/Paris)"
    # the first bad row is selected and shown whole beneath the table, every problem in words
    first = dialog.plan.invalid[0]  # type: ignore[union-attr]
    assert f"Line {first.line}:" in dialog.row_view.text()
    assert all(e in dialog.row_view.text() for e in first.errors)
    assert dialog.recheck_button.accessibleName() and dialog.recheck_button.toolTip()
    header = dialog.table.horizontalHeader()
    for mode, size in _each(qapp, dialog.resize):
        _check(qtbot, dialog, "import", shots, mode, size)
        # every column is on screen: the Problems column ends inside the table's viewport
        problems = ImportPreviewModel.PROBLEMS
        right = header.sectionViewportPosition(problems) + header.sectionSize(problems)
        assert right <= dialog.table.viewport().width() + 1, size
        assert header.sectionSize(problems) >= 200, size
        c = theme.current()
        assert contrast(dialog.model.problem_color(), c.base) >= TEXT
    dialog.reject()


def test_import_failure_is_a_sentence_with_details(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    window = _window(qtbot, ctx, show=False)
    dialog = ImportDialog(ctx, window.runner, window)
    qtbot.addWidget(dialog)
    dialog.show()
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()  # reading a folder fails with the system's words
    dialog.load(folder)
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=10_000)
    assert dialog.summary.text() == "This file cannot be imported."
    text = dialog.message.text()
    assert text and "Errno" not in text and "Error:" not in text
    if dialog.details_button.isVisible():
        box = dialog.show_details()
        assert box.detailedText()
        box.close()


# --- Help ---------------------------------------------------------------------------------------


def test_help_dialogs_fit_every_size_and_theme(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, shots: Path, restore: None
) -> None:
    window = _window(qtbot, ctx)
    dialogs: list[tuple[str, QDialog]] = [
        ("help-guide", GuideDialog(window)),
        ("help-shortcuts", ShortcutsDialog(window)),
        ("help-diagnostics", DiagnosticsDialog(ctx, window.runner, window)),
    ]
    for name, dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=10_000)
        for mode, size in _each(qapp, dialog.resize):
            _check(qtbot, dialog, name, shots, mode, size)
        theme.apply(qapp, "light")
        dialog.close()
