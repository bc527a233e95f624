"""The PDF report of a period or a campaign, to hand to a client: cover, KPIs, charts, top posts.

One QTextDocument laid out on A4 by QPdfWriter; the charts are the dashboard's own, drawn into
images in the light theme. Drawing charts needs the GUI thread: the page loads the data off it
and calls :func:`render_report` with it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCharts import QChart
from PySide6.QtCore import QMarginsF, QRectF, QUrl
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QGraphicsScene

from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.analytics.charts import (
    breakdown_chart,
    engagements_chart,
    growth_chart,
    local_days,
    style_chart,
)
from desktop.ui.analytics.kpis import kpi_table
from desktop.ui.analytics.wording import day_range, number, percent, signed

if TYPE_CHECKING:
    from desktop.services.analytics import Dashboard, Scope
    from desktop.services.campaign_progress import GoalProgress
    from desktop.services.campaigns import CampaignRow

TOP_POSTS = 25
CHART_TITLES = {
    "engagements": "Engagements over time, by network",
    "growth": "Followers, by account",
    "networks": "Engagements by network",
    "campaigns": "Engagements by campaign",
}
CHART_SIZE = (640, 300)
BAR_SIZE = (640, 220)


def report_title(campaign: str | None) -> str:
    return f"{campaign} — campaign report" if campaign else "Social media report"


def chart_image(chart: QChart, width: int = CHART_SIZE[0], height: int = CHART_SIZE[1]) -> QImage:
    """``chart`` drawn in the light theme into an image (twice the pixels, for print)."""
    style_chart(chart, theme.LIGHT)
    chart.setBackgroundBrush(QColor("#ffffff"))
    title = QFont(chart.titleFont())
    title.setPointSizeF(13)
    title.setBold(True)
    chart.setTitleFont(title)
    scene = QGraphicsScene()  # no widget: the chart is laid out and drawn straight from a scene
    scene.addItem(chart)
    chart.setGeometry(QRectF(0, 0, width, height))
    layout = chart.layout()
    if layout is not None:
        layout.activate()
    image = QImage(width * 2, height * 2, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, QRectF(0, 0, width, height), QRectF(0, 0, width, height))
    painter.end()
    scene.removeItem(chart)
    return image


def _e(text: object) -> str:
    return html.escape(str(text))


def _nobreak(text: str) -> str:
    """Escaped, with its spaces kept on one line ("34.2 %", "30 Nov 13:00")."""
    return _e(text).replace(" ", "&nbsp;")


STYLE = """
body { font-family: sans-serif; color: #1f2329; font-size: 10pt; }
h1 { font-size: 26pt; color: #1f2329; }
h2 { font-size: 14pt; color: #1f2329; margin-top: 18px; }
.muted { color: #6b7280; }
table { border-collapse: collapse; }
th { background: #f1f3f7; color: #4b5563; text-align: left; padding: 4px 6px; }
td { padding: 4px 6px; border-bottom: 1px solid #e3e6ea; }
th.n, td.n { text-align: right; }
table.posts td, table.posts th { font-size: 8.5pt; }
"""


def report_html(
    board: Dashboard,
    scope: Scope,
    zone: ZoneInfo,
    title: str,
    *,
    campaign: CampaignRow | None = None,
    progress: GoalProgress | None = None,
    made: datetime | None = None,
) -> str:
    """The report's text, with ``chart://<name>`` images the caller adds as resources."""
    period = day_range(scope.period.start, scope.period.end, zone)
    made_on = (made or datetime.now(UTC)).astimezone(zone)
    cover = [
        "<p style='margin-top: 150px'>&nbsp;</p>",
        f"<table width='100%' cellspacing='0'><tr><td style='background: {theme.ACCENT}; padding: 3px'>"
        "</td></tr></table>",
        f"<h1>{_e(title)}</h1>",
        f"<p style='font-size:14pt'>{_e(period)} "
        f"<span class='muted'>({scope.period.days} days, {_e(zone_label(zone))})</span></p>",
    ]
    if campaign is not None:
        if campaign.name not in title:
            cover.append(f"<p style='font-size:12pt'>Campaign: <b>{_e(campaign.name)}</b></p>")
        if progress is not None:
            cover.append(f"<p>{_e(progress.sentence)}</p>")
        if campaign.goal:
            cover.append(f"<p class='muted'>{_e(campaign.goal)}</p>")
    cover.append("<p>&nbsp;</p><table width='100%' cellspacing='0'><tr>")
    now = board.kpis.current
    headline = (
        (number(now.posts), "posts published"),
        (number(now.engagements), "engagements"),
        (percent(now.engagement_rate), "engagement rate"),
        (signed(now.follower_change), "follower change"),
    )
    for value, what in headline:
        cover.append(
            "<td width='25%' style='padding: 8px 4px'>"
            f"<span style='font-size: 20pt; font-weight: 600'>{_e(value)}</span>"
            f"<br><span class='muted'>{_e(what)}</span></td>"
        )
    cover.append("</tr></table><p>&nbsp;</p>")
    cover.append(f"<p class='muted'>Prepared {made_on:%d %B %Y} with Campaign Desk.</p>")
    if board.last_synced is not None:
        cover.append(f"<p class='muted'>Metrics as of {board.last_synced.astimezone(zone):%d %B %Y, %H:%M}.</p>")

    body = ["<h2>Key figures</h2>", "<table width='100%'>"]
    body.append(
        "<tr><th>Measure</th><th class='n'>This period</th><th class='n'>Previous period</th>"
        "<th class='n'>Change</th></tr>"
    )
    for name, now_value, before, change in kpi_table(board.kpis):
        body.append(
            f"<tr><td>{_e(name)}</td><td class='n'>{_nobreak(now_value)}</td>"
            f"<td class='n'>{_nobreak(before)}</td><td class='n'>{_nobreak(change)}</td></tr>"
        )
    body.append("</table>")
    body.append(
        "<p class='muted'>Engagements are likes, reposts, replies and quotes (and saves where offered). "
        "Engagement rate: a post's engagements divided by its account's followers when it was published.</p>"
    )
    for sentence in board.missing:
        body.append(f"<p class='muted'>{_e(sentence)}</p>")

    for name in CHART_TITLES:
        if name == "campaigns" and campaign is not None:
            continue  # a campaign's report compares its networks only
        width, height = BAR_SIZE if name in ("networks", "campaigns") else CHART_SIZE
        # the heading is drawn in the image, so a page break never parts them
        body.append(f"<p style='margin-top: 14px'><img src='chart://{name}' width='{width}' height='{height}'></p>")

    networks = {b.key: b.label for b in board.by_network}
    body.append("<h2 style='page-break-before: always'>Top posts</h2><table class='posts' width='100%'>")
    body.append(
        "<tr><th width='30%'>Post</th><th width='24%'>Account</th><th width='18%'>Published</th>"
        "<th class='n' width='18%'>Engagements</th><th class='n' width='10%'>Rate</th></tr>"
    )
    for post in list(board.top_posts)[:TOP_POSTS]:
        text = " ".join(post.text.split())
        text = text if len(text) <= 90 else text[:89] + "…"
        body.append(
            f"<tr><td>{_e(text)}</td><td>{_e(post.handle)}<br>"
            f"<span class='muted'>{_e(networks.get(post.network, post.network))}</span></td>"
            f"<td>{_nobreak(f'{post.published_at.astimezone(zone):%d %b %H:%M}')}</td>"
            f"<td class='n'>{number(post.engagements)}</td>"
            f"<td class='n'>{_nobreak(percent(post.engagement_rate))}</td></tr>"
        )
    if not board.top_posts:
        body.append("<tr><td colspan='5' class='muted'>No posts were published in this period.</td></tr>")
    body.append("</table>")
    return (
        f"<html><head><style>{STYLE}</style></head><body>"
        + "".join(cover)
        + "<p style='page-break-after: always'></p>"
        + "".join(body)
        + "</body></html>"
    )


def render_report(
    path: str | Path,
    board: Dashboard,
    scope: Scope,
    zone: ZoneInfo,
    title: str,
    *,
    campaign: CampaignRow | None = None,
    progress: GoalProgress | None = None,
    colors: Mapping[str, str] | None = None,
) -> Path:
    """Write the A4 PDF for data already loaded. GUI thread (charts are drawn with Qt widgets).
    ``colors``: each network's colour by id (charts.network_colors), as on the page."""
    target = Path(path)
    days = local_days(scope.period.start, scope.period.end, zone)
    doc = QTextDocument()
    doc.setDefaultStyleSheet(STYLE)
    charts = {
        "engagements": engagements_chart(board.series, days, zone, colors),
        "growth": growth_chart(board.growth, days, zone),
        "networks": breakdown_chart(board.by_network, colors),
        "campaigns": breakdown_chart(board.by_campaign),
    }
    for name, chart in charts.items():
        chart.setTitle(CHART_TITLES[name])
        width, height = BAR_SIZE if name in ("networks", "campaigns") else CHART_SIZE
        image = chart_image(chart, width, height)
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart://{name}"), image)
    doc.setHtml(report_html(board, scope, zone, title, campaign=campaign, progress=progress))
    writer = QPdfWriter(str(target))
    writer.setTitle(title)
    writer.setCreator("Campaign Desk")
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(18, 18, 18, 18))
    )
    writer.setResolution(300)
    doc.print_(writer)
    if not target.exists():
        raise OSError(f"Could not write {target}")
    return target
