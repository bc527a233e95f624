"""What the month and week views share: chip painting, hit testing, dragging and keys.

A view lays out its chips (``_layout``) into rectangles; painting, clicks, drags, tooltips and
context menus all use that one layout, so what you see is what you hit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from desktop.services.calendar import CalendarItem
from desktop.ui import theme
from desktop.ui.calendar.model import CalendarModel
from desktop.ui.icons import icon, network_icon

MIME = "application/x-campaign-desk-variant"
CHIP_H = 20


@dataclass(frozen=True)
class Chip:
    rect: QRect
    item: CalendarItem


@dataclass(frozen=True)
class More:
    rect: QRect
    day: date
    count: int


def is_dark(pal: QPalette) -> bool:
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def paint_chip(p: QPainter, rect: QRect, item: CalendarItem, label: str, pal: QPalette, *, selected: bool) -> None:
    """One post on the calendar: campaign colour, network icon, time and text, state badge."""
    dark = is_dark(pal)
    muted = pal.color(QPalette.ColorRole.PlaceholderText)
    text = pal.color(QPalette.ColorRole.Text)
    tint = QColor(item.color) if item.color else QColor(muted)
    fill = QColor(tint)
    fill.setAlpha(40 if item.status == "published" else (70 if dark else 46))
    r = QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(fill)
    p.drawRoundedRect(r, 4, 4)
    p.setBrush(tint)
    p.drawRoundedRect(QRectF(r.left(), r.top(), 3, r.height()), 1.5, 1.5)
    if item.status == "failed":
        p.setPen(QPen(QColor(theme.LIGHT.danger if not dark else "#ff6b6b"), 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r, 4, 4)
    elif item.status == "draft":
        p.setPen(QPen(muted, 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r, 4, 4)
    if selected:
        p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
    icon_size = min(14, rect.height() - 6)
    y = rect.top() + (rect.height() - icon_size) // 2
    network_icon(item.network).paint(p, QRect(rect.left() + 7, y, icon_size, icon_size))
    right = rect.right() - 4
    badge = ""
    if item.status == "failed":
        badge = "warning"
    elif item.status == "published":
        badge = "check"
    if badge:
        color = (
            "#ff6b6b" if (badge == "warning" and dark) else (theme.LIGHT.danger if badge == "warning" else muted.name())
        )
        icon(badge, color).paint(p, QRect(right - icon_size + 1, y, icon_size, icon_size))
        right -= icon_size + 3
    text_rect = QRect(rect.left() + 11 + icon_size, rect.top(), right - rect.left() - 11 - icon_size, rect.height())
    p.setPen(muted if item.status == "published" else text)
    font = QFont(p.font())
    font.setPixelSize(11)
    font.setStrikeOut(False)
    p.setFont(font)
    elided = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, text_rect.width())
    p.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided)
    p.restore()


def tooltip(item: CalendarItem, when: datetime) -> str:
    lines = [f"<b>{when:%a %d %b %H:%M}</b> · {item.handle}"]
    if item.campaign:
        lines.append(f"Campaign: {item.campaign}")
    lines.append(item.text.replace("<", "&lt;"))
    if item.error:
        lines.append(f"<span style='color:#e03131'>{item.error}</span>")
    if item.why_fixed:
        lines.append(f"<i>{item.why_fixed}</i>")
    elif item.series_id:
        lines.append("<i>Part of a recurring series</i>")
    return "<br>".join(lines)


class CalendarCanvas(QWidget):
    """Base of the painted views. Subclasses implement ``_layout``, ``day_at`` and ``drop_time``."""

    open_post = Signal(int)  # post id
    selected_changed = Signal(object)  # date
    #: Asks the page to move a variant: (variant id, new aware datetime).
    move_requested = Signal(int, object)
    #: A drag was refused: the reason, for the status line.
    refused = Signal(str)
    context_requested = Signal(object, QPoint)  # CalendarItem, global position
    day_activated = Signal(object)  # date ("+N more" clicked)
    #: Keyboard: a period step (PageUp/PageDown) or "today" (T).
    period_step = Signal(int)
    today_requested = Signal()

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.selected_date = date.today()
        self.selected_variant: int | None = None
        self._press: tuple[QPoint, CalendarItem] | None = None
        self._drop_hint: QRect | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        model.modelReset.connect(self.update)

    # --- to implement ---------------------------------------------------------------------

    def _layout(self) -> tuple[list[Chip], list[More]]:
        raise NotImplementedError

    def day_at(self, pos: QPoint) -> date | None:
        raise NotImplementedError

    def drop_time(self, item: CalendarItem, pos: QPoint) -> datetime | None:
        raise NotImplementedError

    def drop_rect(self, pos: QPoint) -> QRect | None:
        raise NotImplementedError

    # --- selection ------------------------------------------------------------------------

    def set_selected_date(self, day: date) -> None:
        if day != self.selected_date:
            self.selected_date = day
            self.update()

    def chip_at(self, pos: QPoint) -> CalendarItem | None:
        chips, _more = self._layout()
        return next((c.item for c in chips if c.rect.contains(pos)), None)

    def chip_rect(self, variant_id: int) -> QRect | None:
        chips, _more = self._layout()
        return next((c.rect for c in chips if c.item.variant_id == variant_id), None)

    def selected_item(self) -> CalendarItem | None:
        item = self.model.item(self.selected_variant) if self.selected_variant else None
        if item is not None and self.model.local(item).date() == self.selected_date:
            return item
        day = self.model.items_on(self.selected_date)
        return day[0] if day else None

    # --- mouse ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        self.setFocus()
        item = self.chip_at(pos)
        day = self.day_at(pos)
        if day is not None and day != self.selected_date:
            self.selected_date = day
            self.selected_changed.emit(day)
        self.selected_variant = item.variant_id if item else None
        self._press = (pos, item) if item and event.button() == Qt.MouseButton.LeftButton else None
        if event.button() == Qt.MouseButton.LeftButton and item is None:
            more = next((m for m in self._layout()[1] if m.rect.contains(pos)), None)
            if more is not None:
                self.day_activated.emit(more.day)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        start, item = self._press
        if (event.position().toPoint() - start).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        if not item.movable:
            self.refused.emit(item.why_fixed)
            QToolTip.showText(event.globalPosition().toPoint(), item.why_fixed, self)
            return
        drag = QDrag(self)
        mime = QMimeData()
        mime.setData(MIME, QByteArray(str(item.variant_id).encode()))
        drag.setMimeData(mime)
        rect = self.chip_rect(item.variant_id)
        if rect is not None:
            drag.setPixmap(self.grab(rect))
            drag.setHotSpot(start - rect.topLeft())
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.chip_at(event.position().toPoint())
        if item is not None:
            self.open_post.emit(item.post_id)

    def contextMenuEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        item = self.chip_at(event.pos())
        if item is not None:
            self.selected_variant = item.variant_id
            self.update()
            self.context_requested.emit(item, event.globalPos())

    def event(self, e):  # type: ignore[no-untyped-def]
        if e.type() == e.Type.ToolTip:
            item = self.chip_at(e.pos())
            if item is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(e.globalPos(), tooltip(item, self.model.local(item)), self)
            return True
        return super().event(e)

    # --- drop -----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(MIME):
            self._drop_hint = self.drop_rect(event.position().toPoint())
            event.acceptProposedAction()
            self.update()

    def dragLeaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._drop_hint = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_hint = None
        self.update()
        if not event.mimeData().hasFormat(MIME):
            return
        variant_id = int(bytes(event.mimeData().data(MIME).data()).decode())
        if self.drop_variant(variant_id, event.position().toPoint()):
            event.acceptProposedAction()

    def drop_variant(self, variant_id: int, pos: QPoint | QPointF) -> bool:
        """What a drop does: ask to move the variant to the time under ``pos``."""
        item = self.model.item(variant_id)
        if item is None:
            return False
        if not item.movable:
            self.refused.emit(item.why_fixed)
            return False
        when = self.drop_time(item, QPoint(int(pos.x()), int(pos.y())))
        if when is None or when == item.when:
            return False
        self.selected_variant = variant_id
        self.selected_date = when.astimezone(self.model.zone).date()
        self.move_requested.emit(variant_id, when)
        return True

    # --- keys -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from datetime import timedelta

        key = event.key()
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7, Qt.Key.Key_Down: 7}
        if key in steps:
            self.selected_date += timedelta(days=steps[Qt.Key(key)])
            self.selected_variant = None
            self.selected_changed.emit(self.selected_date)
            self.update()
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.period_step.emit(-1 if key == Qt.Key.Key_PageUp else 1)
        elif key == Qt.Key.Key_T and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.today_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.selected_item()
            if item is not None:
                self.open_post.emit(item.post_id)
        else:
            super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(800, 560)
