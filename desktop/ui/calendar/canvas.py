"""What the month and week views share: chip layout, hit testing, dragging, drops, keys, hover.

A view lays out its chips (``_layout``) into rectangles; painting, clicks, drags, tooltips, the
hover card and context menus all use that one layout, so what you see is what you hit.

Keys: arrows move the selected day; Tab / Shift+Tab step through the chips of that day; Enter
opens the selected post in the composer; Delete asks, then deletes it; Page Up / Page Down change
the month or week; Home (or T) goes to today; Escape closes the hover card and clears the chip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QHelpEvent,
    QHideEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from desktop.services.calendar_rows import CalendarItem
from desktop.ui import theme
from desktop.ui.calendar.chips import PostChip, chip_font, chip_tooltip, elided, paint_chip, text_width
from desktop.ui.calendar.hover_card import HoverCard
from desktop.ui.calendar.model import CalendarModel

#: A chip dragged within the calendar: its variant ids, comma-separated ASCII.
MIME = "application/x-campaign-desk-variant"
#: A draft dragged from the Drafts page: its post id, ASCII.
DRAFT_MIME = "application/x-campaign-desk-post"
CHIP_H = 20


@dataclass(frozen=True)
class Chip:
    rect: QRect
    chip: PostChip
    lines: int = 1  # text rows (week view: a lone chip in its hour shows two)

    @property
    def item(self) -> CalendarItem:
        return self.chip.first


@dataclass(frozen=True)
class More:
    rect: QRect
    day: date
    count: int
    alerts: int = 0  # folded chips that need the user (only when even those do not fit)


def is_dark(pal: QPalette) -> bool:
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


_DEMI = QFont.Weight.DemiBold
_VCENTER = int(Qt.AlignmentFlag.AlignVCenter)


def paint_more(
    p: QPainter,
    m: More,
    pal: QPalette,
    *,
    right: bool = False,
    font: str | None = None,
    danger: QColor | None = None,
) -> None:
    """ "+N more" on a pill of the base colour, so no line (the week's now-line) crosses its text;
    in the danger colour when it folds chips that need the user. (``font``: the painter's font
    as QFont.toString(), and ``danger``: the theme's danger colour, when painting many.)"""
    family = font or p.font().toString()
    alerts = f"{m.alerts} alert" + ("s" if m.alerts > 1 else "")
    label = f"+{m.count} · {alerts}" if m.alerts else f"+{m.count} more"
    p.setFont(chip_font(family, 11, _DEMI))
    if text_width(family, label, _DEMI) + 12 > m.rect.width():  # a narrow day: the short form
        label = f"+{m.count} · {m.alerts}!" if m.alerts else f"+{m.count}"
    width = min(m.rect.width(), text_width(family, label, _DEMI) + 12)
    left = m.rect.right() - width + 1 if right else m.rect.left()
    pill = QRect(left, m.rect.top(), width, m.rect.height())
    p.fillRect(pill, pal.color(QPalette.ColorRole.Base))
    if m.alerts:
        p.setPen(danger if danger is not None else QColor(theme.current().danger))
    else:
        p.setPen(pal.color(QPalette.ColorRole.Highlight))
    p.drawText(pill.adjusted(6, 0, 0, 0), _VCENTER, elided(family, label, pill.width() - 6, _DEMI))


class CalendarCanvas(QWidget):
    """Base of the painted views. Subclasses implement ``_layout``, ``day_at``, ``drop_time``,
    ``drop_rect`` and ``slot_at``."""

    open_post = Signal(int)  # post id
    selected_changed = Signal(object)  # date
    #: Asks the page to move a chip: (variant id, new aware datetime); the page moves the
    #: post's other variants at that time with it.
    move_requested = Signal(int, object)
    #: A drag was refused: the reason, for the status line.
    refused = Signal(str)
    context_requested = Signal(object, QPoint)  # CalendarItem, global position
    day_activated = Signal(object)  # date ("+N more" clicked)
    #: Keyboard: a period step (PageUp/PageDown) or "today" (Home, T).
    period_step = Signal(int)
    today_requested = Signal()
    #: Delete pressed on a chip: the page asks before deleting (CalendarItem).
    delete_requested = Signal(object)
    #: A draft dropped from the Drafts page: (post id, day, local time or None for "that day").
    draft_dropped = Signal(int, object, object)
    #: A chip was selected by the keyboard; the week view scrolls it into view (QRect).
    chip_focused = Signal(QRect)

    def __init__(self, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.selected_date = date.today()
        self.selected_variant: int | None = None
        #: A campaign's dates to tint: (first day, last day, its colour); None for none.
        self.highlight: tuple[date, date, QColor] | None = None
        self._press: tuple[QPoint, CalendarItem] | None = None
        self._drop_hint: QRect | None = None
        self._laid_out: tuple[object, tuple[list[Chip], list[More]]] | None = None
        self.hover = HoverCard(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        model.modelReset.connect(self.update)
        theme.notifier().changed.connect(self.restyle)

    def restyle(self, _colors: object = None) -> None:
        """A theme switch: repaint in the new colours (the chips' danger colour comes from it)."""
        self.update()

    # --- to implement ---------------------------------------------------------------------

    def _layout(self) -> tuple[list[Chip], list[More]]:
        raise NotImplementedError

    def _layout_key(self) -> object:
        """What the layout depends on besides the model's rows and the size (the period shown)."""
        raise NotImplementedError

    def laid_out(self) -> tuple[list[Chip], list[More]]:
        """:meth:`_layout`, kept while the rows, the size and the period stay the same: painting,
        hovering and hit tests all ask for it, and a busy month lays out thousands of chips."""
        key = (self.model.version, self.width(), self.height(), self._layout_key())
        if self._laid_out is None or self._laid_out[0] != key:
            self._laid_out = (key, self._layout())
        return self._laid_out[1]

    def day_at(self, pos: QPoint) -> date | None:
        raise NotImplementedError

    def drop_time(self, item: CalendarItem, pos: QPoint) -> datetime | None:
        raise NotImplementedError

    def drop_rect(self, pos: QPoint) -> QRect | None:
        raise NotImplementedError

    def slot_at(self, pos: QPoint) -> tuple[date, time | None] | None:
        """Where a draft dropped at ``pos`` goes: the day, and the time when the view has one."""
        raise NotImplementedError

    def paint_chips(self, p: QPainter, pal: QPalette, exposed: QRect, *, more_right: bool = False) -> None:
        """The laid-out chips and "+N more" links in ``exposed`` (the paint event's rect: the
        week's scrolled-away hours are not painted), over whatever the view painted beneath."""
        chips, more = self.laid_out()
        font = p.font().toString()  # once, not per chip
        danger = QColor(theme.current().danger)
        zone = self.model.zone
        colors = self.model.network_colors
        focused = self.hasFocus()
        selected = self.selected_variant
        for chip in chips:
            if not exposed.intersects(chip.rect):
                continue
            local = chip.chip.when.astimezone(zone)  # not strftime: it imports `time` on every call
            paint_chip(
                p,
                chip.rect,
                chip.chip,
                f"{local.hour:02d}:{local.minute:02d}",
                pal,
                colors,
                selected=selected is not None and selected in chip.chip.variant_ids,
                focused=focused,
                lines=chip.lines,
                font=font,
                danger=danger,
            )
        for m in more:
            if exposed.intersects(m.rect):
                paint_more(p, m, pal, right=more_right, font=font, danger=danger)

    # --- selection ------------------------------------------------------------------------

    def set_selected_date(self, day: date) -> None:
        if day != self.selected_date:
            self.selected_date = day
            self.update()

    def set_highlight(self, highlight: tuple[date, date, QColor] | None) -> None:
        if highlight != self.highlight:
            self.highlight = highlight
            self.update()

    def chip_at(self, pos: QPoint) -> CalendarItem | None:
        found = self.layout_chip_at(pos)
        return found.item if found else None

    def layout_chip_at(self, pos: QPoint) -> Chip | None:
        chips, _more = self.laid_out()
        return next((c for c in chips if c.rect.contains(pos)), None)

    def chip_rect(self, variant_id: int) -> QRect | None:
        chips, _more = self.laid_out()
        return next((c.rect for c in chips if variant_id in c.chip.variant_ids), None)

    def visible_chips_on(self, day: date) -> list[Chip]:
        """The day's chips as laid out, top to bottom (what Tab steps through)."""
        chips, _more = self.laid_out()
        on_day = [c for c in chips if self.model.local(c.item).date() == day]
        return sorted(on_day, key=lambda c: (c.rect.top(), c.rect.left()))

    def selected_chip(self) -> PostChip | None:
        chip = self.model.chip_of(self.selected_variant) if self.selected_variant else None
        if chip is not None and self.model.local(chip.first).date() == self.selected_date:
            return chip
        return None

    def selected_item(self) -> CalendarItem | None:
        """The selected chip's post, else the selected day's first chip's."""
        chip = self.selected_chip()
        if chip is not None:
            return chip.first
        day = self.model.chips_on(self.selected_date)
        return day[0].first if day else None

    def select_chip(self, forward: bool) -> bool:
        """Tab / Shift+Tab: the next (previous) chip of the selected day; False past the end."""
        chips = self.visible_chips_on(self.selected_date)
        if not chips:
            return False
        ids = [c.chip.variant_ids for c in chips]
        current = next((n for n, v in enumerate(ids) if self.selected_variant in v), None)
        if current is None:
            n = 0 if forward else len(chips) - 1
        else:
            n = current + (1 if forward else -1)
        if not 0 <= n < len(chips):
            return False
        self.selected_variant = chips[n].item.variant_id
        self.chip_focused.emit(chips[n].rect)
        self.update()
        return True

    def focusNextPrevChild(self, next: bool) -> bool:
        if self.hasFocus() and self.select_chip(next):
            return True
        self.selected_variant = None
        self.update()
        return super().focusNextPrevChild(next)

    # --- mouse ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        self.setFocus()
        self.hover.dismiss()
        item = self.chip_at(pos)
        day = self.day_at(pos)
        if day is not None and day != self.selected_date:
            self.selected_date = day
            self.selected_changed.emit(day)
        self.selected_variant = item.variant_id if item else None
        self._press = (pos, item) if item and event.button() == Qt.MouseButton.LeftButton else None
        if event.button() == Qt.MouseButton.LeftButton and item is None:
            more = next((m for m in self.laid_out()[1] if m.rect.contains(pos)), None)
            if more is not None:
                self.day_activated.emit(more.day)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            self._hover_at(event.position().toPoint())
            return
        start, item = self._press
        if (event.position().toPoint() - start).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        self.hover.dismiss()
        chip = self.model.chip_of(item.variant_id)
        if chip is None or not chip.movable:
            reason = chip.why_fixed if chip else item.why_fixed
            self.refused.emit(reason)
            QToolTip.showText(event.globalPosition().toPoint(), reason, self)
            return
        drag = QDrag(self)
        mime = QMimeData()
        mime.setData(MIME, QByteArray(",".join(map(str, chip.variant_ids)).encode("ascii")))
        drag.setMimeData(mime)
        rect = self.chip_rect(item.variant_id)
        if rect is not None:
            drag.setPixmap(self.grab(rect))
            drag.setHotSpot(start - rect.topLeft())
        drag.exec(Qt.DropAction.MoveAction)

    def _hover_at(self, pos: QPoint) -> None:
        found = self.layout_chip_at(pos)
        if found is None:
            self.hover.dismiss()
            return
        anchor = QRect(self.mapToGlobal(found.rect.topLeft()), found.rect.size())
        self.hover.schedule(found.chip.variant_ids, chip_tooltip(found.chip, self.model.zone), anchor)

    def leaveEvent(self, event: QEvent) -> None:
        self.hover.dismiss()
        super().leaveEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.hover.dismiss()
        super().hideEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.chip_at(event.position().toPoint())
        if item is not None:
            self.open_post.emit(item.post_id)

    def contextMenuEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.hover.dismiss()
        item = self.chip_at(event.pos())
        if item is not None:
            self.selected_variant = item.variant_id
            self.update()
            self.context_requested.emit(item, event.globalPos())

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            found = self.layout_chip_at(e.pos())
            if found is None or self.hover.isVisible():
                QToolTip.hideText()  # the hover card already shows it all
            else:
                QToolTip.showText(e.globalPos(), chip_tooltip(found.chip, self.model.zone), self)
            return True
        return super().event(e)

    # --- drop -----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(MIME) or event.mimeData().hasFormat(DRAFT_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(MIME) or event.mimeData().hasFormat(DRAFT_MIME):
            self._drop_hint = self.drop_rect(event.position().toPoint())
            event.acceptProposedAction()
            self.update()

    def dragLeaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._drop_hint = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_hint = None
        self.update()
        mime = event.mimeData()
        pos = event.position().toPoint()
        if mime.hasFormat(DRAFT_MIME):
            if self.drop_draft(mime, pos):
                event.acceptProposedAction()
            return
        if not mime.hasFormat(MIME):
            return
        ids = bytes(mime.data(MIME).data()).decode("ascii").split(",")
        if ids and ids[0].isdigit() and self.drop_variant(int(ids[0]), pos):
            event.acceptProposedAction()

    def drop_draft(self, mime: QMimeData, pos: QPoint | QPointF) -> bool:
        """What dropping a draft does: ask the page to schedule it at the day (and time) there."""
        raw = bytes(mime.data(DRAFT_MIME).data()).decode("ascii", "replace").strip()
        slot = self.slot_at(QPoint(int(pos.x()), int(pos.y())))
        if not raw.isdigit() or slot is None:
            return False
        day, at = slot
        self.selected_date = day
        self.draft_dropped.emit(int(raw), day, at)
        return True

    def drop_variant(self, variant_id: int, pos: QPoint | QPointF) -> bool:
        """What a drop does: ask to move the variant's chip to the time under ``pos``."""
        item = self.model.item(variant_id)
        if item is None:
            return False
        chip = self.model.chip_of(variant_id)
        reason = chip.why_fixed if chip is not None else item.why_fixed
        if reason:
            self.refused.emit(reason)
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
        key = event.key()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -7, Qt.Key.Key_Down: 7}
        if key in steps and plain:
            self.hover.dismiss()
            self.selected_date += timedelta(days=steps[Qt.Key(key)])
            self.selected_variant = None
            self.selected_changed.emit(self.selected_date)
            self.update()
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.period_step.emit(-1 if key == Qt.Key.Key_PageUp else 1)
        elif key == Qt.Key.Key_Home or (key == Qt.Key.Key_T and plain):
            self.today_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.selected_item()
            if item is not None:
                self.open_post.emit(item.post_id)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            item = self.selected_item()
            if item is not None:
                self.selected_variant = item.variant_id
                self.update()
                self.delete_requested.emit(item)
        elif key == Qt.Key.Key_Escape and (self.hover.isVisible() or self.selected_variant is not None):
            self.hover.dismiss()
            self.selected_variant = None
            self.update()
        else:
            super().keyPressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(800, 560)
