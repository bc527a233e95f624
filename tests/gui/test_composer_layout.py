"""The composer at the window's minimum (900×600) and at 1280×800, light and dark, with three
accounts with long handles, a campaign with a long name and a thread of three parts: nothing
overlaps, no text is cut, the account tabs need no scroll arrows; and a live theme switch
re-styles it with readable contrast (WCAG AA)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop.services import campaigns
from desktop.services.context import AppContext
from desktop.services.seed import seed
from desktop.ui import theme
from desktop.ui.compose.composer import Composer
from desktop.ui.compose.style import over_limit_colors
from desktop.ui.pages.compose import ComposePage
from desktop.ui.tasks import TaskRunner
from tests.gui.layout_check import layout_problems

#: The main window's client area at its minimum and at 1280×800 (the menu bar and the status bar
#: take about 52 px); the page gets it less the 200 px sidebar.
WINDOW_SIZES = {"900x600": (900, 548), "1280x800": (1280, 748)}
SIDEBAR_PX = 200
LONG_CAMPAIGN = "Spring collection launch — northern hemisphere retail partners"


def contrast(a: QColor | str, b: QColor | str) -> float:
    """WCAG 2 contrast ratio of two colours (1..21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    la, lb = sorted((luminance(QColor(a)), luminance(QColor(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def pixel_background(widget: QWidget) -> QColor:
    """The colour actually painted at the top-left inside ``widget`` (its background)."""
    image = widget.grab().toImage()
    return image.pixelColor(image.width() - 4, image.height() - 4)


def window_like(page: QWidget) -> QWidget:
    """The page beside a sidebar-sized block, as the main window holds it."""
    host = QWidget()
    row = QHBoxLayout(host)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    sidebar = QFrame()
    sidebar.setFixedWidth(SIDEBAR_PX)
    row.addWidget(sidebar)
    row.addWidget(page, 1)
    return host


def problems(page: QWidget) -> list[str]:
    """``layout_problems`` of the page."""
    found = layout_problems(page)
    print("\n".join(found))
    return found


def fit(host: QWidget, size: str) -> None:
    """Resize the window and let wrapped rows settle; the page must really get that size."""
    host.resize(*WINDOW_SIZES[size])
    for _ in range(3):
        QApplication.processEvents()
    assert host.size().toTuple() == WINDOW_SIZES[size], "the composer's minimum is larger than the window's"


@pytest.fixture
def page(qtbot: QtBot, qapp: QApplication, ctx: AppContext) -> Iterator[ComposePage]:
    seed(ctx, posts=40, snapshots=0, accounts=3, campaigns=3, days=40, until=datetime(2026, 11, 1, tzinfo=UTC))
    campaigns.add_campaign(ctx, LONG_CAMPAIGN)
    runner = TaskRunner()
    page = ComposePage(ctx, runner)
    host = window_like(page)
    qtbot.addWidget(host)
    host.resize(*WINDOW_SIZES["1280x800"])
    host.show()
    yield page
    runner.cancel_all()
    runner.wait(5000)


def busy_thread(qtbot: QtBot, page: ComposePage) -> Composer:
    page.refresh()
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.composer and len(page.composer.targets) == 3)
    composer = page.composer
    qtbot.waitUntil(lambda: page.runner.pending() == 0, timeout=10_000)
    for chip in composer.chips.chips.values():
        chip.setChecked(True)
    composer.editor.set_parts(
        [
            "Our spring collection is live 🌷 Lightweight shells, trail runners and packs built for long days "
            "outside, tested on the ridge trails above the lake all winter long by our own team. Early birds get "
            "20% off this week with code SPRING — see https://acme.example/spring #hiking #outdoors @trailclub "
            "and tell us which piece you'd take on your first hike of the season, we read every reply.",
            "Every piece is made from recycled nylon, and we plant a tree for each order 🌳",
            "Questions? Our team answers within a day: https://acme.example/help",
        ]
    )
    composer.on_text_changed()
    composer.bar.campaign.setCurrentIndex(composer.bar.campaign.findData(LONG_CAMPAIGN))
    composer.validate_now()
    QApplication.processEvents()
    return composer


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("size", list(WINDOW_SIZES))
def test_nothing_overlaps_or_is_cut_at_the_minimum_and_at_1280(
    qtbot: QtBot, qapp: QApplication, page: ComposePage, mode: str, size: str, screenshot_dir: Path
) -> None:
    theme.apply(qapp, mode)
    composer = busy_thread(qtbot, page)
    fit(page.window(), size)
    assert page.grab().save(str(screenshot_dir / f"composer-{size}-{mode}.png"))
    assert len(composer.editor.boxes) == 3
    assert problems(page) == []
    # three accounts: every tab shows without scroll arrows
    tabs = composer.tabs
    assert tabs.count() == 4
    assert tabs.tabRect(tabs.count() - 1).right() <= tabs.width()


def test_a_live_switch_to_dark_and_back_restyles_everything_readably(
    qtbot: QtBot, qapp: QApplication, page: ComposePage, screenshot_dir: Path
) -> None:
    theme.apply(qapp, "light")
    composer = busy_thread(qtbot, page)
    fit(page.window(), "900x600")
    for mode in ("dark", "light"):
        theme.apply(qapp, mode)
        QApplication.processEvents()
        c = theme.current()
        assert c.dark == (mode == "dark")
        assert page.grab().save(str(screenshot_dir / f"composer-live-switch-to-{mode}.png"))
        editor = composer.editor.boxes[1].editor
        text = editor.palette().color(QPalette.ColorRole.Text)
        assert contrast(text, pixel_background(composer.card)) >= 4.5, mode
        assert contrast(text, c.base) >= 4.5
        # the selected tab and the others, on the page's background
        tab_bg = pixel_background(composer.tabs)
        assert contrast(c.text, tab_bg) >= 4.5 and contrast(c.muted, tab_bg) >= 4.5, mode
        # the date field: its text on what is painted behind it
        when = composer.bar.when
        assert contrast(when.palette().color(QPalette.ColorRole.Text), pixel_background(when)) >= 4.5, mode
        # the marked over-limit text stays readable
        background, foreground = over_limit_colors(c)
        assert contrast(foreground, background) >= 4.5
        assert composer.editor.boxes[0].editor.over_limit_range() is not None
        # the toolbar's icons are drawn in the theme's text colour, not the old one
        icon = composer.toolbar.media_button.icon().pixmap(24, 24).toImage()
        inked = [
            icon.pixelColor(x, y)
            for x in range(icon.width())
            for y in range(icon.height())
            if icon.pixelColor(x, y).alpha() > 200
        ]
        assert inked and all(contrast(p, c.base) >= 3 for p in inked), mode
    assert problems(page) == []


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_in_the_main_window_at_its_minimum_and_1280(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, mode: str, screenshot_dir: Path
) -> None:
    from desktop.ui.main_window import MainWindow

    seed(ctx, posts=40, snapshots=0, accounts=3, campaigns=3, days=40, until=datetime(2026, 11, 1, tzinfo=UTC))
    campaigns.add_campaign(ctx, LONG_CAMPAIGN)
    theme.apply(qapp, "dark" if mode == "light" else "light")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_page("compose")
    page = window.pages["compose"]
    assert isinstance(page, ComposePage)
    composer = busy_thread(qtbot, page)
    theme.apply(qapp, mode)  # switched while the composer is shown
    for size in ((900, 600), (1280, 800)):
        window.resize(*size)
        for _ in range(3):
            QApplication.processEvents()
        assert window.size().toTuple() == size
        assert window.grab().save(str(screenshot_dir / f"composer-window-{mode}-{size[0]}x{size[1]}.png"))
        assert problems(page) == [], size
    assert composer.editor.boxes[0].editor.over_limit_range() is not None
