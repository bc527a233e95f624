"""Campaigns: named groups of posts with dates, a colour, a goal, notes and UTM defaults.

What happens to a campaign's posts:

- **edit**: the posts keep the campaign. Links in posts that have not started sending yet get the
  new UTM values; a post that already started sending keeps the tagged text it was sent with.
- **archive**: the campaign disappears from lists and pickers; its posts still publish and still
  count in analytics. Unarchiving shows it again.
- **delete**: the campaign goes; its posts stay and lose it (``posts.campaign_id`` is
  ``ON DELETE SET NULL``). Posts still to go out publish as scheduled, without the campaign's UTM
  tags unless they already started sending. Published posts and their metrics are kept.

Every write is conditional on what the caller read: an edit or delete based on a stale read
(someone renamed, changed or deleted the campaign, or added posts to it meanwhile) fails with a
sentence instead of overwriting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from desktop.services.campaign_progress import GoalProgress, progress_for
from desktop.services.metric_names import GOAL_METRICS
from desktop.store.models import Campaign, Post, Variant, VariantState, utcnow

if TYPE_CHECKING:
    from desktop.services.context import AppContext

# Distinct, readable on light and dark backgrounds; assigned in turn to new campaigns.
PALETTE = ("#4f6bed", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#1098ad", "#f08c00", "#5c940d")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
NAME_MAX = 200
UTM_MAX = 200
TARGET_MAX = 2_000_000_000  # fits the INTEGER column on every database

UTM_FIELDS = ("source", "medium", "campaign", "term", "content")

#: Variant states of a post that has still to go out (counted as "scheduled" before a delete).
WAITING_STATES = (VariantState.SCHEDULED, VariantState.RETRYING, VariantState.PUBLISHING)

#: The fields an edit may change (``utm`` is a partial dict of UTM_FIELDS).
EDITABLE = ("name", "color", "starts_on", "ends_on", "goal", "utm", "goal_metric", "goal_target", "goal_by", "notes")


class CampaignError(Exception):
    """A campaign could not be saved or changed; the message is a sentence for the user."""


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
    archived: bool = False
    notes: str = ""
    goal_metric: str = ""
    goal_target: int | None = None
    goal_by: date | None = None
    progress: GoalProgress | None = None

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
            "archived": self.archived,
            "notes": self.notes,
            "goal_metric": self.goal_metric or None,
            "goal_target": self.goal_target,
            "goal_by": self.goal_by.isoformat() if self.goal_by else None,
            "progress": self.progress.to_json() if self.progress else None,
        }


@dataclass(frozen=True)
class DeletionImpact:
    """What deleting a campaign does to its posts, counted just before asking the user."""

    campaign_id: int
    name: str
    posts: int
    #: posts with a variant still to go out (scheduled, retrying or being sent)
    scheduled: int

    @property
    def sentence(self) -> str:
        if self.posts == 0:
            return f"Campaign {self.name!r} has no posts; only the campaign is deleted."
        noun = "post" if self.posts == 1 else "posts"
        text = f"Its {self.posts} {noun} ({self.scheduled} scheduled) stay and lose the campaign."
        if self.scheduled:
            text += (
                " Scheduled posts still publish on time, without this campaign's UTM tags"
                " unless they have already started sending."
            )
        return text + " Published posts and their metrics are kept."

    def to_json(self) -> dict[str, Any]:
        return {"id": self.campaign_id, "name": self.name, "posts": self.posts, "scheduled": self.scheduled}


def _fields(c: Campaign) -> dict[str, Any]:
    """The editable fields as loaded (what a later write is conditional on)."""
    return {
        "name": c.name,
        "color": c.color,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "goal": c.goal,
        "goal_metric": c.goal_metric,
        "goal_target": c.goal_target,
        "goal_by": c.goal_by,
        "notes": c.notes,
        **{f"utm_{f}": getattr(c, f"utm_{f}") for f in UTM_FIELDS},
    }


def _row_fields(row: CampaignRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "color": row.color,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "goal": row.goal,
        "goal_metric": row.goal_metric,
        "goal_target": row.goal_target,
        "goal_by": row.goal_by,
        "notes": row.notes,
        **{f"utm_{f}": row.utm.get(f, "") for f in UTM_FIELDS},
    }


def _row(c: Campaign, posts: int, progress: GoalProgress | None = None) -> CampaignRow:
    utm = {f: getattr(c, f"utm_{f}") for f in UTM_FIELDS if getattr(c, f"utm_{f}")}
    return CampaignRow(
        c.id,
        c.name,
        c.color,
        c.starts_on,
        c.ends_on,
        c.goal,
        utm,
        posts,
        archived=bool(c.archived),
        notes=c.notes or "",
        goal_metric=c.goal_metric or "",
        goal_target=c.goal_target,
        goal_by=c.goal_by,
        progress=progress,
    )


def _validate(values: dict[str, Any]) -> None:
    """Raise CampaignError (a sentence) when the campaign as it would be saved is not valid."""
    name = values["name"]
    if not name:
        raise CampaignError("A campaign needs a name.")
    if len(name) > NAME_MAX:
        raise CampaignError(f"A campaign name can be at most {NAME_MAX} characters.")
    start, end = values["starts_on"], values["ends_on"]
    if start and end and end < start:
        raise CampaignError(f"The campaign ends ({end}) before it starts ({start}).")
    if not _COLOR.match(values["color"]):
        raise CampaignError(f"Colour {values['color']!r} is not a #RRGGBB value.")
    for f in UTM_FIELDS:
        if len(values[f"utm_{f}"]) > UTM_MAX:
            raise CampaignError(f"utm_{f} can be at most {UTM_MAX} characters.")
    metric, target, by = values["goal_metric"], values["goal_target"], values["goal_by"]
    if metric and metric not in GOAL_METRICS:
        raise CampaignError(f"{metric!r} cannot be a goal; choose one of: {', '.join(GOAL_METRICS)}.")
    if target is not None and not metric:
        raise CampaignError("A goal's number needs a metric to count, e.g. engagements.")
    if metric and target is None:
        raise CampaignError(f"A goal of {metric} needs a number to reach.")
    if target is not None and not 0 < target <= TARGET_MAX:
        raise CampaignError("A goal's number must be a whole number above 0.")
    if by is not None and not metric:
        raise CampaignError("A goal's date needs a number and a metric to reach by then.")
    if by is not None and start and by < start:
        raise CampaignError(f"The goal's date ({by}) is before the campaign starts ({start}).")


def _name_taken(s: Session, name: str, *, other_than: int | None = None) -> str | None:
    """A sentence when another campaign already has this name (case-insensitively)."""
    query = select(Campaign.name, Campaign.archived).where(func.lower(Campaign.name) == name.lower())
    if other_than is not None:
        query = query.where(Campaign.id != other_than)
    found = s.execute(query).first()
    if found is None:
        return None
    if found.archived:
        return f"An archived campaign named {found.name!r} already exists; unarchive it or choose another name."
    return f"A campaign named {name!r} already exists."


def _utm_values(utm: dict[str, str]) -> dict[str, str]:
    unknown = set(utm) - set(UTM_FIELDS)
    if unknown:
        raise CampaignError(f"Unknown UTM field(s): {', '.join(sorted(unknown))}.")
    return {f"utm_{k}": (v or "").strip() for k, v in utm.items()}


def add_campaign(
    ctx: AppContext,
    name: str,
    *,
    color: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    goal: str = "",
    utm: dict[str, str] | None = None,
    goal_metric: str = "",
    goal_target: int | None = None,
    goal_by: date | None = None,
    notes: str = "",
) -> CampaignRow:
    """Create a campaign; its colour, unless given, is the next one in the palette."""
    values: dict[str, Any] = {
        "name": name.strip(),
        "color": color or PALETTE[0],
        "starts_on": starts_on,
        "ends_on": ends_on,
        "goal": goal.strip(),
        "goal_metric": goal_metric,
        "goal_target": goal_target,
        "goal_by": goal_by,
        "notes": notes.strip(),
        **{f"utm_{f}": "" for f in UTM_FIELDS},
        **_utm_values(utm or {}),
    }
    _validate(values)
    zone = _zone(ctx)
    with ctx.session() as s:
        taken = _name_taken(s, values["name"])
        if taken:
            raise CampaignError(taken)
        if not color:
            count = s.scalar(select(func.count()).select_from(Campaign)) or 0
            values["color"] = PALETTE[count % len(PALETTE)]
        campaign = Campaign(**values)
        s.add(campaign)
        try:
            s.flush()
        except IntegrityError:  # the same name saved by another process a moment ago
            raise CampaignError(f"A campaign named {values['name']!r} already exists.") from None
        return _row(campaign, 0, progress_for(s, [campaign], zone, utcnow()).get(campaign.id))


def _zone(ctx: AppContext) -> ZoneInfo:
    """The user's zone, read before a unit of work opens its session (it reads a setting)."""
    from desktop.services.zones import user_zone

    return user_zone(ctx)


