"""Campaigns: named groups of posts with dates, a colour, a goal and UTM defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from desktop.store.models import Campaign, Post

if TYPE_CHECKING:
    from desktop.services.context import AppContext

# Distinct, readable on light and dark backgrounds; assigned in turn to new campaigns.
PALETTE = ("#4f6bed", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#1098ad", "#f08c00", "#5c940d")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


class CampaignError(Exception):
    pass


@dataclass(frozen=True)
class CampaignRow:
    id: int
    name: str
    color: str
    starts_on: date | None
    ends_on: date | None
    goal: str
    utm: dict[str, str]
    posts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "start": self.starts_on.isoformat() if self.starts_on else None,
            "end": self.ends_on.isoformat() if self.ends_on else None,
            "goal": self.goal,
            "utm": self.utm,
            "posts": self.posts,
        }


UTM_FIELDS = ("source", "medium", "campaign", "term", "content")


def _row(c: Campaign, posts: int) -> CampaignRow:
    utm = {f: getattr(c, f"utm_{f}") for f in UTM_FIELDS if getattr(c, f"utm_{f}")}
    return CampaignRow(c.id, c.name, c.color, c.starts_on, c.ends_on, c.goal, utm, posts)


def add_campaign(
    ctx: AppContext,
    name: str,
    *,
    color: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    goal: str = "",
    utm: dict[str, str] | None = None,
) -> CampaignRow:
    name = name.strip()
    if not name:
        raise CampaignError("A campaign needs a name.")
    if starts_on and ends_on and ends_on < starts_on:
        raise CampaignError(f"The campaign ends ({ends_on}) before it starts ({starts_on}).")
    if color and not _COLOR.match(color):
        raise CampaignError(f"Colour {color!r} is not a #RRGGBB value.")
    utm = utm or {}
    unknown = set(utm) - set(UTM_FIELDS)
    if unknown:
        raise CampaignError(f"Unknown UTM field(s): {', '.join(sorted(unknown))}.")
    with ctx.session() as s:
        if s.scalar(select(Campaign.id).where(func.lower(Campaign.name) == name.lower())) is not None:
            raise CampaignError(f"A campaign named {name!r} already exists.")
        count = s.scalar(select(func.count()).select_from(Campaign)) or 0
        campaign = Campaign(
            name=name,
            color=color or PALETTE[count % len(PALETTE)],
            starts_on=starts_on,
            ends_on=ends_on,
            goal=goal,
            **{f"utm_{k}": v for k, v in utm.items()},
        )
        s.add(campaign)
        s.flush()
        return _row(campaign, 0)


def list_campaigns(ctx: AppContext, *, include_archived: bool = False) -> list[CampaignRow]:
    counts = select(Post.campaign_id, func.count().label("n")).group_by(Post.campaign_id).subquery()
    query = select(Campaign, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.campaign_id == Campaign.id)
    if not include_archived:
        query = query.where(Campaign.archived.is_(False))
    with ctx.session() as s:
        return [_row(c, n) for c, n in s.execute(query.order_by(Campaign.starts_on, Campaign.name)).all()]


def find_campaign(ctx: AppContext, name: str) -> CampaignRow | None:
    with ctx.session() as s:
        c = s.scalar(select(Campaign).where(func.lower(Campaign.name) == name.strip().lower()))
        if c is None:
            return None
        n = s.scalar(select(func.count()).select_from(Post).where(Post.campaign_id == c.id)) or 0
        return _row(c, n)
