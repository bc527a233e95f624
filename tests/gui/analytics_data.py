"""A small, known analytics dataset written through the ORM: two accounts on two networks, a
campaign with a goal, posts published at known local hours, post and follower snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop.services.context import AppContext
from desktop.services.metrics.store import refresh_variant_stats
from desktop.services.zones import system_zone_name
from desktop.store.models import (
    Account,
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    Variant,
    VariantState,
)


def _anchor() -> datetime:
    """The hour the dataset is written around: now, moved on to 03:00 in the system zone (the
    zone the pages use while Settings names none) when the local day is younger than that, so
    "day ``i``" posts (published 1–2 hours before the anchor) fall on local day ``i`` at any
    hour the tests run — just after midnight too."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    local_hour = now.astimezone(ZoneInfo(system_zone_name() or "UTC")).hour
    return now + timedelta(hours=max(0, 3 - local_hour))


NOW = _anchor()


@dataclass(frozen=True)
class Seeded:
    ann: int  # mastodon account
    bob: int  # bluesky account
    campaign: int
    variants: list[int]


def add_accounts(ctx: AppContext) -> tuple[int, int]:
    with ctx.session() as s:
        ann = Account(
            provider="mastodon", remote_id="1", handle="@ann@example.social", server_url="https://example.social"
        )
        bob = Account(provider="bluesky", remote_id="did:plc:bob", handle="bob.bsky.social")
        s.add_all([ann, bob])
        s.commit()
        return ann.id, bob.id


def seed(ctx: AppContext, *, synced: bool = True, days: int = 20) -> Seeded:
    """One post a day for ``days`` days, alternating accounts; the even days in the campaign.

    Day ``i`` (0 = today) gets ``2 * (days - i)`` likes, ``i % 3`` reposts and 1 reply, so the
    newest posts have the most likes. Followers: ann 100 + day number, bob 50 + 2 × day number.
    """
    ann, bob = add_accounts(ctx)
    variants: list[int] = []
    with ctx.session() as s:
        campaign = Campaign(
            name="Spring launch",
            color="#e64980",
            goal="Get the word out before the fair.",
            goal_metric="engagements",
            goal_target=500,
            goal_by=date.today() + timedelta(days=30),
            starts_on=date.today() - timedelta(days=days),
        )
        s.add(campaign)
        s.flush()
        for i in range(days):
            account = ann if i % 2 == 0 else bob
            published = NOW - timedelta(days=i, hours=1 + (i % 2))
            post = Post(
                text=f"Post number {i}: our spring news https://example.com/{i}",
                campaign_id=campaign.id if i % 2 == 0 else None,
                external=(i == 5),
            )
            s.add(post)
            s.flush()
            v = Variant(
                post_id=post.id,
                account_id=account,
                state=VariantState.PUBLISHED,
                scheduled_at=published,
                published_at=published,
                remote_id=f"r{i}",
                remote_url=f"https://example.social/@ann/{i}" if account == ann else "",
            )
            s.add(v)
            s.flush()
            variants.append(v.id)
            if synced:
                values = {"likes": 2 * (days - i), "reposts": i % 3, "replies": 1}
                for metric, value in values.items():
                    s.add(MetricLatest(variant_id=v.id, metric=metric, account_id=account, value=value, taken_at=NOW))
                    s.add(
                        MetricSnapshot(
                            account_id=account,
                            variant_id=v.id,
                            metric=metric,
                            value=value // 2,
                            taken_at=published + timedelta(minutes=30),
                        )
                    )
                    s.add(MetricSnapshot(account_id=account, variant_id=v.id, metric=metric, value=value, taken_at=NOW))
        if synced:
            for d in range(days + 1):
                taken = NOW - timedelta(days=d)
                s.add(MetricSnapshot(account_id=ann, metric="followers", value=100 + days - d, taken_at=taken))
                s.add(MetricSnapshot(account_id=bob, metric="followers", value=50 + 2 * (days - d), taken_at=taken))
        refresh_variant_stats(s)  # what the sync keeps up on each variant
        s.commit()
        return Seeded(ann, bob, campaign.id, variants)
