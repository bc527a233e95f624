"""The dashboard's QtCharts: engagements over time, follower growth, breakdowns — themed with the app.

Builders return a ``QChart`` (no widget), so the page and the PDF report draw the same charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QEvent, QMargins, QObject, Qt, QTime
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QLabel, QStackedWidget, QToolTip, QVBoxLayout, QWidget

from desktop.ui import theme
from desktop.ui.analytics.wording import number, percent

if TYPE_CHECKING:
    from desktop.services.analytics import Breakdown, MetricPoint, SeriesPoint
    from providers.base import Provider

#: One colour per series, the accent first; enough for a handful of networks or accounts.
SERIES_COLORS = ("#4f6bed", "#12b886", "#f59f00", "#e64980", "#7950f2", "#15aabf", "#fa5252", "#82c91e")


def series_color(index: int) -> QColor:
    return QColor(SERIES_COLORS[index % len(SERIES_COLORS)])


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def colors_for(palette: QPalette) -> theme.Colors:
    return theme.DARK if is_dark(palette) else theme.LIGHT


#: The dynamic property holding a series' (or bar set's) own colour, as it was given: what is
#: drawn is that colour made readable on the theme's background, so a theme switch starts again
#: from it rather than from the last theme's adjustment.
_OWN_COLOR = "campaign_desk_own_color"


def readable(color: QColor, background: str) -> QColor:
    """``color``, lightened on a dark background or darkened on a light one just enough to reach
    WCAG's 3:1 for graphics (X's and Threads' black brand colour would vanish on the dark theme)."""
    if theme.contrast(color.name(), background) >= theme.GRAPHIC_CONTRAST:
        return color
    dark_background = QColor(background).lightness() < 128
    hue, saturation, lightness, alpha = max(color.hslHue(), 0), color.hslSaturation(), color.lightness(), color.alpha()
    step = 8 if dark_background else -8
    while 0 <= lightness + step <= 255:
        lightness += step
        candidate = QColor.fromHsl(hue, saturation, lightness, alpha)
        if theme.contrast(candidate.name(), background) >= theme.GRAPHIC_CONTRAST:
            return candidate
    return QColor.fromHsl(hue, saturation, 255 if dark_background else 0, alpha)


def _own_color(item: QObject, current: QColor) -> QColor:
    own = item.property(_OWN_COLOR)
    if isinstance(own, QColor) and own.isValid():
        return own
    item.setProperty(_OWN_COLOR, QColor(current))
    return QColor(current)


def style_chart(chart: QChart, colors: theme.Colors) -> None:
    """Qt's own light/dark chart theme, then our palette on top, keeping the series' own colours
    (each made readable on the theme's background: :func:`readable`)."""
    kept = [_series_pen_color(s) for s in chart.series()]
    bar_colors = [[b.color() for b in s.barSets()] if hasattr(s, "barSets") else [] for s in chart.series()]
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if colors.dark else QChart.ChartTheme.ChartThemeLight)
    for s, color, bars in zip(chart.series(), kept, bar_colors, strict=True):
        if color is not None:
            pen = QPen(readable(_own_color(s, color), colors.base), 2.2)
            s.setPen(pen)  # type: ignore[attr-defined]
        for bar_set, bar_color in zip(s.barSets() if hasattr(s, "barSets") else [], bars, strict=False):
            shown = readable(_own_color(bar_set, bar_color), colors.base)
            bar_set.setColor(shown)
            bar_set.setBorderColor(shown)
    chart.setBackgroundBrush(QBrush(QColor(colors.base)))
    chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
    chart.setBackgroundRoundness(0)
    chart.setPlotAreaBackgroundVisible(False)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setTitleBrush(QBrush(QColor(colors.text)))
    legend = chart.legend()
    legend.setLabelColor(QColor(colors.text))
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    font = QFont(legend.font())
    font.setPointSizeF(max(8.0, font.pointSizeF() * 0.95))
    legend.setFont(font)
    for axis in chart.axes():
        axis.setLabelsColor(QColor(colors.muted))
        axis.setLinePen(QPen(QColor(colors.border)))
        axis.setGridLineColor(QColor(colors.border))
        axis.setTitleBrush(QBrush(QColor(colors.muted)))
        axis.setShadesVisible(False)


def _series_pen_color(series: object) -> QColor | None:
    if isinstance(series, QLineSeries):
        return series.pen().color()
    return None


def _attach(chart: QChart, series: object, x: QAbstractAxis, y: QAbstractAxis) -> None:
    chart.addSeries(series)  # type: ignore[arg-type]
    series.attachAxis(x)  # type: ignore[attr-defined]
    series.attachAxis(y)  # type: ignore[attr-defined]


