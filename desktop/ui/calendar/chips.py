"""One chip per post per time: grouping a post's variants, their colours, and painting them.

A post to three accounts is one chip with three small avatars (the network's colour and the
handle's first letter); each account's own state is listed in the tooltip and the hover card.
Chips that need the user (failed, retrying, partly live…) are drawn in the theme's danger
colour with the campaign as a stripe, and the views pin them above "+N more".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen

from desktop.services.calendar import CalendarItem
from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.icons import icon

#: Variant states that need the user: their chips are pinned, and drawn in the danger colour.
ATTENTION = frozenset({"failed", "retrying", "partially_live", "needs_reconnect", "outcome_unknown"})

STATE_WORDS = {
    "draft": "Draft",
    "scheduled": "Scheduled",
    "publishing": "Publishing now",
    "published": "Published",
    "retrying": "Retrying",
    "failed": "Failed",
    "needs_reconnect": "Needs reconnecting",
    "partially_live": "Partly published",
    "outcome_unknown": "May have gone out — check",
}
NEUTRAL = "#868e96"  # an avatar for a network that declares no colour


@dataclass(frozen=True)
class PostChip:
    """The variants of one post that go out (or went out) at the same minute."""

    items: tuple[CalendarItem, ...]

    @property
    def first(self) -> CalendarItem:
        return self.items[0]

    @property
    def post_id(self) -> int:
        return self.first.post_id

    @property
    def when(self) -> datetime:
        return self.first.when

    @property
    def text(self) -> str:
        return self.first.text

    @property
    def variant_ids(self) -> tuple[int, ...]:
        return tuple(i.variant_id for i in self.items)

    @property
    def attention(self) -> bool:
        return any(i.state in ATTENTION for i in self.items)

    @property
    def status(self) -> str:
        """The chip's look: failed (any needs the user), draft, published (all), else scheduled."""
        if self.attention:
            return "failed"
        statuses = {i.status for i in self.items}
        if statuses == {"published"}:
            return "published"
        if statuses == {"draft"}:
            return "draft"
        return "scheduled"

    @property
    def movable(self) -> bool:
        return all(i.movable for i in self.items)

    @property
    def why_fixed(self) -> str:
        return next((i.why_fixed for i in self.items if i.why_fixed), "")


def group_items(items: Iterable[CalendarItem], zone: ZoneInfo) -> list[PostChip]:
    """One chip per post per local minute, in time order (``items`` come in time order)."""
    groups: dict[tuple[int, datetime], list[CalendarItem]] = {}
    for item in items:
        key = (item.post_id, item.when.astimezone(zone).replace(second=0, microsecond=0))
        groups.setdefault(key, []).append(item)
    return [PostChip(tuple(g)) for g in groups.values()]


def pinned_first(chips: list[PostChip]) -> list[PostChip]:
    """Chips that need the user first (each group keeps its time order)."""
    return [c for c in chips if c.attention] + [c for c in chips if not c.attention]


# --- colour ---------------------------------------------------------------------------------------


