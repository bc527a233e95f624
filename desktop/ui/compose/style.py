"""Colours that follow the palette actually applied (light or dark), and the composer's icons."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QWidget

from desktop.ui import theme

AMBER_LIGHT, AMBER_DARK = "#d9480f", "#ffa94d"
RED_LIGHT, RED_DARK = "#e03131", "#ff6b6b"


def colors(widget: QWidget | None = None) -> theme.Colors:
    """The theme colours matching the palette in use (the app may be forced dark)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    return theme.DARK if palette.window().color().lightness() < 128 else theme.LIGHT


def over_limit_colors(c: theme.Colors) -> tuple[str, str]:
    """Background and text for characters past a network's limit: the danger colour, toned so
    the text on it stays readable (contrast above 4.5:1 in both themes)."""
    return ("#5c1a1a", "#ffe3e3") if c.dark else ("#ffc9c9", "#1f2329")


def level_color(level: str, widget: QWidget | None = None) -> str:
    """Counter colour: normal text, amber near the limit, red past it."""
    c = colors(widget)
    if level == "over":
        return RED_DARK if c.dark else RED_LIGHT
    if level == "warn":
        return AMBER_DARK if c.dark else AMBER_LIGHT
    return c.muted


# Line icons in the style of resources/icons (24 px grid, 1.8 stroke, currentColor).
_SVG = {
    "image": '<rect x="3" y="4" width="18" height="16" rx="2.5"/><circle cx="8.5" cy="9.5" r="1.6"/>'
    '<path d="M21 16l-5-5-8 9"/>',
    "smile": '<circle cx="12" cy="12" r="9"/><path d="M8.5 14.5a4.5 4.5 0 0 0 7 0"/><path d="M9 9.5h.01M15 9.5h.01"/>',
    "snippet": '<path d="M5 4h10l4 4v12H5z"/><path d="M15 4v4h4M8.5 12h7M8.5 16h5"/>',
    "thread": '<rect x="4" y="3" width="16" height="6" rx="2"/><rect x="4" y="15" width="16" height="6" rx="2"/>'
    '<path d="M8 9v6"/>',
    "split": '<path d="M4 12h16"/><path d="M8 8l-4 4 4 4M16 8l4 4-4 4"/>',
    "send": '<path d="M4 12l16-8-6 16-3-7z"/><path d="M11 13l9-9"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "save": '<path d="M5 4h11l3 3v13H5z"/><path d="M8 4v5h7V4M8 20v-6h8v6"/>',
    "reset": '<path d="M4 12a8 8 0 1 0 2.3-5.6"/><path d="M4 4v4h4"/>',
    "comment": '<path d="M4 5h16v11H9l-5 4z"/>',
    "close": '<path d="M6 6l12 12M18 6L6 18"/>',
    "link": '<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1"/>'
    '<path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>',
}


@lru_cache(maxsize=128)
def glyph(name: str, color: str) -> QIcon:
    """One of the composer's line icons in ``color``."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        f'stroke="{QColor(color).name()}" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
        f"{_SVG[name]}</svg>"
    ).encode()
    renderer = QSvgRenderer(QByteArray(svg))
    result = QIcon()
    for size in (16, 20, 24, 32):
        px = QPixmap(QSize(size * 2, size * 2))
        px.fill(Qt.GlobalColor.transparent)
        painter = QPainter(px)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, px.width(), px.height()))
        painter.end()
        px.setDevicePixelRatio(2.0)
        result.addPixmap(px)
    return result


def badged(base: QIcon, dot: str, ring: str, size: int = 16) -> QIcon:
    """``base`` with a small dot at its top-right corner (marks a customised variant)."""
    px = base.pixmap(QSize(size, size), 2.0)
    painter = QPainter(px)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    w = px.width() / px.devicePixelRatio()  # the painter works in logical pixels
    r = w * 0.27
    centre_x, centre_y = w - r - 0.5, r + 0.5
    painter.setPen(QPen(QColor(ring), w * 0.1))
    painter.setBrush(QColor(dot))
    painter.drawEllipse(QRectF(centre_x - r, centre_y - r, 2 * r, 2 * r))
    painter.end()
    return QIcon(px)


def stylesheet(c: theme.Colors) -> str:
    """Rules for the composer's own widgets (set on the composer, on top of the app's)."""
    return f"""
    QToolButton[chip="true"] {{
        border: 1px solid {c.border}; border-radius: 14px; padding: 5px 12px 5px 8px;
        background: transparent; color: {c.muted}; font-size: 12px;
    }}
    QToolButton[chip="true"]:hover {{ border-color: {c.accent}; }}
    QToolButton[chip="true"]:checked {{
        background: {QColor(c.accent).lighter(175 if not c.dark else 60).name()}; border-color: {c.accent};
        color: {c.text};
    }}
    QToolButton[tool="true"] {{
        border: 1px solid transparent; border-radius: 6px; padding: 4px 8px; color: {c.text}; background: transparent;
    }}
    QToolButton[tool="true"]:hover {{ background: {c.alt_base}; border-color: {c.border}; }}
    QToolButton[tool="true"]::menu-indicator {{ image: none; }}
    QFrame#ComposeCard {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 10px; }}
    QFrame#ComposeCard QPlainTextEdit {{
        border: none; background: transparent; padding: 4px 2px; font-size: 14px; color: {c.text};
    }}
    QFrame#ComposeCard QLabel {{ color: {c.text}; }}
    QFrame#ComposeCard QLabel[role="muted"] {{ color: {c.muted}; }}
    QFrame#PartFrame {{ border-top: 1px solid {c.border}; }}
    QTabBar::tab {{
        padding: 6px 10px; margin-right: 2px; border: none; border-bottom: 2px solid transparent;
        color: {c.muted}; background: transparent;
    }}
    QTabBar::tab:selected {{ color: {c.text}; border-bottom: 2px solid {c.accent}; font-weight: 600; }}
    QTabBar::tab:hover {{ color: {c.text}; }}
    QLabel#Counters {{ font-size: 12px; }}
    QLabel#Problems {{ color: {RED_DARK if c.dark else RED_LIGHT}; font-size: 12px; }}
    QLabel#Notice {{ color: {c.warning_text}; background: {c.warning_bg}; border-radius: 6px; padding: 6px 10px; }}
    QLabel#Toast {{ color: #ffffff; background: {c.success}; border-radius: 6px; padding: 6px 12px; font-weight: 600; }}
    QFrame#PreviewPane {{ background: {c.alt_base}; border: 1px solid {c.border}; border-radius: 10px; }}
    QFrame#PostCard {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 12px; }}
    QLabel[role="card-name"] {{ font-weight: 600; font-size: 13px; }}
    QLabel[role="card-handle"] {{ color: {c.muted}; font-size: 12px; }}
    QLabel[role="card-link"] {{ color: {c.muted}; font-size: 11px; }}
    QLabel[role="card-text"] {{ font-size: 13px; }}
    QLabel[role="section"] {{ color: {c.muted}; font-size: 11px; font-weight: 600; letter-spacing: 0.5px; }}
    QFrame#ScheduleBar {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 10px; }}
    QDateTimeEdit {{
        padding: 5px 8px; border: 1px solid {c.border}; border-radius: 6px; background: {c.base}; color: {c.text};
    }}
    QDateTimeEdit:focus {{ border-color: {c.accent}; }}
    QDateTimeEdit::drop-down {{ border: none; width: 18px; background: transparent; }}
    QPlainTextEdit {{ color: {c.text}; }}
    QToolButton[tool="true"]:focus, QToolButton[chip="true"]:focus {{ border-color: {c.accent}; }}
    """