def wall_msecs(when: datetime, zone: tzinfo) -> float:
    """``when`` as the chart's x value: QDateTimeAxis labels an x value in the computer's own zone,
    so the value is the user's wall-clock time read as the computer's (the labels then show
    the user's zone whatever the computer's is)."""
    local = when.astimezone(zone)
    wall = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second))
    return float(wall.toMSecsSinceEpoch())


def _msecs(day: date, zone: tzinfo) -> float:
    """Noon of a local day (a day's point sits in its middle, labelled with its date)."""
    wall = QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0))
    return float(wall.toMSecsSinceEpoch())


def local_days(start: datetime, end: datetime, zone: tzinfo) -> list[date]:
    """Every local day from ``start`` to ``end`` (exclusive)."""
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _date_axis(days: Sequence[date], zone: tzinfo) -> QDateTimeAxis:
    """Dates along the bottom, each tick on a whole day (the range runs on a little if needed)."""
    axis = QDateTimeAxis()
    axis.setFormat("d MMM")
    span = max(1, len(days) - 1)
    if span <= 6:
        ticks, step = span + 1, 1
    else:
        ticks = next((t for t in (7, 6, 5) if span % (t - 1) == 0), 7)
        step = -(-span // (ticks - 1))
    axis.setTickCount(ticks)
    if days:
        lo = _msecs(days[0], zone)
        hi = lo + (ticks - 1) * step * 86_400_000
        axis.setRange(QDateTime.fromMSecsSinceEpoch(int(lo)), QDateTime.fromMSecsSinceEpoch(int(hi)))
    return axis


def _value_axis(top: float, *, floor: float = 0.0) -> QValueAxis:
    axis = QValueAxis()
    axis.setLabelFormat("%d")
    span = max(top - floor, 1.0)
    axis.setRange(floor, top + span * 0.08 if top > floor else floor + 4)
    axis.setTickCount(5)
    axis.applyNiceNumbers()
    return axis


def network_colors(providers: Iterable[type[Provider]]) -> dict[str, str]:
    """Each network's brand colour by id (``ProviderInfo.color``), for :func:`key_color`. Two
    networks with the same brand colour (X and Threads are both black) cannot share it on one
    chart: the first in the registry's order keeps it, the next gets the palette's."""
    chosen: dict[str, str] = {}
    for p in providers:
        color = (p.info.color or "").lower()
        if color and color not in chosen.values():
            chosen[p.info.id] = color
    return chosen


def key_color(key: str, index: int, colors: Mapping[str, str] | None) -> QColor:
    """A series' colour: the one given for its key (a network's brand colour), else the palette's."""
    chosen = (colors or {}).get(key)
    return QColor(chosen) if chosen else series_color(index)


def engagements_chart(
    points: Sequence[SeriesPoint], days: Sequence[date], zone: tzinfo, colors: Mapping[str, str] | None = None
) -> QChart:
    """One line per network, every day of the period (a day without engagements is 0); each
    network in ``colors`` (network id → colour) keeps its colour on every chart."""
    chart = QChart()
    by_key: dict[str, dict[date, int]] = {}
    names: dict[str, str] = {}
    for p in points:
        by_key.setdefault(p.key, {})[p.day] = by_key.get(p.key, {}).get(p.day, 0) + p.value
        names[p.key] = p.label
    x, top = _date_axis(days, zone), 0
    lines = []
    for i, key in enumerate(sorted(by_key, key=lambda k: names[k].lower())):
        line = QLineSeries()
        line.setName(names[key])
        line.setPen(QPen(key_color(key, i, colors), 2.2))
        for day in days:
            value = by_key[key].get(day, 0)
            top = max(top, value)
            line.append(_msecs(day, zone), value)
        lines.append(line)
    y = _value_axis(top)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for line in lines:
        _attach(chart, line, x, y)
    chart.legend().setVisible(len(lines) > 1 or bool(lines))
    return chart


def growth_chart(points: Sequence[SeriesPoint], days: Sequence[date], zone: tzinfo) -> QChart:
    """Followers per account: one line each, through the days that have a snapshot."""
    chart = QChart()
    by_key: dict[str, list[SeriesPoint]] = {}
    for p in points:
        by_key.setdefault(p.key, []).append(p)
    values = [p.value for p in points]
    lo, hi = (min(values), max(values)) if values else (0, 0)
    pad = max((hi - lo) * 0.1, 2)
    y = _value_axis(hi + pad, floor=max(0.0, lo - pad))
    x = _date_axis(days, zone)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for i, (_key, rows) in enumerate(sorted(by_key.items(), key=lambda kv: kv[1][0].label.lower())):
        line = QLineSeries()
        line.setName(rows[0].label)
        line.setPen(QPen(series_color(i), 2.2))
        line.setPointsVisible(len(rows) < 3)  # a lone snapshot would otherwise be invisible
        for p in sorted(rows, key=lambda r: r.day):
            line.append(_msecs(p.day, zone), p.value)
        _attach(chart, line, x, y)
    return chart


def breakdown_chart(rows: Sequence[Breakdown], colors: Mapping[str, str] | None = None) -> QChart:
    """Horizontal bars of engagements, one colour per row (the campaign's colour, or the
    network's from ``colors``, where it has one)."""
    chart = QChart()
    shown = list(rows)[:8]
    # one bar set per row, with its value only in its own category: each bar keeps its own colour
    series = QHorizontalStackedBarSeries()
    series.setBarWidth(0.6)
    categories = [r.label for r in reversed(shown)]  # the biggest on top
    for position, row in enumerate(reversed(shown)):
        bar = QBarSet(row.label)
        for i in range(len(shown)):
            bar.append(row.engagements if i == position else 0)
        color = QColor(row.color) if row.color else key_color(row.key, len(shown) - 1 - position, colors)
        bar.setColor(color)
        bar.setBorderColor(color)
        tip = f"{row.label}: {number(row.engagements)} engagements from {number(row.posts)} posts"
        if row.engagement_rate is not None:
            tip += f", {percent(row.engagement_rate)} per follower"
        bar.hovered.connect(lambda status, _index, text=tip: _tip(status, text))
        series.append(bar)
    chart.addSeries(series)
    y = QBarCategoryAxis()
    y.append(categories)
    x = _value_axis(max((r.engagements for r in shown), default=0))
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    series.attachAxis(y)
    chart.legend().setVisible(False)
    return chart


def history_chart(points: Sequence[MetricPoint], labels: dict[str, str], zone: tzinfo | None = None) -> QChart:
    """A post's counters over time, one line per metric (from its snapshots), times in ``zone``."""
    where = zone or UTC
    chart = QChart()
    by_metric: dict[str, list[MetricPoint]] = {}
    for p in points:
        by_metric.setdefault(p.metric, []).append(p)
    x = QDateTimeAxis()
    x.setFormat("d MMM HH:mm")
    x.setTickCount(5)
    times = [p.taken_at for p in points]
    if times:
        lo, hi = min(times), max(times)
        if hi <= lo:  # one snapshot: in the middle of an hour, not against the axis
            lo, hi = lo - timedelta(minutes=30), hi + timedelta(minutes=30)
        x.setRange(
            QDateTime.fromMSecsSinceEpoch(int(wall_msecs(lo, where))),
            QDateTime.fromMSecsSinceEpoch(int(wall_msecs(hi, where))),
        )
    y = _value_axis(max((p.value for p in points), default=0))
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for i, (metric, rows) in enumerate(sorted(by_metric.items())):
        line = QLineSeries()
        line.setName(labels.get(metric, metric))
        line.setPen(QPen(series_color(i), 2.2))
        line.setPointsVisible(True)
        for p in sorted(rows, key=lambda r: r.taken_at):
            line.append(wall_msecs(p.taken_at, where), p.value)
        _attach(chart, line, x, y)
    return chart


def _tip(status: bool, text: str) -> None:
    if status:
        QToolTip.showText(QCursor.pos(), text)
    else:
        QToolTip.hideText()


class ChartCard(QFrame):
    """A titled card holding one chart, or a sentence when there is nothing to draw."""

    def __init__(self, title: str, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(6)
        self.title = QLabel(title)
        self.title.setProperty("role", "card-title")
        self.title.setWordWrap(True)  # "By network · <a long campaign name>" wraps in a narrow card
        layout.addWidget(self.title)
        self.view = QChartView()
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setMinimumHeight(220)
        self.view.setStyleSheet("background: transparent;")
        self.empty = QLabel(empty_text)
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.setMinimumHeight(280)

    def set_chart(self, chart: QChart | None, empty_text: str | None = None) -> None:
        """Show ``chart`` (the card takes ownership), or the empty sentence when it is None."""
        if chart is None:
            if empty_text:
                self.empty.setText(empty_text)
            self.stack.setCurrentWidget(self.empty)
            return
        old = self.view.chart()
        style_chart(chart, colors_for(self.palette()))
        self.view.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()
        self.stack.setCurrentWidget(self.view)

    def has_chart(self) -> bool:
        return self.stack.currentWidget() is self.view

    def restyle(self) -> None:
        chart = self.view.chart()
        if chart is not None:
            style_chart(chart, colors_for(self.palette()))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # the app switched light/dark at runtime
            self.restyle()
        super().changeEvent(event)