def luminance(color: QColor) -> float:
    """WCAG relative luminance."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: QColor) -> QColor:
    """Black or white, whichever reads better on ``fill`` (always ≥ 4.5:1 on an opaque fill)."""
    black, white = QColor("#111111"), QColor("#ffffff")
    return white if contrast(white, fill) >= contrast(black, fill) else black


def mix(color: QColor, base: QColor, amount: float) -> QColor:
    """``amount`` of ``color`` over ``base``, opaque (so a line behind a chip never shows through)."""
    return QColor.fromRgbF(
        base.redF() + (color.redF() - base.redF()) * amount,
        base.greenF() + (color.greenF() - base.greenF()) * amount,
        base.blueF() + (color.blueF() - base.blueF()) * amount,
    )


def chip_fill(chip: PostChip, pal: QPalette) -> QColor:
    base = pal.color(QPalette.ColorRole.Base)
    if chip.status == "failed":
        return QColor(theme.current().danger)
    dark = base.lightness() < 128
    tint = QColor(chip.first.color) if chip.first.color else pal.color(QPalette.ColorRole.PlaceholderText)
    if chip.status == "published":
        return mix(tint, base, 0.14 if dark else 0.10)
    return mix(tint, base, 0.34 if dark else 0.22)


def avatar_letter(handle: str) -> str:
    return next((ch.upper() for ch in handle if ch.isalnum()), "?")


def paint_avatar(p: QPainter, rect: QRect, item: CalendarItem, colors: Mapping[str, str], ring: QColor) -> None:
    """A small disc in the network's colour with the handle's first letter."""
    fill = QColor(colors.get(item.network) or NEUTRAL)
    p.setPen(QPen(ring, 1))
    p.setBrush(fill)
    p.drawEllipse(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5))
    font = QFont(p.font())
    font.setPixelSize(max(7, rect.height() - 6))
    font.setWeight(QFont.Weight.Bold)
    p.setFont(font)
    p.setPen(text_on(fill))
    p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), avatar_letter(item.handle))


def paint_chip(
    p: QPainter,
    rect: QRect,
    chip: PostChip,
    time_label: str,
    pal: QPalette,
    colors: Mapping[str, str],
    *,
    selected: bool,
    focused: bool,
    lines: int = 1,
) -> None:
    """Stripe, time, avatars, state badge, then as much of the text as fits (``lines`` rows)."""
    fill = chip_fill(chip, pal)
    ink = text_on(fill)
    r = QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5)
    p.save()
    p.setClipRect(rect)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(fill)
    p.drawRoundedRect(r, 4, 4)
    stripe = QColor(chip.first.color) if chip.first.color else pal.color(QPalette.ColorRole.PlaceholderText)
    p.setBrush(stripe)
    p.drawRoundedRect(QRectF(r.left(), r.top(), 4, r.height()), 2, 2)
    if chip.status == "draft":
        p.setPen(QPen(pal.color(QPalette.ColorRole.PlaceholderText), 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r, 4, 4)
    if selected:
        p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight) if not chip.attention else ink, 2 if focused else 1.4))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 3, 3)
    font = QFont(p.font())
    font.setPixelSize(11)
    p.setFont(font)
    fm = p.fontMetrics()
    row_h = min(rect.height(), 18)
    x = rect.left() + 8
    right = rect.right() - 4
    top = rect.top() + (rect.height() - row_h) // 2 if lines == 1 else rect.top() + 1
    # the badge (failed / published) at the right
    badge = "warning" if chip.status == "failed" else ("check" if chip.status == "published" else "")
    size = min(12, row_h - 4)
    if badge:
        icon(badge, ink.name()).paint(p, QRect(right - size, top + (row_h - size) // 2, size, size))
        right -= size + 3
    font.setWeight(QFont.Weight.DemiBold)
    p.setFont(font)
    p.setPen(ink)
    time_w = fm.horizontalAdvance(time_label) + 2
    p.drawText(QRect(x, top, time_w, row_h), int(Qt.AlignmentFlag.AlignVCenter), time_label)
    x += time_w + 3
    # avatars: one per account, overlapping a little when there are many
    av = min(14, row_h - 4)
    step = av - 3 if len(chip.items) > 2 else av + 1
    if lines == 1 and right - x - len(chip.items) * step < 36:  # a narrow chip: dots leave room for words
        av, step = 6, 7
    room = max(0, right - x - 24)  # keep some of the text
    shown = chip.items if len(chip.items) * step <= room else chip.items[: max(1, room // step)]
    for n, item in enumerate(shown):
        disc = QRect(x + n * step, top + (row_h - av) // 2, av, av)
        if av > 8:
            paint_avatar(p, disc, item, colors, fill)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(colors.get(item.network) or NEUTRAL))
            p.drawEllipse(disc)
    if shown:
        x += (len(shown) - 1) * step + av + 4
    font.setWeight(QFont.Weight.Normal)
    p.setFont(font)
    p.setPen(ink)
    if lines == 1:
        text_rect = QRect(x, top, max(0, right - x), row_h)
        words = fm.elidedText(chip.text, Qt.TextElideMode.ElideRight, text_rect.width())
        if len(words.rstrip("…").strip()) >= 2:  # an ellipsis alone says nothing: leave the room empty
            p.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), words)
    else:
        body = QRect(rect.left() + 8, top + row_h, rect.width() - 12, rect.bottom() - top - row_h)
        rows = max(1, body.height() // fm.lineSpacing())
        p.drawText(body, int(Qt.AlignmentFlag.AlignTop), wrap_elided(chip.text, fm, body.width(), rows))
    p.restore()


def wrap_elided(text: str, fm: QFontMetrics, width: int, rows: int) -> str:
    """``text`` wrapped into at most ``rows`` lines of ``width``, the last one elided if cut."""
    words, lines, line, i = text.split(), [], "", 0
    while i < len(words):
        candidate = f"{line} {words[i]}".strip()
        if fm.horizontalAdvance(candidate) <= width or not line:
            line, i = candidate, i + 1
            continue
        lines.append(line)
        line = ""
        if len(lines) == rows:
            break
    if line and len(lines) < rows:
        lines.append(line)
    if i < len(words) and lines:
        lines[-1] = f"{lines[-1]} {' '.join(words[i:])}"
    return "\n".join(fm.elidedText(x, Qt.TextElideMode.ElideRight, width) for x in lines)


# --- words --------------------------------------------------------------------------------------


def chip_tooltip(chip: PostChip, zone: ZoneInfo) -> str:
    """The tooltip and the hover card: full text, each account's state, campaign, time with zone."""
    local = chip.when.astimezone(zone)
    head = [f"<b>{local:%a %d %b %Y, %H:%M}</b> ({escape(zone_label(zone))})"]
    if chip.first.campaign:
        head.append(f"Campaign: {escape(chip.first.campaign)}")
    danger = theme.current().danger
    states = []
    for item in chip.items:
        state = STATE_WORDS.get(item.state, item.state)
        style = f" style='color:{danger}'" if item.state in ATTENTION else ""
        line = f"• {escape(item.handle)} — <span{style}>{escape(state)}</span>"
        if item.error:
            line += f"<br>&nbsp;&nbsp;<span{style}>{escape(item.error)}</span>"
        states.append(line)
    reason = chip.why_fixed
    note = (
        f"<i>{escape(reason)}</i>" if reason else ("<i>Part of a recurring series</i>" if chip.first.series_id else "")
    )
    blocks = ["<br>".join(head), escape(chip.text), "<br>".join(states), note]
    return "".join(f"<div style='margin-bottom: 6px'>{b}</div>" for b in blocks if b)
