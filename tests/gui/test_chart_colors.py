"""Network colours on the analytics charts stay visible in both themes: a black brand colour (X,
Threads) is lightened on the dark theme, two networks never share one colour on a chart, and a
theme switch there and back gives each series its own colour again."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from PySide6.QtGui import QColor

from desktop.services.analytics.values import SeriesPoint
from desktop.ui import theme
from desktop.ui.analytics.charts import engagements_chart, network_colors, readable, style_chart
from providers.registry import Registry


def _chart(colors: dict[str, str]):  # type: ignore[no-untyped-def]
    day = date(2026, 11, 2)
    points = [SeriesPoint(day, key, key.title(), 5) for key in colors]
    return engagements_chart(points, [day], ZoneInfo("UTC"), colors)


def test_black_is_lightened_on_dark_and_kept_on_light(qapp) -> None:  # type: ignore[no-untyped-def]
    black = QColor("#000000")
    assert readable(black, theme.LIGHT.base) == black
    on_dark = readable(black, theme.DARK.base)
    assert theme.contrast(on_dark.name(), theme.DARK.base) >= theme.GRAPHIC_CONTRAST
    # a colour that already reads is left alone in both themes
    purple = QColor("#6364ff")
    assert readable(purple, theme.DARK.base) == purple and readable(purple, theme.LIGHT.base) == purple


def test_theme_switch_there_and_back_restores_each_series_own_colour(qapp) -> None:  # type: ignore[no-untyped-def]
    chart = _chart({"x": "#000000", "mastodon": "#6364ff"})
    style_chart(chart, theme.LIGHT)
    light = {s.name(): s.pen().color().name() for s in chart.series()}
    assert light == {"X": "#000000", "Mastodon": "#6364ff"}
    style_chart(chart, theme.DARK)
    dark = {s.name(): s.pen().color() for s in chart.series()}
    assert all(theme.contrast(c.name(), theme.DARK.base) >= theme.GRAPHIC_CONTRAST for c in dark.values())
    assert dark["Mastodon"].name() == "#6364ff"
    style_chart(chart, theme.LIGHT)
    assert {s.name(): s.pen().color().name() for s in chart.series()} == light


def test_networks_sharing_a_brand_colour_get_distinct_colours() -> None:
    colors = network_colors(Registry())
    assert len(set(colors.values())) == len(colors)
    # the first of X and Threads in the registry keeps black; the other falls back to the palette
    assert sum(1 for key in ("x", "threads") if colors.get(key) == "#000000") == 1
