"""How far a campaign is towards its measurable goal ("2,000 engagements by 31 March").

The current value is read in SQL, one statement per kind of goal, for any number of campaigns:

- a post metric (likes, reposts, …, impressions): the sum, over the campaign's variants, of each
  variant's newest value in ``metric_latest``;
- ``engagements``: the same sum over ``ENGAGEMENT_METRICS`` (metric_names.py);
- ``followers``: followers gained since the campaign started, summed over the accounts the
  campaign posts from (every account with a variant in it that was not cancelled): each
  account's newest ``followers`` snapshot minus its baseline, the last snapshot taken at or
  before the start (else, when the account was first measured later, its first snapshot).

"On track" is a linear pace: by a given moment between the start and the end of the goal's day,
the same share of the target should be reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from desktop.services.metric_names import ENGAGEMENT_METRICS, ENGAGEMENTS, FOLLOWERS, label
from desktop.store.models import (
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    UTCDateTime,
    Variant,
    VariantState,
)


@dataclass(frozen=True)
class GoalProgress:
    metric: str
    target: int
    current: int
    by: date | None
    #: current ÷ target (may pass 1.0, or be negative for followers lost)
    fraction: float
    #: None without a date; True when reached or at the linear pace; False when behind or missed
    on_track: bool | None
    sentence: str

    @property
    def short(self) -> str:
        """``1,240 / 2,000 engagements`` for a table cell."""
        return f"{self.current:,} / {self.target:,} {unit(self.metric)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "target": self.target,
            "current": self.current,
            "by": self.by.isoformat() if self.by else None,
            "fraction": round(self.fraction, 4),
            "on_track": self.on_track,
        }


@dataclass(frozen=True)
class GoalSpec:
    """What progress needs to know about one campaign (read with the campaign)."""

    campaign_id: int
    metric: str
    target: int
    by: date | None
    starts_on: date | None
    created_at: datetime


def unit(metric: str) -> str:
    """The goal's metric as a plural noun in a sentence: "engagements", "followers gained"."""
    if metric == FOLLOWERS:
        return "followers gained"
    return label(metric).lower()


def campaign_start(spec: GoalSpec, zone: ZoneInfo) -> datetime:
    """When the campaign started: the start of its first day in the user's zone, else its creation."""
    if spec.starts_on is None:
        return spec.created_at
    return datetime.combine(spec.starts_on, time(), zone).astimezone(UTC)


def goal_deadline(by: date, zone: ZoneInfo) -> datetime:
    """ "By 31 March" means until the end of that day in the user's zone."""
    return datetime.combine(by + timedelta(days=1), time(), zone).astimezone(UTC)


def current_values(s: Session, specs: Sequence[GoalSpec], zone: ZoneInfo) -> dict[int, int]:
    """Each campaign's current value of its goal metric (0 when nothing was measured yet)."""
    values: dict[int, int] = {spec.campaign_id: 0 for spec in specs}
    post_ids = [spec.campaign_id for spec in specs if spec.metric != FOLLOWERS]
    if post_ids:
        counts = or_(
            and_(Campaign.goal_metric == ENGAGEMENTS, MetricLatest.metric.in_(ENGAGEMENT_METRICS)),
            MetricLatest.metric == Campaign.goal_metric,
        )
        query = (
            select(Campaign.id, func.sum(MetricLatest.value))
            .select_from(MetricLatest)
            .join(Variant, Variant.id == MetricLatest.variant_id)
            .join(Post, Post.id == Variant.post_id)
            .join(Campaign, Campaign.id == Post.campaign_id)
            .where(Campaign.id.in_(post_ids), counts)
            .group_by(Campaign.id)
        )
        values.update({cid: int(total or 0) for cid, total in s.execute(query).all()})
    follower_specs = [spec for spec in specs if spec.metric == FOLLOWERS]
    if follower_specs:
        values.update(_followers_gained(s, follower_specs, zone))
    return values


def _followers_gained(s: Session, specs: Sequence[GoalSpec], zone: ZoneInfo) -> dict[int, int]:
    starts = union_all(
        *(
            select(
                literal(spec.campaign_id).label("campaign_id"),
                literal(campaign_start(spec, zone), UTCDateTime()).label("start"),
            )
            for spec in specs
        )
    ).subquery("starts")
    accounts = (
        select(starts.c.campaign_id, starts.c.start, Variant.account_id)
        .distinct()
        .select_from(Variant)
        .join(Post, Post.id == Variant.post_id)
        .join(starts, starts.c.campaign_id == Post.campaign_id)
        .where(Variant.state != VariantState.CANCELLED)
        .subquery("campaign_accounts")
    )
    snap = aliased(MetricSnapshot)

    def one_value(*where: Any, newest_first: bool) -> Any:
        order = (snap.taken_at.desc(), snap.id.desc()) if newest_first else (snap.taken_at, snap.id)
        return (
            select(snap.value)
            .where(
                snap.account_id == accounts.c.account_id,
                snap.variant_id.is_(None),
                snap.metric == FOLLOWERS,
                *where,
            )
            .order_by(*order)
            .limit(1)
            .correlate(accounts)
            .scalar_subquery()
        )

    newest = one_value(newest_first=True)
    baseline = func.coalesce(
        one_value(snap.taken_at <= accounts.c.start, newest_first=True),
        one_value(snap.taken_at > accounts.c.start, newest_first=False),
    )
    query = select(accounts.c.campaign_id, func.sum(newest - baseline)).group_by(accounts.c.campaign_id)
    return {cid: int(total or 0) for cid, total in s.execute(query).all()}


def _day(d: date, today: date) -> str:
    text = f"{d.day} {d:%B}"
    return text if d.year == today.year else f"{text} {d.year}"


def progress_of(spec: GoalSpec, current: int, now: datetime, zone: ZoneInfo) -> GoalProgress:
    """The verdict and the sentence for one campaign whose current value is known."""
    target = spec.target
    fraction = current / target
    head = f"{current:,} of {target:,} {unit(spec.metric)}"
    today = now.astimezone(zone).date()
    on_track: bool | None
    if spec.by is not None:
        head += f" by {_day(spec.by, today)}"
    if current >= target:
        on_track, tail = True, " — goal reached"
    elif spec.by is None:
        on_track, tail = None, ""
    else:
        start, deadline = campaign_start(spec, zone), goal_deadline(spec.by, zone)
        if now >= deadline:
            on_track, tail = False, " — the date has passed"
        elif now <= start or deadline <= start:
            on_track, tail = True, " — not started yet"
        else:
            expected = target * ((now - start) / (deadline - start))
            on_track = current >= expected
            tail = " — on track" if on_track else f" — behind pace ({int(expected):,} expected by now)"
    return GoalProgress(spec.metric, target, current, spec.by, fraction, on_track, head + tail)


def spec_of(c: Campaign) -> GoalSpec | None:
    """The campaign's measurable goal, or None when it has none."""
    if not c.goal_metric or not c.goal_target:
        return None
    return GoalSpec(c.id, c.goal_metric, c.goal_target, c.goal_by, c.starts_on, c.created_at)


def progress_for(s: Session, campaigns: Sequence[Campaign], zone: ZoneInfo, now: datetime) -> dict[int, GoalProgress]:
    """Progress of every campaign given that has a measurable goal, keyed by campaign id."""
    specs = [spec for spec in map(spec_of, campaigns) if spec is not None]
    if not specs:
        return {}
    values = current_values(s, specs, zone)
    return {spec.campaign_id: progress_of(spec, values[spec.campaign_id], now, zone) for spec in specs}
