"""Every page of the main window, with a realistic desk (3 accounts with long handles, campaigns with
long names, 80 posts over 40 days, drafts, failures), lays out at the minimum window size, at
1280×800 and at 1920×1080, in light and dark, after a live theme switch: no overlapping widgets,
no cut text, nothing sticking out of its parent (tests/gui/layout_check.py).

The helpers here (``make_realistic``, ``open_window``) are shared by test_accessibility.py and
test_scaling.py (which runs them in a subprocess at 150 % and 200 %).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from desktop.services.context import AppContext
from desktop.services.seed import seed
from desktop.store.models import Account, Campaign
from desktop.ui import theme
from desktop.ui.main_window import MainWindow
from desktop.ui.selftest_qt import settle_window
from tests.gui.layout_check import layout_problems

SIZES = [(900, 600), (1280, 800), (1920, 1080)]
SCHEMES = ["light", "dark"]

LONG_HANDLES = (
    "@northwind-outdoor-marketing@social.demo.example",
    "northwind-outdoor-community-team.demo.example",
    "@northwind-careers-and-culture@social.demo.example",
)
LONG_CAMPAIGNS = (
    "Spring launch — trail running collection 2026",
    "Summer sale: everything for the long weekend",
    "Back to school with the Northwind student discount",
)


def make_realistic(ctx: AppContext) -> None:
    """The desk a marketer sees: seeded posts, metrics and drafts, with long handles and names."""
    seed(ctx, posts=80, snapshots=800, accounts=3, campaigns=3, days=40, until=datetime.now(UTC) + timedelta(days=10))
    with ctx.session() as s:
        for account, handle in zip(s.scalars(select(Account).order_by(Account.id)), LONG_HANDLES, strict=False):
            account.handle = handle
            account.display_name = handle.strip("@").split("@")[0].replace("-", " ").title()
        for campaign, name in zip(s.scalars(select(Campaign).order_by(Campaign.id)), LONG_CAMPAIGNS, strict=False):
            campaign.name = name
        s.commit()


def open_window(ctx: AppContext, size: tuple[int, int]) -> MainWindow:
    window = MainWindow(ctx)
    window.show()
    window.resize(*size)
    QApplication.processEvents()
    settle_window(window)
    return window


def close_window(window: MainWindow) -> None:
    window.runner.cancel_all()
    window.runner.wait(5000)
    window.hide()
    window.deleteLater()
    QApplication.processEvents()


def page_problems(window: MainWindow, key: str) -> list[str]:
    """Show page ``key``, let it load, and list what is wrong with the window's layout."""
    window.show_page(key)
    settle_window(window)
    QApplication.processEvents()
    central = window.centralWidget()
    assert isinstance(central, QWidget)
    return layout_problems(central)


def report(problems: dict[str, list[str]]) -> str:
    """One line per problem, grouped by page, for a readable failure."""
    return "\n" + "\n".join(f"[{key}] {line}" for key, lines in problems.items() for line in lines)


@pytest.fixture
def desk(ctx: AppContext) -> AppContext:
    make_realistic(ctx)
    return ctx


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_lays_out_after_a_live_theme_switch(
    qapp: QApplication, desk: AppContext, size: tuple[int, int], scheme: str, screenshot_dir: Path
) -> None:
    theme.apply(qapp, "dark" if scheme == "light" else "light")  # start in the other scheme
    window = open_window(desk, size)
    try:
        for key in window.pages:  # every page built and shown once in the first scheme
            window.show_page(key)
            settle_window(window)
        theme.apply(qapp, scheme)  # the switch at runtime, while the window is shown
        QApplication.processEvents()
        assert (window.width(), window.height()) == size
        problems: dict[str, list[str]] = {}
        for key in window.pages:
            found = page_problems(window, key)
            assert window.grab().save(str(screenshot_dir / f"layout-{key}-{size[0]}x{size[1]}-{scheme}.png"))
            if found:
                problems[key] = found
        assert problems == {}, report(problems)
    finally:
        close_window(window)
