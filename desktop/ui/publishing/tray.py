"""The system tray: keep publishing with the window closed, and say when something failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop import APP_NAME
from desktop.services.activity import AttentionRow
from desktop.ui import theme
from desktop.ui.icons import app_icon, icon

if TYPE_CHECKING:
    from desktop.services.publish_report import Outcome


class Tray(QObject):
    """Wraps QSystemTrayIcon; ``available`` is False where the desktop has no tray."""

    open_requested = Signal()
    publish_now_requested = Signal()
    pause_toggled = Signal(bool)
    quit_requested = Signal()
    message_clicked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setToolTip(APP_NAME)
        self.paused = False
        menu = QMenu()
        self._menu = menu  # QSystemTrayIcon does not own its menu
        #: Says in words whether publishing runs (not clickable: the action below changes it).
        self.state_action = QAction("Publishing is on", menu)
        self.state_action.setEnabled(False)
        menu.addAction(self.state_action)
        menu.addSeparator()
        menu.addAction(f"Open {APP_NAME}", self.open_requested.emit)
        self.publish_action = menu.addAction("Publish due posts now", self.publish_now_requested.emit)
        self.pause_action = QAction("Pause all publishing", menu)
        self.pause_action.triggered.connect(lambda: self.pause_toggled.emit(not self.paused))
        menu.addAction(self.pause_action)
        menu.addSeparator()
        menu.addAction("Quit", self.quit_requested.emit)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self.message_clicked.emit)
        theme.notifier().changed.connect(self._restyle)
        self._show_state()
        if self.available:
            self.icon.show()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def set_paused(self, paused: bool) -> None:
        """Show whether publishing is paused: the menu's words, the tooltip and a badge on the icon."""
        self.paused = paused
        self._show_state()

    def _restyle(self, _colors: theme.Colors) -> None:
        # The theme notifier outlives windows: a tray whose menu is gone (its window closed) has
        # nothing left to re-tint.
        if shiboken6.isValid(self) and shiboken6.isValid(self._menu) and shiboken6.isValid(self.publish_action):
            self._show_state()

    def _show_state(self) -> None:
        colors = theme.current()
        paused = self.paused
        self.state_action.setText("Publishing is paused" if paused else "Publishing is on")
        self.pause_action.setText("Resume publishing" if paused else "Pause all publishing")
        self.pause_action.setIcon(icon("send" if paused else "pause", colors.text))
        self.publish_action.setIcon(icon("send", colors.text))
        self.state_action.setIcon(icon("pause", colors.warning_text) if paused else QIcon())
        self.icon.setToolTip(f"{APP_NAME} — publishing paused" if paused else f"{APP_NAME} — publishing is on")
        self.icon.setIcon(paused_icon() if paused else app_icon())

    def notify(self, title: str, body: str, *, warning: bool = False) -> bool:
        """Show a desktop notification. False where there is no tray to show it."""
        if not self.available or not self.icon.supportsMessages():
            return False
        kind = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
        self.icon.showMessage(title, body, kind, 15_000)
        return True


def paused_icon() -> QIcon:
    """The app icon with a pause badge, so a paused desk shows in the tray at a glance."""
    result = QIcon()
    base = app_icon()
    for size in (16, 22, 24, 32, 48, 64):
        px = QPixmap(base.pixmap(size, size))
        painter = QPainter(px)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        d = px.width() / px.devicePixelRatio()
        badge = QRectF(d * 0.45, d * 0.45, d * 0.55, d * 0.55)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e8590c"))  # fixed colours: the tray's background is the desktop's
        painter.drawEllipse(badge)
        painter.setBrush(QColor("#ffffff"))
        bar_w, bar_h = badge.width() * 0.16, badge.height() * 0.46
        top = badge.center().y() - bar_h / 2
        for x in (badge.center().x() - bar_w * 1.4, badge.center().x() + bar_w * 0.4):
            painter.drawRect(QRectF(x, top, bar_w, bar_h))
        painter.end()
        result.addPixmap(px)
    return result


def failure_message(rows: list[AttentionRow]) -> tuple[str, str]:
    """One notification for the failures found by one pass: each named, with the network's words."""
    if len(rows) == 1:
        row = rows[0]
        verb = {
            "needs_reconnect": "needs reconnecting",
            "partially_live": "is only partly published",
            "outcome_unknown": "may or may not have gone out",
        }.get(row.state, "was not published")
        excerpt = (row.text[:60] + "…") if len(row.text) > 60 else row.text
        return f"Post to {row.handle} {verb}", f"“{excerpt}”\n{row.error}"
    lines = [f"• {r.handle}: {r.error.splitlines()[0] if r.error else r.state}" for r in rows[:4]]
    if len(rows) > 4:
        lines.append(f"…and {len(rows) - 4} more")
    return f"{len(rows)} posts need your attention", "\n".join(lines)


def late_message(outcomes: list[Outcome]) -> tuple[str, str]:
    """One notification for posts that went out late in one pass, each with how late and why."""
    if len(outcomes) == 1:
        o = outcomes[0]
        return f"Posted late to {o.handle}", o.late[:1].upper() + o.late[1:] + "."
    lines = [f"• {o.handle}: {o.late}" for o in outcomes[:4]]
    if len(outcomes) > 4:
        lines.append(f"…and {len(outcomes) - 4} more")
    return f"{len(outcomes)} posts went out late", "\n".join(lines)
