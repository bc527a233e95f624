"""Paints one draft as a card: its first words (two lines), when it was last edited, the
campaign as a coloured chip, the accounts it goes to (network logo + handle), and its parts,
media and tentative time. Colours come from the theme in use at paint time, so a theme switch
only needs a repaint."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QTextLayout
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop.services.drafts import DraftRow
from desktop.ui import theme
from desktop.ui.drafts.model import COUNTS_ROLE, PLANNED_ROLE, ROW_ROLE, UPDATED_ROLE
from desktop.ui.icons import network_icon

MARGIN_X = 6  # around each card, inside the list
MARGIN_Y = 4
PAD = 12  # inside each card
CHIP_H = 22
GAP = 8
STRIPE = 4  # the campaign's colour down the card's left edge
AVATAR = 16
MIN_HANDLE = 190  # an account gets at least this much before the rest become "+N"
MAX_CAMPAIGN = 170  # the campaign chip's width at the narrowest; a third of the line when wider

Index = QModelIndex | QPersistentModelIndex


def blend(under: str, over: str, amount: float) -> QColor:
    """``over`` laid on ``under`` at ``amount`` opacity, as an opaque colour."""
    a, b = QColor(under), QColor(over)
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


def luminance(color: QColor) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21; AA for body text is 4.5)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class CardColors:
    """What a card is painted with, for the theme in use and whether it is selected."""

    background: QColor
    border: QColor
    text: QColor
    muted: QColor

    @classmethod
    def for_theme(cls, c: theme.Colors, *, selected: bool = False, hover: bool = False) -> CardColors:
        background = blend(c.base, c.accent, 0.12 if c.dark else 0.08) if selected else QColor(c.base)
        border = QColor(c.accent) if selected or hover else QColor(c.border)
        return cls(background, border, QColor(c.text), QColor(c.muted))

    def chip(self, campaign_color: str) -> QColor:
        return blend(self.background.name(), campaign_color, 0.22)


def _two_lines(text: str, font: QFont, width: int) -> list[str]:
    """``text`` wrapped into at most two lines of ``width`` pixels, the second elided."""
    metrics = QFontMetrics(font)
    layout = QTextLayout(text)
    layout.setFont(font)
    layout.beginLayout()
    lines: list[str] = []
    start = 0
    while len(lines) < 2:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        length = line.textLength()
        lines.append(text[start : start + length])
        start += length
    layout.endLayout()
    if lines and start < len(text):
        lines[-1] = metrics.elidedText(lines[-1] + text[start:], Qt.TextElideMode.ElideRight, width)
    return [ln.strip() for ln in lines] or [""]


class DraftDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)  # type: ignore[attr-defined]
        height = 2 * MARGIN_Y + 2 * PAD + 2 * fm.lineSpacing() + GAP + max(CHIP_H, fm.height())
        return QSize(320, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row: DraftRow | None = index.data(ROW_ROLE)
        if row is None:
            return
        state = option.state  # type: ignore[attr-defined]
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hover = bool(state & QStyle.StateFlag.State_MouseOver)
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        colors = CardColors.for_theme(theme.current(), selected=selected, hover=hover or focused)
        self.paint_card(painter, option.rect, option.font, row, index, colors)  # type: ignore[attr-defined]

    def paint_card(
        self, painter: QPainter, rect: QRect, font: QFont, row: DraftRow, index: Index, colors: CardColors
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = rect.adjusted(MARGIN_X, MARGIN_Y, -MARGIN_X, -MARGIN_Y)
        painter.setPen(QPen(colors.border, 1.5 if colors.border != colors.background else 1))
        painter.setBrush(colors.background)
        painter.drawRoundedRect(QRectF(card).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        if row.campaign_color:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(row.campaign_color))
            painter.drawRoundedRect(QRectF(card.left() + 1, card.top() + 6, STRIPE, card.height() - 12), 2, 2)
        fm = QFontMetrics(font)
        inner = card.adjusted(PAD + STRIPE, PAD, -PAD, -PAD)

        # top line: first words (two lines) and, on the right, when it was last edited
        updated = str(index.data(UPDATED_ROLE) or "")
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() - 1, 7))
        sfm = QFontMetrics(small)
        updated_w = sfm.horizontalAdvance(updated)
        text_w = max(inner.width() - updated_w - 16, 40)
        words = " ".join(row.text.split()) or "(no text yet)"
        painter.setFont(font)
        painter.setPen(colors.text if row.first_words else colors.muted)
        for i, line in enumerate(_two_lines(words, font, text_w)):
            painter.drawText(
                QRect(inner.left(), inner.top() + i * fm.lineSpacing(), text_w, fm.lineSpacing()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                line,
            )
        painter.setFont(small)
        painter.setPen(colors.muted)
        painter.drawText(
            QRect(inner.right() - updated_w, inner.top(), updated_w + 1, fm.lineSpacing()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            updated,
        )

        # bottom line: campaign chip, accounts; counts and the tentative time on the right
        y = inner.top() + 2 * fm.lineSpacing() + GAP
        meta = " · ".join(s for s in (str(index.data(PLANNED_ROLE) or ""), str(index.data(COUNTS_ROLE) or "")) if s)
        meta_w = sfm.horizontalAdvance(meta) if meta else 0
        if meta:
            painter.drawText(
                QRect(inner.right() - meta_w, y, meta_w + 1, CHIP_H),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                meta,
            )
        x = inner.left()
        limit = inner.right() - (meta_w + 24 if meta else 0)
        if row.campaign and row.campaign_color:
            x = self._campaign_chip(painter, small, row.campaign, row.campaign_color, colors, x, y, limit)
        self._accounts(painter, small, row, colors, x, y, limit)
        painter.restore()

    def _campaign_chip(
        self, painter: QPainter, font: QFont, name: str, color: str, colors: CardColors, x: int, y: int, limit: int
    ) -> int:
        fm = QFontMetrics(font)
        room = min(max(MAX_CAMPAIGN, (limit - x) // 3), limit - x)
        if room < 48:
            return x
        label = fm.elidedText(name, Qt.TextElideMode.ElideRight, room - 26)
        width = fm.horizontalAdvance(label) + 26
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.chip(color))
        painter.drawRoundedRect(QRectF(x, y, width, CHIP_H), CHIP_H / 2, CHIP_H / 2)
        painter.setBrush(QColor(color))
        painter.drawEllipse(QRectF(x + 8, y + CHIP_H / 2 - 4, 8, 8))
        painter.setFont(font)
        painter.setPen(colors.text)
        painter.drawText(QRect(x + 20, y, width - 24, CHIP_H), Qt.AlignmentFlag.AlignVCenter, label)
        return x + width + 10

    def _accounts(
        self, painter: QPainter, font: QFont, row: DraftRow, colors: CardColors, x: int, y: int, limit: int
    ) -> None:
        fm = QFontMetrics(font)
        painter.setFont(font)
        painter.setPen(colors.muted)
        if not row.targets:
            painter.drawText(QRect(x, y, max(limit - x, 0), CHIP_H), Qt.AlignmentFlag.AlignVCenter, "No account yet")
            return
        more_w = fm.horizontalAdvance(f"+{len(row.targets)}") + 4
        for i, target in enumerate(row.targets):
            left = len(row.targets) - i
            reserve = 0 if left == 1 else more_w
            natural = AVATAR + 6 + fm.horizontalAdvance(target.handle)
            share = max((limit - x) // left, MIN_HANDLE)  # what each remaining account may take
            room = min(natural, share, limit - x - reserve)
            if room < min(natural, AVATAR + 40):  # not even a readable part of the handle fits
                painter.drawText(QRect(x, y, more_w + 4, CHIP_H), Qt.AlignmentFlag.AlignVCenter, f"+{left}")
                return
            pix = network_icon(target.network).pixmap(QSize(AVATAR, AVATAR))
            painter.drawPixmap(x, y + (CHIP_H - AVATAR) // 2, pix)
            label = fm.elidedText(target.handle, Qt.TextElideMode.ElideMiddle, room - AVATAR - 6)
            painter.drawText(QRect(x + AVATAR + 6, y, room - AVATAR - 5, CHIP_H), Qt.AlignmentFlag.AlignVCenter, label)
            x += AVATAR + 6 + fm.horizontalAdvance(label) + 14