def _post_counts() -> Any:
    return select(Post.campaign_id, func.count().label("n")).group_by(Post.campaign_id).subquery()


def list_campaigns(
    ctx: AppContext,
    *,
    include_archived: bool = False,
    only_archived: bool = False,
    with_progress: bool = False,
    now: datetime | None = None,
) -> list[CampaignRow]:
    """Campaigns with their post counts, oldest start first; archived ones only when asked.

    ``with_progress`` also works out each goal's progress (two SQL aggregations in all).
    """
    counts = _post_counts()
    query = select(Campaign, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.campaign_id == Campaign.id)
    if only_archived:
        query = query.where(Campaign.archived.is_(True))
    elif not include_archived:
        query = query.where(Campaign.archived.is_(False))
    zone = _zone(ctx) if with_progress else None
    with ctx.session() as s:
        found = s.execute(query.order_by(Campaign.starts_on, Campaign.name)).all()
        progress = progress_for(s, [c for c, _n in found], zone, now or utcnow()) if zone else {}
        return [_row(c, n, progress.get(c.id)) for c, n in found]


def _load(s: Session, campaign_id: int, *, zone: ZoneInfo | None = None) -> CampaignRow | None:
    """The campaign with its post count, and its goal's progress when ``zone`` is given."""
    c = s.get(Campaign, campaign_id)
    if c is None:
        return None
    n = s.scalar(select(func.count()).select_from(Post).where(Post.campaign_id == c.id)) or 0
    progress = progress_for(s, [c], zone, utcnow()).get(c.id) if zone else None
    return _row(c, n, progress)


