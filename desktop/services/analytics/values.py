"""What the analytics service returns: periods, scopes and the frozen rows the page shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the local ``day`` starts in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """A span of time: ``start`` (UTC, inclusive) to ``end`` (UTC, exclusive).

    Built from local days (:meth:`last_days`, :meth:`local_days`) it remembers the zone, so
    :meth:`previous` is the same number of whole local days even across a DST change.
    """

    start: datetime
    end: datetime
    zone: ZoneInfo | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs timezone-aware times")
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @classmethod
    def local_days(cls, first: date, last: date, zone: ZoneInfo | None = None) -> Period:
        """Whole local days ``first`` to ``last`` (both included) in ``zone`` (UTC if None)."""
        zone = zone or ZoneInfo("UTC")
        if last < first:
            first, last = last, first
        return cls(local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone), zone)

    @classmethod
    def last_days(cls, days: int, *, now: datetime | None = None, zone: ZoneInfo | None = None) -> Period:
        """The last ``days`` whole local days, today included (so it ends at tonight's midnight)."""
        if days < 1:
            raise ValueError("a period has at least one day")
        zone = zone or ZoneInfo("UTC")
        today = (now or datetime.now(UTC)).astimezone(zone).date()
        return cls.local_days(today - timedelta(days=days - 1), today, zone)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.zone is not None:
            first = self.start.astimezone(self.zone).date()
            return Period.local_days(first - timedelta(days=self.days), first - timedelta(days=1), self.zone)
        return Period(self.start - (self.end - self.start), self.start)

    @property
    def days(self) -> int:
        """How many (local, when the zone is known) days the period spans."""
        if self.zone is not None:
            return (self.end.astimezone(self.zone).date() - self.start.astimezone(self.zone).date()).days
        return round((self.end - self.start) / timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    """What the dashboard looks at: a period, optionally one campaign and some accounts."""

    period: Period
    campaign_id: int | None = None
    account_ids: tuple[int, ...] = ()  # empty = all accounts
    include_external: bool = True  # posts published outside the app (Post.external)


@dataclass(frozen=True)
class Kpis:
    posts: int  # variants published in the period
    engagements: int  # sum of the newest values of ENGAGEMENT_METRICS over those variants
    #: Mean over posts of engagements / followers at publish (snapshot nearest published_at);
    #: None when no post has follower data.
    engagement_rate: float | None
    #: Sum over accounts in scope of followers at the end minus at the start (nearest
    #: snapshots); None when no account in scope has follower snapshots.
    follower_change: int | None
    impressions: int | None  # None when no network in scope reports impressions
    link_clicks: int | None  # None when no network in scope reports link clicks


@dataclass(frozen=True)
class KpiComparison:
    current: Kpis
    previous: Kpis

    def delta(self, name: str) -> float | None:
        """Relative change of KPI ``name`` (0.25 = +25 %); None when the previous value is 0 or
        unknown, or the current one is unknown."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if now is None or not before:
            return None
        return float((now - before) / abs(before))


@dataclass(frozen=True)
class SeriesPoint:
    day: date  # in the user's zone
    key: str  # network id (engagements_over_time) or account id as str (follower_growth)
    label: str  # "Mastodon" / "@ann@example.social"
    value: int


@dataclass(frozen=True)
class TopPost:
    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    text: str  # first part's text (the tagged text if any)
    url: str  # live link ("" if none)
    published_at: datetime
    campaign: str | None
    campaign_color: str | None
    external: bool
    metrics: Mapping[str, int]  # newest value per metric the network reported
    engagements: int
    engagement_rate: float | None


@dataclass(frozen=True)
class Breakdown:
    key: str  # network id or campaign id as str ("" = no campaign)
    label: str
    color: str | None  # campaign colour
    posts: int
    engagements: int
    engagement_rate: float | None


@dataclass(frozen=True)
class HeatCell:
    weekday: int  # 0 = Monday, in the user's zone
    hour: int  # 0..23, in the user's zone
    posts: int
    engagement_rate: float | None  # mean rate of posts published in that local hour


@dataclass(frozen=True)
class MetricPoint:
    taken_at: datetime
    metric: str
    value: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the analytics page shows, read in one session."""

    scope: Scope
    kpis: KpiComparison
    series: list[SeriesPoint]  # engagements per local day per network
    growth: list[SeriesPoint]  # followers per local day per account
    top_posts: list[TopPost]
    by_network: list[Breakdown]
    by_campaign: list[Breakdown]
    heatmap: list[HeatCell]  # all 168 cells, Monday 00:00 first
    missing: list[str]  # "Bluesky does not report impressions."
    last_synced: datetime | None
