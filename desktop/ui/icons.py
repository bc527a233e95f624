"""SVG icons from resources/icons, tinted to the current palette (``currentColor``)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from desktop.ui.resources import resource

SIZES = (16, 20, 24, 32, 48, 64)


@lru_cache(maxsize=256)
def _svg(name: str) -> bytes:
    path = resource("icons", f"{name}.svg")
    if not path.exists():
        path = resource("icons", "networks", "generic.svg")
    return path.read_bytes()


def _render(data: bytes, size: int, ratio: float = 2.0) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(data))
    px = QPixmap(QSize(int(size * ratio), int(size * ratio)))
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, px.width(), px.height()))
    painter.end()
    px.setDevicePixelRatio(ratio)
    return px


@lru_cache(maxsize=512)
def icon(name: str, color: str = "#495057") -> QIcon:
    """A line icon from resources/icons/<name>.svg drawn in ``color``."""
    data = _svg(name).replace(b"currentColor", QColor(color).name().encode())
    result = QIcon()
    for size in SIZES:
        result.addPixmap(_render(data, size))
    return result


def network_icon(network: str) -> QIcon:
    """The network's own logo (resources/icons/networks/<id>.svg), or a neutral globe."""
    return icon(f"networks/{network}")


def app_icon() -> QIcon:
    return icon("app")