def get_campaign(ctx: AppContext, campaign_id: int, *, with_progress: bool = False) -> CampaignRow | None:
    zone = _zone(ctx) if with_progress else None
    with ctx.session() as s:
        return _load(s, campaign_id, zone=zone)


def find_campaign(ctx: AppContext, name: str) -> CampaignRow | None:
    """The campaign with this name (case-insensitively), archived or not."""
    with ctx.session() as s:
        cid = s.scalar(select(Campaign.id).where(func.lower(Campaign.name) == name.strip().lower()))
        return None if cid is None else _load(s, cid)


def resolve_campaign(ctx: AppContext, name_or_id: str, *, with_progress: bool = False) -> CampaignRow:
    """An all-digits argument is an id first, else (or then) a case-insensitive name."""
    text = name_or_id.strip()
    zone = _zone(ctx) if with_progress else None
    with ctx.session() as s:
        cid = int(text) if text.isdigit() and s.get(Campaign, int(text)) is not None else None
        if cid is None:
            cid = s.scalar(select(Campaign.id).where(func.lower(Campaign.name) == text.lower()))
        row = None if cid is None else _load(s, cid, zone=zone)
    if row is None:
        raise CampaignError(f"No campaign named or numbered {text!r}.")
    return row


def campaign_progress(ctx: AppContext, campaign_id: int, *, now: datetime | None = None) -> GoalProgress | None:
    """Progress towards the campaign's measurable goal now (or at ``now``); None without one."""
    zone = _zone(ctx)
    with ctx.session() as s:
        c = s.get(Campaign, campaign_id)
        if c is None:
            raise CampaignError(f"Campaign #{campaign_id} no longer exists.")
        return progress_for(s, [c], zone, now or utcnow()).get(campaign_id)


def failure_sentence(exc: BaseException) -> str:
    """What to tell the user when a campaign task failed: our sentence, or the database's in words."""
    if isinstance(exc, CampaignError):
        return str(exc)
    from desktop.store.database import describe_db_error

    if isinstance(exc, SQLAlchemyError):
        return f"The campaign was not changed. {describe_db_error(exc)}"
    return f"The campaign was not changed: {type(exc).__name__}."


def _gone(name: str) -> CampaignError:
    return CampaignError(f"Campaign {name!r} no longer exists (it was deleted elsewhere); nothing was changed.")


def _stale(name: str, now_named: str) -> CampaignError:
    renamed = f" (it is now named {now_named!r})" if now_named != name else ""
    return CampaignError(
        f"Campaign {name!r} was changed elsewhere while you edited it{renamed}; nothing was saved. "
        "Open it again to see the changes."
    )


