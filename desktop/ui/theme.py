"""Light and dark appearance (following the system, or chosen in Settings), one accent colour.

``apply(app)`` styles the app and emits ``notifier().changed(Colors)``; it runs at start, when
the system's scheme changes, and when the user picks an appearance (``set_mode``). Widgets with
their own style sheets or painted colours re-style from that signal (or from
``QEvent.PaletteChange``) so a switch at runtime reaches every page and dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#4f6bed"


@dataclass(frozen=True)
class Colors:
    dark: bool
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str
    sidebar: str
    sidebar_hover: str
    accent: str = ACCENT
    warning_bg: str = "#fff4e6"
    warning_text: str = "#8a4b08"
    danger: str = "#e03131"
    success: str = "#2b8a3e"


LIGHT = Colors(
    dark=False,
    window="#f6f7f9",
    base="#ffffff",
    alt_base="#f8f9fb",
    text="#1f2329",
    muted="#6b7280",
    border="#e3e6ea",
    sidebar="#eef0f4",
    sidebar_hover="#e2e6ee",
)
DARK = Colors(
    dark=True,
    window="#1c1e22",
    base="#24272c",
    alt_base="#2a2d33",
    text="#e8eaed",
    muted="#9aa0a6",
    border="#363a41",
    sidebar="#17191c",
    sidebar_hover="#2a2e35",
    warning_bg="#3b2e1a",
    warning_text="#ffc078",
)


MODES = ("system", "light", "dark")
MODE_LABELS = {"system": "Same as the system", "light": "Light", "dark": "Dark"}
_SETTINGS_KEY = "appearance/theme"  # UI state: QSettings, readable before the database opens
_mode = "system"


class _Notifier(QObject):
    changed = Signal(object)  # Colors


_notifier: _Notifier | None = None


def notifier() -> _Notifier:
    """Emits ``changed(Colors)`` after every :func:`apply`."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def mode() -> str:
    return _mode


def current() -> Colors:
    if _mode == "dark":
        return DARK
    if _mode == "light":
        return LIGHT
    return DARK if system_is_dark() else LIGHT


def saved_mode() -> str:
    value = str(QSettings().value(_SETTINGS_KEY, "system"))
    return value if value in MODES else "system"


def set_mode(app: QApplication, new_mode: str) -> Colors:
    """The user's choice in Settings: remembered, and applied at once everywhere."""
    if new_mode not in MODES:
        raise ValueError(f"unknown appearance {new_mode!r}")
    QSettings().setValue(_SETTINGS_KEY, new_mode)
    return apply(app, new_mode)


def _palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, QColor(c.window))
    p.setColor(role.WindowText, QColor(c.text))
    p.setColor(role.Base, QColor(c.base))
    p.setColor(role.AlternateBase, QColor(c.alt_base))
    p.setColor(role.Text, QColor(c.text))
    p.setColor(role.Button, QColor(c.base))
    p.setColor(role.ButtonText, QColor(c.text))
    p.setColor(role.ToolTipBase, QColor(c.base))
    p.setColor(role.ToolTipText, QColor(c.text))
    p.setColor(role.PlaceholderText, QColor(c.muted))
    p.setColor(role.Highlight, QColor(c.accent))
    p.setColor(role.HighlightedText, QColor("#ffffff"))
    p.setColor(role.Link, QColor(c.accent))
    p.setColor(role.Mid, QColor(c.border))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.muted))
    return p


def stylesheet(c: Colors) -> str:
    return f"""
    QWidget#Sidebar {{ background: {c.sidebar}; border-right: 1px solid {c.border}; }}
    QLabel#Brand {{ font-size: 15px; font-weight: 600; padding: 4px 8px 12px 8px; }}
    QToolButton[nav="true"] {{
        text-align: left; border: none; border-radius: 8px; padding: 8px 10px; font-size: 13px;
        color: {c.text}; background: transparent;
    }}
    QToolButton[nav="true"]:hover {{ background: {c.sidebar_hover}; }}
    QToolButton[nav="true"]:checked {{ background: {c.accent}; color: #ffffff; font-weight: 600; }}
    QLabel[role="title"] {{ font-size: 20px; font-weight: 600; }}
    QLabel[role="subtitle"], QLabel[role="muted"] {{ color: {c.muted}; }}
    QLabel[role="empty-title"] {{ font-size: 17px; font-weight: 600; }}
    QLabel[role="empty-body"] {{ color: {c.muted}; font-size: 13px; }}
    QFrame[role="banner-warning"] {{ background: {c.warning_bg}; border-radius: 8px; }}
    QFrame[role="banner-warning"] QLabel {{ color: {c.warning_text}; }}
    QLabel[role="card-title"] {{ font-weight: 600; font-size: 14px; }}
    QFrame[role="card"] {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 10px; }}
    QPushButton {{ padding: 6px 14px; border-radius: 6px; border: 1px solid {c.border}; background: {c.base}; }}
    QPushButton:hover {{ border-color: {c.accent}; }}
    QPushButton[primary="true"] {{ background: {c.accent}; color: #ffffff; border: 1px solid {c.accent}; }}
    QPushButton[primary="true"]:disabled {{ background: {c.border}; border-color: {c.border}; color: {c.muted}; }}
    QPushButton[danger="true"] {{ color: {c.danger}; }}
    QTableView, QListView, QTreeView {{
        background: {c.base}; border: 1px solid {c.border}; border-radius: 8px;
        selection-background-color: {c.accent}; gridline-color: {c.border};
    }}
    QHeaderView::section {{
        background: {c.alt_base}; border: none; border-bottom: 1px solid {c.border}; padding: 6px 8px;
        color: {c.muted}; font-weight: 600;
    }}
    QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QDateEdit {{
        padding: 5px 8px; border: 1px solid {c.border}; border-radius: 6px; background: {c.base};
    }}
    QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus {{ border-color: {c.accent}; }}
    QSpinBox {{ padding: 3px 6px; }}
    QStatusBar {{ color: {c.muted}; }}
    """


def apply(app: QApplication, new_mode: str | None = None) -> Colors:
    """Style the app for ``new_mode`` (default: the mode in use; "system" follows the OS scheme)
    and tell every themed widget. Call again when the system's scheme changes."""
    global _mode
    if new_mode is not None:
        _mode = new_mode if new_mode in MODES else "system"
    app.setStyle("Fusion")
    colors = current()
    app.setPalette(_palette(colors))
    app.setStyleSheet(stylesheet(colors))
    notifier().changed.emit(colors)
    return colors
