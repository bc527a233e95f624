"""The PDF report: A4 pages with the title on the cover, KPIs, the charts drawn in and the top
posts; page 1 rendered with pdfium must not be blank and must carry the title as text."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop.services import analytics
from desktop.services.context import AppContext
from desktop.ui.analytics.charts import network_colors
from desktop.ui.analytics.dashboard import AnalyticsView
from desktop.ui.analytics.report import render_report
from desktop.ui.tasks import TaskRunner
from tests.gui.analytics_data import NOW, seed

SHOTS = Path(os.environ.get("CAMPAIGN_DESK_SCREENSHOTS") or tempfile.gettempdir()) / "analytics-report"
A4_POINTS = (595, 842)


def write_report(path: Path, ctx: AppContext, scope: analytics.Scope, zone: ZoneInfo, title: str) -> Path:
    """The dashboard for ``scope`` loaded here (the page loads it off the GUI thread), then drawn."""
    board = analytics.dashboard(ctx, scope, zone=zone)
    return render_report(path, board, scope, zone, title, colors=network_colors(ctx.registry))


def _ink(page: pdfium.PdfPage, scale: float = 1.0) -> tuple[float, QImage]:
    """The share of non-white pixels on ``page`` (rendered on white), and the rendered image."""
    bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), prefer_bgrx=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    data = bytes(bitmap.buffer)
    assert stride >= width * 4  # BGRx
    image = QImage(data, width, height, stride, QImage.Format.Format_RGB32).copy()
    dark = 0
    for y in range(height):
        row = data[y * stride : y * stride + width * 4]
        dark += sum(1 for x in range(0, width * 4, 4) if min(row[x], row[x + 1], row[x + 2]) < 235)
    return dark / (width * height), image


def _text(page: pdfium.PdfPage) -> str:
    return page.get_textpage().get_text_range()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_report_of_a_period(qtbot: QtBot, ctx: AppContext, tmp_path: Path, shots: Path) -> None:
    seed(ctx)
    zone = ZoneInfo("Europe/Berlin")
    scope = analytics.Scope(analytics.Period.last_days(30, now=NOW, zone=zone))
    path = write_report(tmp_path / "report.pdf", ctx, scope, zone, "Acme social media — November")
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) >= 2  # a cover, then the figures
    cover = pdf[0]
    assert tuple(round(v) for v in cover.get_size()) == A4_POINTS
    ink, image = _ink(cover, scale=2)
    assert image.save(str(shots / "report-page1.png"))
    assert ink > 0.002, "page 1 is blank"
    assert "Acme social media — November" in _text(cover)
    assert "Europe/Berlin" in _text(cover)
    figures = pdf[1]
    ink2, image2 = _ink(figures, scale=2)
    assert image2.save(str(shots / "report-page2.png"))
    for i in range(2, len(pdf)):
        _ink_i, image_i = _ink(pdf[i], scale=2)
        assert image_i.save(str(shots / f"report-page{i + 1}.png"))
    assert ink2 > 0.02  # the KPI table and a chart
    everything = "".join(_text(pdf[i]) for i in range(len(pdf)))
    for expected in ("Key figures", "Posts published", "Top posts", "Post number 0"):
        assert expected in everything
    assert "Bluesky does not report impressions" in everything
    pdf.close()


def test_report_of_a_campaign_from_the_page(qtbot: QtBot, ctx: AppContext, tmp_path: Path, shots: Path) -> None:
    data = seed(ctx)
    view = AnalyticsView(ctx, TaskRunner())
    qtbot.addWidget(view)
    view.show()
    view.refresh()  # what the main window does when the page is shown
    view.show_campaign(data.campaign)  # before the campaign list has loaded: picked once it has
    qtbot.waitUntil(
        lambda: (
            view.loaded is not None and view.loaded.choice.campaign_id == data.campaign and view.runner.pending() == 0
        ),
        timeout=15_000,
    )
    assert view.report_button.isEnabled()
    saved = view.save_report(str(tmp_path / "spring.pdf"))
    assert saved is not None
    pdf = pdfium.PdfDocument(saved)
    cover = _text(pdf[0])
    assert "Spring launch — campaign report" in cover
    assert "500 engagements" in cover  # the goal's progress sentence
    ink, image = _ink(pdf[0], scale=2)
    assert ink > 0.002
    assert image.save(str(shots / "report-campaign-page1.png"))
    pdf.close()
    assert f"Report saved to {saved}." == view.sync_status.text()
