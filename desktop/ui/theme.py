"""Light and dark appearance (following the system, or chosen in Settings), one accent colour.

``apply(app)`` styles the app and emits ``notifier().changed(Colors)``; it runs at start, when
the system's scheme changes, and when the user picks an appearance (``set_mode``). Widgets with
their own style sheets or painted colours re-style from that signal (or from
``QEvent.PaletteChange``) so a switch at runtime reaches every page and dialog; icons follow the
theme through ``desktop.ui.icons.themed`` / ``retint_on_theme``.

Contrast (WCAG 2.1 AA) is part of the palette's contract: every text colour on the backgrounds it
is drawn on reaches 4.5:1 (muted text included), and control boundaries (checkbox and radio
indicators, drop-down and spin arrows, focus rings, icons) reach 3:1. ``contrast_pairs(colors)``
lists each pair the palette and the style sheet use; tests/gui/test_theme.py checks them all.

Colours for a widget's own painting: ``text``/``muted`` for words, ``accent`` for fills (white
``on_accent`` text on it), ``accent_text`` where the accent colour is itself text (links),
``control`` for the outline of an input a user must find (indicators, arrows), ``border`` for
decorative separators only, ``danger``/``success``/``warning_text`` for states.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui.resources import tinted_svg

ACCENT = "#4f6bed"


@dataclass(frozen=True)
class Colors:
    dark: bool
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str  # decorative separators and card edges (not a boundary anyone must find)
    sidebar: str
    sidebar_hover: str
    control: str  # outline of checkboxes, radio buttons, arrows: >= 3:1 on base and window
    accent_text: str  # the accent as text (links) on base/window: >= 4.5:1
    danger_bg: str  # tint behind danger text (a destructive button under the mouse)
    accent: str = ACCENT
    on_accent: str = "#ffffff"
    warning_bg: str = "#fff4e6"
    warning_text: str = "#8a4b08"
    danger: str = "#c92a2a"
    success: str = "#2b7a3b"


LIGHT = Colors(
    dark=False,
    window="#f6f7f9",
    base="#ffffff",
    alt_base="#f8f9fb",
    text="#1f2329",
    muted="#5c6370",
    border="#e3e6ea",
    sidebar="#eef0f4",
    sidebar_hover="#e2e6ee",
    control="#7c8490",
    accent_text="#3b5bdb",
    danger_bg="#fff0f0",
)
DARK = Colors(
    dark=True,
    window="#1c1e22",
    base="#24272c",
    alt_base="#2a2d33",
    text="#e8eaed",
    muted="#a0a6ad",
    border="#363a41",
    sidebar="#17191c",
    sidebar_hover="#2a2e35",
    control="#8d949c",
    accent_text="#91a7ff",
    danger_bg="#3a2024",
    warning_bg="#3b2e1a",
    warning_text="#ffc078",
    danger="#ff8787",
    success="#69db7c",
)

# WCAG 2.1: 4.5:1 for text, 3:1 for boundaries and graphics a user needs to see.
TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2.1 contrast ratio of two colours (1.0 to 21.0)."""

    def luminance(name: str) -> float:
        color = QColor(name)

        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_pairs(c: Colors) -> list[tuple[str, str, str, float]]:
    """Every (what, foreground, background, minimum ratio) the palette and the style sheet draw."""
    text, graphic = TEXT_CONTRAST, GRAPHIC_CONTRAST
    pairs = [
        ("text on window", c.text, c.window, text),
        ("text on base", c.text, c.base, text),
        ("text on alternate rows", c.text, c.alt_base, text),
        ("text on sidebar", c.text, c.sidebar, text),
        ("text on hovered sidebar button", c.text, c.sidebar_hover, text),
        ("selected sidebar button", c.on_accent, c.accent, text),
        ("primary button / selection text", c.on_accent, c.accent, text),
        ("tooltip text", c.text, c.base, text),
        ("link on base", c.accent_text, c.base, text),
        ("link on window", c.accent_text, c.window, text),
        ("warning banner", c.warning_text, c.warning_bg, text),
        ("danger button text", c.danger, c.base, text),
        ("hovered danger button text", c.danger, c.danger_bg, text),
        ("danger text on window", c.danger, c.window, text),
        ("success text on base", c.success, c.base, text),
        ("success text on window", c.success, c.window, text),
        ("checkbox tick", c.on_accent, c.accent, graphic),
        ("focus ring on a filled button", c.text, c.accent, graphic),
        ("focus ring on base", c.accent, c.base, graphic),
        ("focus ring on window", c.accent, c.window, graphic),
        ("checked indicator on base", c.accent, c.base, graphic),
        ("tooltip border", c.control, c.base, graphic),
    ]
    for name, background in (
        ("window", c.window),
        ("base", c.base),
        ("alternate rows", c.alt_base),
        ("sidebar", c.sidebar),
    ):
        pairs.append((f"muted text on {name}", c.muted, background, text))
        pairs.append((f"indicator border and arrows on {name}", c.control, background, graphic))
        pairs.append((f"icons in text colour on {name}", c.text, background, graphic))
        pairs.append((f"icons in muted colour on {name}", c.muted, background, graphic))
    pairs.append(("header text", c.muted, c.alt_base, text))
    return pairs


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
    p.setColor(role.BrightText, QColor(c.on_accent))
    p.setColor(role.ToolTipBase, QColor(c.base))
    p.setColor(role.ToolTipText, QColor(c.text))
    p.setColor(role.PlaceholderText, QColor(c.muted))
    p.setColor(role.Highlight, QColor(c.accent))
    p.setColor(role.HighlightedText, QColor(c.on_accent))
    p.setColor(role.Link, QColor(c.accent_text))
    p.setColor(role.LinkVisited, QColor(c.accent_text))
    # Fusion draws bevels from these: keep them flat and close to the surface (no dark sunken corners)
    p.setColor(role.Light, QColor(c.base))
    p.setColor(role.Midlight, QColor(c.alt_base))
    p.setColor(role.Mid, QColor(c.border))
    p.setColor(role.Dark, QColor(c.control))
    p.setColor(role.Shadow, QColor(c.border))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor(c.muted))
    p.setColor(disabled, role.Base, QColor(c.alt_base))
    p.setColor(disabled, role.Button, QColor(c.alt_base))
    return p


