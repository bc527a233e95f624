"""What the Analytics page loads off the GUI thread, and a metrics pass's report in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from desktop.ui.analytics.filters import FilterChoice

if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.analytics import Dashboard, HeatCell, Scope
    from desktop.services.campaign_progress import GoalProgress
    from desktop.services.campaigns import CampaignRow
    from desktop.services.context import AppContext


@dataclass(frozen=True)
class Loaded:
    """One load's answer, made on a worker thread."""

    choice: FilterChoice
    zone: ZoneInfo
    accounts: list[AccountRow]
    campaigns: list[CampaignRow]
    scope: Scope | None = None
    dashboard: Dashboard | None = None
    best: list[HeatCell] | None = None
    published_ever: int = 0
    progress: GoalProgress | None = None


def load(ctx: AppContext, choice: FilterChoice) -> Loaded:
    """Everything the page shows for ``choice`` (worker thread)."""
    from desktop.services import analytics
    from desktop.services.accounts import list_accounts
    from desktop.services.campaigns import campaign_progress, list_campaigns
    from desktop.services.zones import user_zone

    zone = user_zone(ctx)
    accounts = list_accounts(ctx)
    campaigns = list_campaigns(ctx, include_archived=True)
    if not accounts:
        return Loaded(choice, zone, accounts, campaigns)
    if choice.campaign_id is not None and all(c.id != choice.campaign_id for c in campaigns):
        choice = FilterChoice(choice.days, choice.first, choice.last, None, choice.account_ids, choice.include_external)
    scope = choice.scope(zone)
    board = analytics.dashboard(ctx, scope, zone=zone)
    ever = board.kpis.current.posts
    if not ever:  # nothing in this period: was anything published at all?
        ever = analytics.published_count(ctx)
    progress = campaign_progress(ctx, choice.campaign_id) if choice.campaign_id is not None else None
    best = analytics.best_hours(board.heatmap)
    return Loaded(choice, zone, accounts, campaigns, scope, board, best, ever, progress)


def sync_words(report: Any, zone: ZoneInfo) -> tuple[str, str]:
    """(a sentence for the status line, the details) of a metrics pass's report."""
    errors = list(getattr(report, "errors", ()) or ())
    deferred = list(getattr(report, "deferred", ()) or ())
    lines = [f"{n.handle}: {n.text}" for n in errors]
    for n in deferred:
        until = f" (until {n.until.astimezone(zone):%H:%M})" if getattr(n, "until", None) else ""
        lines.append(f"{n.handle}: {n.text}{until}")
    parts = []
    if errors:
        who = ", ".join(dict.fromkeys(n.handle for n in errors))
        parts.append(f"{who} could not be measured; see Details.")
    if deferred:
        who = ", ".join(dict.fromkeys(n.handle for n in deferred))
        parts.append(f"{who} will be measured later, to leave the network's rate limit to publishing.")
    return " ".join(parts), "\n".join(lines)
