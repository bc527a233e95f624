"""One chip per post per time: grouping a post's variants, their colours, and painting them.

A post to three accounts is one chip with three small avatars (the network's colour and the
handle's first letter); each account's own state is listed in the tooltip and the hover card.
Chips that need the user (failed, retrying, partly live…) are drawn in the theme's danger
colour with the campaign as a stripe, and the views pin them above "+N more".
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from html import escape
from itertools import islice
from operator import le
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap

from desktop.services.calendar_rows import CalendarItem
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


class PostChip(NamedTuple):
    """The variants of one post that go out (or went out) at the same minute.

    A named tuple: a busy month groups thousands of these per switch (see CalendarItem)."""

    items: tuple[CalendarItem, ...]

    @property
    def first(self) -> CalendarItem:
        return self.items[0]

    @property
    def post_id(self) -> int:
        return self.items[0].post_id

    @property
    def when(self) -> datetime:
        return self.items[0].when

    @property
    def text(self) -> str:
        return self.items[0].text

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


def group_items(items: Iterable[CalendarItem]) -> list[PostChip]:
    """One chip per post per minute, in time order (``items`` come in time order)."""
    return DayChips(items).by_time()


def pinned_first(chips: list[PostChip]) -> tuple[list[PostChip], int]:
    """Chips that need the user first (each group keeps its time order), and how many those are."""
    pinned: list[PostChip] = []
    rest: list[PostChip] = []
    for chip in chips:
        (pinned if chip.attention else rest).append(chip)
    return pinned + rest, len(pinned)


def day_chips(items: Iterable[CalendarItem]) -> tuple[list[PostChip], int]:
    """``pinned_first(group_items(items))`` in one pass: a day of a busy month has hundreds."""
    day = DayChips(items)
    return day.all(), day.pinned


ChipKey = tuple[int, datetime]  # (post id, UTC minute)


class DayChips:
    """One day's chips, those that need the user first: counted at once, built only as far as
    they are shown (a month view shows three or four of a busy day's hundreds)."""

    __slots__ = ("_built", "_first", "_groups", "_items", "_keys", "_rest", "_urgent", "count", "pinned")

    def __init__(self, items: Iterable[CalendarItem]) -> None:
        # Grouped on the UTC minute: every zone's offset is whole minutes, so it is the local one.
        # A busy month groups thousands of items per switch: the work per item is kept to
        # comprehensions, and a chip's items are collected only when the chip is built.
        listed = list(items)
        whens = {i.when for i in listed}  # replace() is slow: only where it changes something
        minute_of = {w: w.replace(second=0, microsecond=0) if w.second or w.microsecond else w for w in whens}
        keys = [(i.post_id, minute_of[i.when]) for i in listed]
        self._items = listed
        self._keys = keys
        #: Each chip's key, in time order (insertion order); its items: see :meth:`_members`.
        self._groups: dict[tuple[int, datetime], list[CalendarItem] | None] = dict.fromkeys(keys)
        self._urgent = list(dict.fromkeys([k for k, i in zip(keys, listed, strict=True) if i.state in ATTENTION]))
        self._first: dict[tuple[int, datetime], int] | None = None
        self._rest: list[tuple[int, datetime]] | None = None
        self._built: dict[tuple[int, datetime], PostChip] = {}
        self.count = len(self._groups)
        self.pinned = len(self._urgent)

    def _members(self, key: tuple[int, datetime]) -> list[CalendarItem]:
        """The items of ``key``'s chip: those of its post in its minute."""
        found = self._groups[key]
        if found is not None:
            return found
        keys, items = self._keys, self._items
        if self._first is None:
            if not in_time_order([i.when for i in items]):  # then gather every chip's at once
                gathered: dict[tuple[int, datetime], list[CalendarItem]] = {}
                for k, item in zip(keys, items, strict=True):
                    gathered.setdefault(k, []).append(item)
                self._groups.update(gathered)
                return gathered[key]
            self._first = {}
        if not self._first and len(self._built) < 8:  # a month view builds a few: searched in C
            start = keys.index(key)
        else:  # a week view builds them all: where each chip's first item is, all at once
            if not self._first:  # (walked backwards: the first occurrence is written last)
                self._first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
            start = self._first[key]
        minute = key[1]
        members = []
        for n in range(start, len(keys)):
            found_key = keys[n]
            if found_key[1] != minute:  # in time order: the minute is over
                break
            if found_key == key:
                members.append(items[n])
        self._groups[key] = members
        return members

    def _chip(self, key: tuple[int, datetime]) -> PostChip:
        chip = self._built.get(key)
        if chip is None:
            chip = self._built[key] = tuple.__new__(PostChip, (tuple(self._members(key)),))
        return chip

    def _order(self, n: int) -> list[tuple[int, datetime]]:
        keys = self._urgent[:n]
        if len(keys) < n:
            if self._rest is None:
                urgent = set(self._urgent)
                self._rest = [k for k in self._groups if k not in urgent]
            keys += self._rest[: n - len(keys)]
        return keys

    def by_slot(self, starts: Sequence[datetime]) -> dict[int, list[tuple[ChipKey, bool]]]:
        """Each chip's key and whether it needs the user, by the slot its time falls in (``starts``:
        each slot's first instant, ascending), those that need the user first as in :meth:`all`.
        No chip is built: a week view builds only the few each hour shows (:meth:`chip`)."""
        slots: dict[int, list[tuple[ChipKey, bool]]] = defaultdict(list)
        for key in self._urgent:
            slots[bisect_right(starts, key[1]) - 1].append((key, True))
        for key in self._order(self.count)[self.pinned :]:
            slots[bisect_right(starts, key[1]) - 1].append((key, False))
        return slots

    def chip(self, key: ChipKey) -> PostChip:
        return self._chip(key)

    def first(self, n: int) -> list[PostChip]:
        """The first ``n`` chips of :meth:`all`."""
        return [self._chip(k) for k in self._order(max(0, n))]

    def all(self) -> list[PostChip]:
        return self.first(self.count)

    def by_time(self) -> list[PostChip]:
        """Every chip in time order, pinned or not."""
        return [self._chip(key) for key in self._groups]


def in_time_order(whens: list[datetime]) -> bool:
    """Whether ``whens`` never goes back (compared in C: a busy month checks thousands)."""
    return all(map(le, whens, islice(whens, 1, None)))


# Qt's enum members, looked up once: painting a busy month reads them thousands of times.
_ANTIALIAS = QPainter.RenderHint.Antialiasing
_VCENTER = int(Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_TOP = int(Qt.AlignmentFlag.AlignTop)
_NO_PEN = Qt.PenStyle.NoPen
_NO_BRUSH = Qt.BrushStyle.NoBrush
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_PLACEHOLDER = QPalette.ColorRole.PlaceholderText


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
    return QColor.fromRgba(_ink_for(fill.rgba()))


@lru_cache(maxsize=256)
def _ink_for(rgba: int) -> int:
    # a month paints a hundred chips in a few fills: the contrast sums are done once a fill
    fill = QColor.fromRgba(rgba)
    black, white = QColor("#111111"), QColor("#ffffff")
    return (white if contrast(white, fill) >= contrast(black, fill) else black).rgba()


def mix(color: QColor, base: QColor, amount: float) -> QColor:
    """``amount`` of ``color`` over ``base``, opaque (so a line behind a chip never shows through)."""
    return QColor.fromRgbF(
        base.redF() + (color.redF() - base.redF()) * amount,
        base.greenF() + (color.greenF() - base.greenF()) * amount,
        base.blueF() + (color.blueF() - base.blueF()) * amount,
    )


def chip_fill(chip: PostChip, pal: QPalette, status: str | None = None, danger: QColor | None = None) -> QColor:
    """``danger``: the theme's danger colour, when the caller paints many chips."""
    status = status or chip.status
    if status == "failed":
        return QColor(danger) if danger is not None else QColor(theme.current().danger)
    base = pal.color(QPalette.ColorRole.Base).rgba()
    placeholder = pal.color(_PLACEHOLDER).rgba()
    return QColor.fromRgba(_fill_for(status == "published", chip.first.color, base, placeholder))


@lru_cache(maxsize=256)
def _fill_for(published: bool, color: str | None, base_rgba: int, placeholder_rgba: int) -> int:
    base = QColor.fromRgba(base_rgba)
    dark = base.lightness() < 128
    tint = QColor(color) if color else QColor.fromRgba(placeholder_rgba)
    if published:
        return mix(tint, base, 0.14 if dark else 0.10).rgba()
    return mix(tint, base, 0.34 if dark else 0.22).rgba()


@lru_cache(maxsize=64)
def chip_font(base: str, pixels: int, weight: QFont.Weight) -> QFont:
    """``base`` (a QFont.toString()) at ``pixels`` and ``weight``; built once, not per chip."""
    font = QFont()
    font.fromString(base)
    font.setPixelSize(pixels)
    font.setWeight(weight)
    return font


def avatar_letter(handle: str) -> str:
    return next((ch.upper() for ch in handle if ch.isalnum()), "?")


@lru_cache(maxsize=512)
def _avatar(color: str, ring_rgba: int, letter: str, width: int, height: int, font: str, ratio: float) -> QPixmap:
    """A small disc in the network's colour with the handle's first letter, drawn once per look
    and then copied (a disc with its letter costs ten times what a copy does)."""
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(_ANTIALIAS)
    fill = QColor(color)
    rect = QRect(0, 0, width, height)
    p.setPen(QPen(QColor.fromRgba(ring_rgba), 1))
    p.setBrush(fill)
    p.drawEllipse(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5))
    p.setFont(chip_font(font, max(7, height - 6), QFont.Weight.Bold))
    p.setPen(text_on(fill))
    p.drawText(rect, _CENTER, letter)
    p.end()
    return pixmap


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
    font: str | None = None,
    danger: QColor | None = None,
) -> None:
    """Stripe, time, avatars, state badge, then as much of the text as fits (``lines`` rows).

    ``font``: the painter's font as QFont.toString(), and ``danger``: the theme's danger colour,
    when the caller paints many chips.

    A month paints a hundred chips in a handful of looks: the face (fill, stripe, draft border,
    badge) is drawn once per look into a pixmap and copied, and the text's measures are kept."""
    status = chip.status
    fill = chip_fill(chip, pal, status, danger)
    ink = text_on(fill)
    family = font or p.font().toString()
    device = p.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    width, height = rect.width(), rect.height()
    row_h = min(height, 18)
    top = (height - row_h) // 2 if lines == 1 else 1  # the first row, from the chip's top
    badge = "warning" if status == "failed" else ("check" if status == "published" else "")
    color = chip.first.color
    placeholder = pal.color(_PLACEHOLDER).rgba()
    p.save()
    p.setClipRect(rect)
    p.setRenderHint(_ANTIALIAS)
    p.drawPixmap(
        rect.topLeft(),
        _face(width, height, fill.rgba(), color, placeholder, status == "draft", badge, ink.rgba(), top, ratio),
    )
    if selected:
        p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight) if status != "failed" else ink, 2 if focused else 1.4))
        p.setBrush(_NO_BRUSH)
        p.drawRoundedRect(QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5), 3, 3)
    x = rect.left() + 8
    right = rect.right() - 4
    if badge:
        right -= min(12, row_h - 4) + 3
    y = rect.top() + top
    p.setFont(chip_font(family, 11, QFont.Weight.DemiBold))
    p.setPen(ink)
    time_w = text_width(family, time_label) + 2
    p.drawText(QRect(x, y, time_w, row_h), _VCENTER, time_label)
    x += time_w + 3
    # avatars: one per account, overlapping a little when there are many
    items = chip.items
    av = min(14, row_h - 4)
    step = av - 3 if len(items) > 2 else av + 1
    if lines == 1 and right - x - len(items) * step < 36:  # a narrow chip: dots leave room for words
        av, step = 6, 7
    room = max(0, right - x - 24)  # keep some of the text
    shown = items if len(items) * step <= room else items[: max(1, room // step)]
    disc_y = y + (row_h - av) // 2
    for n, item in enumerate(shown):
        network_color = colors.get(item.network) or NEUTRAL
        if av > 8:
            disc = _avatar(network_color, fill.rgba(), avatar_letter(item.handle), av, av, family, ratio)
            p.drawPixmap(x + n * step, disc_y, disc)
        else:
            p.setPen(_NO_PEN)
            p.setBrush(QColor(network_color))
            p.drawEllipse(QRect(x + n * step, disc_y, av, av))
    if shown:
        x += (len(shown) - 1) * step + av + 4
    p.setFont(chip_font(family, 11, QFont.Weight.Normal))
    p.setPen(ink)
    if lines == 1:
        words = elided(family, chip.text, max(0, right - x))
        if len(words.rstrip("…").strip()) >= 2:  # an ellipsis alone says nothing: leave the room empty
            p.drawText(QRect(x, y, max(0, right - x), row_h), _VCENTER, words)
    else:
        body = QRect(rect.left() + 8, y + row_h, width - 12, rect.bottom() - y - row_h)
        rows = max(1, body.height() // metrics(family).lineSpacing())
        p.drawText(body, _TOP, _wrapped(family, chip.text, body.width(), rows))
    p.restore()


@lru_cache(maxsize=256)
def _face(
    width: int,
    height: int,
    fill_rgba: int,
    color: str | None,
    placeholder_rgba: int,
    draft: bool,
    badge: str,
    ink_rgba: int,
    top: int,
    ratio: float,
) -> QPixmap:
    """A chip's fill, campaign stripe, draft border and state badge (at ``top``, the first row)."""
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(_ANTIALIAS)
    r = QRectF(0.5, 0.5, width - 1, height - 1)
    p.setPen(_NO_PEN)
    p.setBrush(QColor.fromRgba(fill_rgba))
    p.drawRoundedRect(r, 4, 4)
    p.setBrush(QColor(color) if color else QColor.fromRgba(placeholder_rgba))
    p.drawRoundedRect(QRectF(r.left(), r.top(), 4, r.height()), 2, 2)
    if draft:
        p.setPen(QPen(QColor.fromRgba(placeholder_rgba), 1, Qt.PenStyle.DashLine))
        p.setBrush(_NO_BRUSH)
        p.drawRoundedRect(r, 4, 4)
    if badge:
        row_h = min(height, 18)
        size = min(12, row_h - 4)
        ink = QColor.fromRgba(ink_rgba).name()
        icon(badge, ink).paint(p, QRect(width - 5 - size, top + (row_h - size) // 2, size, size))
    p.end()
    return pixmap


# The chips' text measures, kept across paints: hovering, selecting and paging back repaint the
# same chips. At 11 px (a pixel size), so the same on every screen as the painter's.
_NORMAL = QFont.Weight.Normal


@lru_cache(maxsize=16)
def metrics(family: str, weight: QFont.Weight = _NORMAL) -> QFontMetrics:
    """Measures of ``family`` (a QFont.toString()) at 11 px and ``weight``."""
    return QFontMetrics(chip_font(family, 11, weight))


@lru_cache(maxsize=512)
def text_width(family: str, text: str, weight: QFont.Weight = _NORMAL) -> int:
    return metrics(family, weight).horizontalAdvance(text)


@lru_cache(maxsize=2048)
def elided(family: str, text: str, width: int, weight: QFont.Weight = _NORMAL) -> str:
    return metrics(family, weight).elidedText(text, _ELIDE_RIGHT, width)


@lru_cache(maxsize=512)
def _wrapped(family: str, text: str, width: int, rows: int) -> str:
    return wrap_elided(text, metrics(family), width, rows)


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
    return "\n".join(fm.elidedText(x, _ELIDE_RIGHT, width) for x in lines)


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
