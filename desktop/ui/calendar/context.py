"""What the calendar shows around the posts (accounts, campaigns, the zone, network colours),
read in one go off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# The data layer (SQLAlchemy) is imported where it is used, so the page can be built, and show its
# first month, before the data is open.
if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.campaigns import CampaignRow
    from desktop.services.context import AppContext


@dataclass(frozen=True)
class CalendarContext:
    """What the page shows around the posts: accounts, campaigns (archived too), the zone."""

    accounts: list[AccountRow]
    campaigns: list[CampaignRow]
    zone: str
    network_colors: dict[str, str] = field(default_factory=dict)


def load_context(ctx: AppContext) -> CalendarContext:
    """The calendar's context (runs on a worker)."""
    from desktop.services.accounts import list_accounts
    from desktop.services.campaigns import list_campaigns
    from desktop.services.zones import user_zone_name

    accounts = list_accounts(ctx)
    # only the networks posts can be on: asking the registry for every network would import every
    # provider module on the way to the first month the user sees
    networks = {a.network for a in accounts if a.network in ctx.registry}
    colors = {n: color for n in networks if (color := ctx.registry.cls(n).info.color)}
    return CalendarContext(accounts, list_campaigns(ctx, include_archived=True), user_zone_name(ctx), colors)