def _asset(name: str, color: str) -> str:
    """resources/icons/<name>.svg drawn in ``color``, as a file a style sheet's ``url()`` can load."""
    return tinted_svg(name, QColor(color).name()).as_posix()


def stylesheet(c: Colors) -> str:
    tick = _asset("tick", c.on_accent)
    dash = _asset("dash", c.on_accent)
    dot = _asset("dot", c.on_accent)
    down = _asset("chevron-down", c.text)
    up = _asset("chevron-up", c.text)
    down_off = _asset("chevron-down", c.muted)
    up_off = _asset("chevron-up", c.muted)
    return f"""
    QWidget#Sidebar {{ background: {c.sidebar}; border-right: 1px solid {c.border}; }}
    QLabel#Brand {{ font-size: 15px; font-weight: 600; padding: 4px 8px 12px 8px; }}
    QToolButton[nav="true"] {{
        text-align: left; border: 2px solid transparent; border-radius: 8px; padding: 6px 8px; font-size: 13px;
        color: {c.text}; background: transparent;
    }}
    QToolButton[nav="true"]:hover {{ background: {c.sidebar_hover}; }}
    QToolButton[nav="true"]:focus {{ border-color: {c.accent}; }}
    QToolButton[nav="true"]:checked {{ background: {c.accent}; color: {c.on_accent}; font-weight: 600; }}
    QToolButton[nav="true"]:checked:focus {{ border-color: {c.text}; }}
    QLabel[role="title"] {{ font-size: 20px; font-weight: 600; }}
    QLabel[role="subtitle"], QLabel[role="muted"] {{ color: {c.muted}; }}
    QLabel[role="empty-title"] {{ font-size: 17px; font-weight: 600; }}
    QLabel[role="empty-body"] {{ color: {c.muted}; font-size: 13px; }}
    QFrame[role="banner-warning"] {{ background: {c.warning_bg}; border-radius: 8px; }}
    QFrame[role="banner-warning"] QLabel {{ color: {c.warning_text}; }}
    QLabel[role="card-title"] {{ font-weight: 600; font-size: 14px; }}
    QFrame[role="card"] {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 10px; }}

    QPushButton {{
        padding: 6px 14px; border-radius: 6px; border: 1px solid {c.control}; background: {c.base}; color: {c.text};
    }}
    QPushButton:hover {{ border-color: {c.accent}; }}
    QPushButton:focus {{ border: 2px solid {c.accent}; padding: 5px 13px; }}
    QPushButton:disabled {{ color: {c.muted}; border-color: {c.border}; background: {c.alt_base}; }}
    QPushButton[primary="true"] {{ background: {c.accent}; color: {c.on_accent}; border: 1px solid {c.accent}; }}
    QPushButton[primary="true"]:focus {{ border: 2px solid {c.text}; padding: 5px 13px; }}
    QPushButton[primary="true"]:disabled {{ background: {c.border}; border-color: {c.border}; color: {c.muted}; }}
    QPushButton[danger="true"] {{ color: {c.danger}; border: 1px solid {c.danger}; background: {c.base}; }}
    QPushButton[danger="true"]:hover {{ background: {c.danger_bg}; }}
    QPushButton[danger="true"]:focus {{ border: 2px solid {c.danger}; padding: 5px 13px; background: {c.danger_bg}; }}
    QPushButton[danger="true"]:disabled {{ color: {c.muted}; border-color: {c.border}; background: {c.alt_base}; }}

    QToolButton:focus {{ border: 1px solid {c.accent}; border-radius: 4px; }}
    QToolTip {{
        color: {c.text}; background: {c.base}; border: 1px solid {c.control}; border-radius: 4px; padding: 4px 6px;
    }}

    QCheckBox, QRadioButton {{ spacing: 8px; color: {c.text}; }}
    QCheckBox:disabled, QRadioButton:disabled {{ color: {c.muted}; }}
    QCheckBox::indicator, QRadioButton::indicator {{
        width: 14px; height: 14px; border: 1px solid {c.control}; background: {c.base};
    }}
    QCheckBox::indicator {{ border-radius: 4px; }}
    QRadioButton::indicator {{ border-radius: 8px; }}
    QCheckBox::indicator:hover, QRadioButton::indicator:hover {{ border-color: {c.accent}; }}
    QCheckBox::indicator:focus, QRadioButton::indicator:focus {{
        border: 2px solid {c.accent}; width: 12px; height: 12px;
    }}
    QCheckBox::indicator:checked {{ background: {c.accent}; border-color: {c.accent}; image: url("{tick}"); }}
    QCheckBox::indicator:indeterminate {{ background: {c.accent}; border-color: {c.accent}; image: url("{dash}"); }}
    QRadioButton::indicator:checked {{ background: {c.accent}; border-color: {c.accent}; image: url("{dot}"); }}
    QCheckBox::indicator:checked:focus, QCheckBox::indicator:indeterminate:focus,
    QRadioButton::indicator:checked:focus {{ border-color: {c.text}; }}
    QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{
        border-color: {c.border}; background: {c.alt_base};
    }}
    QCheckBox::indicator:checked:disabled, QRadioButton::indicator:checked:disabled {{ background: {c.control}; }}

    QTableView, QListView, QTreeView {{
        background: {c.base}; border: 1px solid {c.border}; border-radius: 8px;
        selection-background-color: {c.accent}; selection-color: {c.on_accent}; gridline-color: {c.border};
    }}
    QTableCornerButton::section {{ background: {c.alt_base}; border: none; }}
    QTableView:focus, QListView:focus, QTreeView:focus {{ border-color: {c.accent}; }}
    QHeaderView::section {{
        background: {c.alt_base}; border: none; border-bottom: 1px solid {c.border}; padding: 6px 8px;
        color: {c.muted}; font-weight: 600;
    }}

    QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox {{
        padding: 5px 8px; border: 1px solid {c.control}; border-radius: 6px; background: {c.base}; color: {c.text};
    }}
    QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus, QAbstractSpinBox:focus {{
        border: 1px solid {c.accent};
    }}
    QLineEdit:disabled, QPlainTextEdit:disabled, QTextEdit:disabled, QComboBox:disabled,
    QAbstractSpinBox:disabled {{ color: {c.muted}; background: {c.alt_base}; border-color: {c.border}; }}
    QLineEdit[readOnly="true"] {{ background: {c.alt_base}; }}
    QComboBox {{ padding-right: 26px; }}
    QComboBox::drop-down, QDateTimeEdit::drop-down {{
        subcontrol-origin: padding; subcontrol-position: center right; width: 24px;
        border: none; background: transparent;
    }}
    QComboBox::down-arrow, QDateTimeEdit::down-arrow {{ image: url("{down}"); width: 12px; height: 12px; }}
    QComboBox::down-arrow:disabled, QDateTimeEdit::down-arrow:disabled {{ image: url("{down_off}"); }}
    QComboBox QAbstractItemView {{
        background: {c.base}; color: {c.text}; border: 1px solid {c.control}; border-radius: 0px;
        selection-background-color: {c.accent}; selection-color: {c.on_accent}; outline: none;
    }}
    QAbstractSpinBox {{ padding: 4px 22px 4px 8px; }}
    QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{
        subcontrol-origin: border; width: 20px; border: none; background: transparent;
    }}
    QAbstractSpinBox::up-button {{ subcontrol-position: top right; margin-top: 2px; }}
    QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; margin-bottom: 2px; }}
    QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover {{ background: {c.sidebar_hover}; }}
    QAbstractSpinBox::up-arrow {{ image: url("{up}"); width: 10px; height: 10px; }}
    QAbstractSpinBox::down-arrow {{ image: url("{down}"); width: 10px; height: 10px; }}
    QAbstractSpinBox::up-arrow:disabled, QAbstractSpinBox::up-arrow:off {{ image: url("{up_off}"); }}
    QAbstractSpinBox::down-arrow:disabled, QAbstractSpinBox::down-arrow:off {{ image: url("{down_off}"); }}
    QDateTimeEdit[calendarPopup="true"] {{ padding-right: 26px; }}

    QTabBar::tab {{ color: {c.muted}; }}
    QTabBar::tab:selected {{ color: {c.text}; }}
    QStatusBar {{ color: {c.muted}; }}
    """


#: Qt's own command-line option that makes a new QApplication start in Fusion, the style this
#: palette and style sheet are drawn for (``QApplication([*argv, *FUSION_ARGS])``).
FUSION_ARGS = ("-style", "Fusion")
_fusion_app: int | None = None  # id() of the app known to run Fusion: no setStyle() needed


def started_in_fusion(app: QApplication) -> None:
    """``app`` was made with :data:`FUSION_ARGS`: :func:`apply` need not set the style again
    (setStyle() wraps a QStyle for Python, and making that type's enums costs tens of ms at start)."""
    global _fusion_app
    _fusion_app = id(app)


def apply(app: QApplication, new_mode: str | None = None) -> Colors:
    """Style the app for ``new_mode`` (default: the mode in use; "system" follows the OS scheme)
    and tell every themed widget. Call again when the system's scheme changes."""
    global _mode, _fusion_app
    if new_mode is not None:
        _mode = new_mode if new_mode in MODES else "system"
    if _fusion_app != id(app):
        app.setStyle("Fusion")
        _fusion_app = id(app)
    colors = current()
    app.setPalette(_palette(colors))
    app.setStyleSheet(stylesheet(colors))
    notifier().changed.emit(colors)
    return colors
