"""Accessibility of the whole main window with a realistic desk: every icon-only control is named
for screen readers and has a tooltip, every enabled menu action has words, and the keyboard alone
(Tab from the sidebar) reaches each page's controls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.services.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.selftest_qt import settle_window
from tests.gui.test_layout_sizes import close_window, make_realistic, open_window

# Parts Qt builds inside composite widgets (tab scrollers, spin arrows, the table's corner button):
# Qt names and reaches those itself.
_QT_INTERNALS = (QTabBar, QAbstractSpinBox, QComboBox, QScrollBar, QAbstractItemView, QCalendarWidget)


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext) -> Iterator[MainWindow]:
    make_realistic(ctx)
    win = open_window(ctx, (1280, 800))
    win.activateWindow()
    qtbot.waitActive(win)
    yield win
    close_window(win)


def _inside_qt_internals(w: QWidget, root: QWidget) -> bool:
    node = w.parentWidget()
    while node is not None and node is not root:
        if isinstance(node, _QT_INTERNALS):
            return True
        node = node.parentWidget()
    return False


def _where(w: QWidget) -> str:
    parts = []
    node: QWidget | None = w
    while node is not None and not isinstance(node, MainWindow):
        parts.append(node.objectName() or type(node).__name__)
        node = node.parentWidget()
    return "/".join(reversed(parts))


def _visible_controls(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if w.isVisible() and not _inside_qt_internals(w, root)]


def test_every_icon_only_control_has_a_name_and_a_tooltip(window: MainWindow) -> None:
    problems = []
    for key in window.pages:
        window.show_page(key)
        settle_window(window)
        for w in _visible_controls(window):
            if not isinstance(w, QAbstractButton) or w.icon().isNull() or w.text().strip():
                continue
            if not w.accessibleName().strip():
                problems.append(f"[{key}] {_where(w)}: icon-only button without an accessible name")
            if not w.toolTip().strip():
                problems.append(f"[{key}] {_where(w)}: icon-only button without a tooltip")
    assert problems == [], "\n" + "\n".join(dict.fromkeys(problems))


def _menu_actions(menu: QMenu, path: str) -> Iterator[tuple[str, QAction]]:
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_actions(sub, f"{path} > {action.text()}")
        else:
            yield path, action


def test_every_enabled_action_in_the_menus_has_words(window: MainWindow) -> None:
    problems = []
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    assert {m.title().replace("&", "") for m in menus if isinstance(m, QMenu)} >= {"File", "View", "Help"}
    count = 0
    for menu in menus:
        assert isinstance(menu, QMenu)
        for path, action in _menu_actions(menu, menu.title().replace("&", "")):
            count += 1
            if action.isEnabled() and not action.text().replace("&", "").strip():
                problems.append(f"{path}: an enabled action without text ({action.objectName() or 'unnamed'})")
    for action in window.actions():  # shortcuts added to the window itself
        if action.isEnabled() and not action.text().strip():
            problems.append(f"window action with shortcut {action.shortcut().toString()!r} has no text")
    assert count >= len(window.pages) + 2
    assert problems == [], "\n" + "\n".join(problems)


def _tab_targets(page: QWidget) -> list[QWidget]:
    """The page's controls a keyboard user must be able to reach: buttons, fields, lists, tables."""
    kinds = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit)
    return [
        w
        for w in _visible_controls(page)
        if isinstance(w, kinds)
        and w.isEnabled()
        and not (isinstance(w, QLineEdit) and isinstance(w.parent(), QComboBox | QAbstractSpinBox))
    ]


def _next_focusable(w: QWidget) -> QWidget:
    node = w.nextInFocusChain()
    while node is not None and node is not w:
        if node.isVisible() and node.isEnabled() and node.focusPolicy() & Qt.FocusPolicy.TabFocus:
            return node
        node = node.nextInFocusChain()
    return w


def _walk_tab(qtbot: QtBot, start: QWidget, limit: int = 250) -> tuple[list[QWidget], list[str]]:
    """Press Tab from ``start`` until focus comes back round; the widgets focused, and any trap."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus, timeout=1000)
    seen: list[QWidget] = []
    traps: list[str] = []
    stuck = 0
    for _ in range(limit):
        current = QApplication.focusWidget()
        assert current is not None
        typing = isinstance(current, QPlainTextEdit | QTextEdit) and not current.isReadOnly()
        if typing and not current.tabChangesFocus():  # type: ignore[attr-defined]
            # Tab would be typed into the text: a keyboard user is stuck here
            traps.append(f"{_where(current)}: Tab types a tab character instead of moving on (setTabChangesFocus)")
            _next_focusable(current).setFocus(Qt.FocusReason.TabFocusReason)
        elif stuck >= (12 if isinstance(current, QAbstractSpinBox) else 3):  # date fields: Tab walks the sections
            traps.append(
                f"{_where(current)}: Tab cycles through its cells and never moves on (setTabKeyNavigation(False))"
            )
            _next_focusable(current).setFocus(Qt.FocusReason.TabFocusReason)
            stuck = 0
        else:
            qtbot.keyClick(current, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        stuck = stuck + 1 if now is current else 0
        if now is None or now is start or (len(seen) > 1 and now is seen[0]):
            break
        if now is not current:
            seen.append(now)
    return seen, traps


def _reached(target: QWidget, reached: set[int]) -> bool:
    """Focused itself, through its focus proxy, or (an exclusive group) through the checked member:
    arrow keys move within such a group, as in any radio group."""
    proxy = target.focusProxy()
    if id(target) in reached or (proxy is not None and id(proxy) in reached):
        return True
    group = target.group() if isinstance(target, QAbstractButton) else None
    return group is not None and group.exclusive() and any(id(b) in reached for b in group.buttons())


def test_tab_from_the_sidebar_reaches_each_pages_controls(qtbot: QtBot, window: MainWindow) -> None:
    problems = []
    for key, page in window.pages.items():
        window.show_page(key)
        settle_window(window)
        focused, traps = _walk_tab(qtbot, window.nav_buttons[key])
        problems += [f"[{key}] {t}" for t in traps]
        reached = {id(w) for w in focused}
        # focus proxies: a widget whose focus goes to a child counts as reached through it
        reached |= {id(w.focusProxy()) for w in focused if w.focusProxy() is not None}
        in_page = [w for w in focused if page.isAncestorOf(w)]
        if not in_page:
            problems.append(f"[{key}] Tab from the sidebar never enters the page")
            continue
        for target in _tab_targets(page):
            if _reached(target, reached):
                continue
            how = (
                "mouse only (focus policy NoFocus)"
                if target.focusPolicy() == Qt.FocusPolicy.NoFocus
                else "not in the Tab order"
            )
            label = target.text() if isinstance(target, QAbstractButton) else ""
            problems.append(f"[{key}] {_where(target)} {label!r}: {how}")
    assert problems == [], "\n" + "\n".join(problems)