def edit_campaign(
    ctx: AppContext, campaign_id: int, *, expected: CampaignRow | None = None, **changes: Any
) -> CampaignRow:
    """Change a campaign's fields (any of EDITABLE; ``utm`` is a partial dict, "" clears a field).

    ``expected`` is the campaign as the caller read it (a dialog's prefill): when it was changed
    or deleted since, nothing is saved and CampaignError says so. The UPDATE itself is also
    conditional on the values read in its own transaction.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"edit_campaign() got unknown field(s): {', '.join(sorted(unknown))}")
    zone = _zone(ctx)
    with ctx.session() as s:
        c = s.get(Campaign, campaign_id)
        if c is None:
            raise _gone(expected.name if expected else f"#{campaign_id}")
        loaded = _fields(c)
        if expected is not None and _row_fields(expected) != loaded:
            raise _stale(expected.name, c.name)
        values = dict(loaded)
        for key, value in changes.items():
            if key == "utm":
                values.update(_utm_values(value or {}))
            elif key in ("name", "goal", "notes"):
                values[key] = (value or "").strip()
            elif key == "goal_metric":
                values[key] = value or ""
            else:
                values[key] = value
        _validate(values)
        diff = {k: v for k, v in values.items() if v != loaded[k]}
        if diff:
            if "name" in diff and (taken := _name_taken(s, values["name"], other_than=campaign_id)):
                raise CampaignError(taken)
            unchanged = [getattr(Campaign, k).is_not_distinct_from(v) for k, v in loaded.items()]
            try:
                result = s.execute(
                    update(Campaign)
                    .where(Campaign.id == campaign_id, *unchanged)
                    .values(**diff)
                    .execution_options(synchronize_session=False)
                )
            except IntegrityError:
                raise CampaignError(f"A campaign named {values['name']!r} already exists.") from None
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise _stale(loaded["name"], loaded["name"])
            s.expire(c)
        row = _load(s, campaign_id, zone=zone)
        assert row is not None  # updated in this transaction
        return row


def archive_campaign(ctx: AppContext, campaign_id: int, archived: bool = True) -> CampaignRow:
    """Hide a campaign from lists and pickers (or show it again); its posts still publish and count.

    Idempotent: archiving an archived campaign changes nothing.
    """
    with ctx.session() as s:
        s.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.archived.is_(not archived))
            .values(archived=archived)
            .execution_options(synchronize_session=False)
        )
        row = _load(s, campaign_id)
        if row is None:
            raise _gone(f"#{campaign_id}")
        return row


def deletion_impact(ctx: AppContext, campaign_id: int) -> DeletionImpact:
    """Count what deleting the campaign would leave without it (to say before asking)."""
    with ctx.session() as s:
        impact = _impact(s, campaign_id)
    if impact is None:
        raise _gone(f"#{campaign_id}")
    return impact


def _impact(s: Session, campaign_id: int) -> DeletionImpact | None:
    name = s.scalar(select(Campaign.name).where(Campaign.id == campaign_id))
    if name is None:
        return None
    posts = s.scalar(select(func.count()).select_from(Post).where(Post.campaign_id == campaign_id)) or 0
    waiting = (
        s.scalar(
            select(func.count(func.distinct(Variant.post_id)))
            .join(Post, Post.id == Variant.post_id)
            .where(Post.campaign_id == campaign_id, Variant.state.in_(WAITING_STATES))
        )
        or 0
    )
    return DeletionImpact(campaign_id, name, posts, waiting)


def delete_campaign(ctx: AppContext, campaign_id: int, *, expected: DeletionImpact | None = None) -> DeletionImpact:
    """Delete the campaign; its posts stay and lose it. Returns what was left without it.

    With ``expected`` (the impact the user confirmed), the delete happens only while the campaign
    still has that name and that many posts, in one conditional DELETE.
    """
    with ctx.session() as s:
        impact = _impact(s, campaign_id)
        if impact is None:
            raise _gone(expected.name if expected else f"#{campaign_id}")
        basis = expected or impact
        if expected is not None and (impact.name, impact.posts) != (expected.name, expected.posts):
            raise CampaignError(
                f"Campaign {expected.name!r} changed while you were asked (it now has {impact.posts} posts"
                f"{'' if impact.name == expected.name else f' and is named {impact.name!r}'}); nothing was deleted."
            )
        post_count = select(func.count()).select_from(Post).where(Post.campaign_id == campaign_id).scalar_subquery()
        result = s.execute(
            delete(Campaign)
            .where(Campaign.id == campaign_id, Campaign.name == basis.name, post_count == basis.posts)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise CampaignError(f"Campaign {basis.name!r} changed while it was being deleted; nothing was deleted.")
        # The foreign key is ON DELETE SET NULL; say so in SQL too, for a database opened without
        # foreign keys enforced, so a post never points at a campaign that is gone.
        s.execute(
            update(Post)
            .where(Post.campaign_id == campaign_id)
            .values(campaign_id=None)
            .execution_options(synchronize_session=False)
        )
        return impact
