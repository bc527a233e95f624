"""Campaigns, whole: edit, archive, delete (and what happens to their posts), goals and progress."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from desktop.services import app_settings, campaigns
from desktop.services.campaigns import CampaignError
from desktop.services.context import AppContext
from desktop.services.metric_names import ENGAGEMENT_METRICS, FOLLOWERS, IMPRESSIONS, LIKES, POST_METRICS
from desktop.store.models import Account, Campaign, MetricLatest, MetricSnapshot, Post, Variant, VariantState


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    app_settings.put(context, app_settings.TIMEZONE, "UTC")
    yield context
    context.close()


def _account(ctx: AppContext, handle: str) -> int:
    with ctx.session() as s:
        a = Account(provider="mastodon", remote_id=handle, handle=handle, server_url="https://m.test")
        s.add(a)
        s.flush()
        return a.id


def _post(ctx: AppContext, campaign_id: int | None, accounts: dict[int, VariantState]) -> tuple[int, list[int]]:
    with ctx.session() as s:
        post = Post(text="hello https://example.com", campaign_id=campaign_id)
        s.add(post)
        s.flush()
        variants = [Variant(post_id=post.id, account_id=a, state=state) for a, state in accounts.items()]
        s.add_all(variants)
        s.flush()
        return post.id, [v.id for v in variants]


# --- edit ---------------------------------------------------------------------------------------


def test_edit_changes_every_field_and_keeps_the_posts(ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "Spring", utm={"source": "social", "medium": "organic"})
    account = _account(ctx, "ann")
    _post(ctx, row.id, {account: VariantState.SCHEDULED})
    edited = campaigns.edit_campaign(
        ctx,
        row.id,
        expected=row,
        name="  Spring launch ",
        color="#123456",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        goal="More sign-ups",
        utm={"medium": "", "campaign": "spring-26"},  # partial: source kept, medium cleared
        goal_metric="engagements",
        goal_target=2000,
        goal_by=date(2026, 3, 31),
        notes="Line one\nLine two",
    )
    assert edited.name == "Spring launch" and edited.color == "#123456"
    assert (edited.starts_on, edited.ends_on, edited.goal_by) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        date(2026, 3, 31),
    )
    assert edited.utm == {"source": "social", "campaign": "spring-26"}
    assert (edited.goal_metric, edited.goal_target, edited.notes) == ("engagements", 2000, "Line one\nLine two")
    assert edited.posts == 1
    assert campaigns.find_campaign(ctx, "SPRING LAUNCH") == campaigns.get_campaign(ctx, row.id)
    # clearing: dates and the goal go back to none
    cleared = campaigns.edit_campaign(
        ctx, row.id, starts_on=None, ends_on=None, goal_metric="", goal_target=None, goal_by=None
    )
    assert (cleared.starts_on, cleared.ends_on, cleared.goal_metric, cleared.goal_target) == (None, None, "", None)
    assert cleared.to_json()["progress"] is None and cleared.to_json()["goal_metric"] is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"name": "summer"}, "named 'summer' already exists"),
        ({"starts_on": date(2026, 5, 2), "ends_on": date(2026, 5, 1)}, "ends .* before it starts"),
        ({"color": "blue"}, "RRGGBB"),
        ({"goal_metric": "vibes", "goal_target": 3}, "'vibes' cannot be a goal"),
        ({"goal_target": 10}, "needs a metric"),
        ({"goal_metric": "likes"}, "needs a number"),
        ({"goal_metric": "likes", "goal_target": 0}, "above 0"),
        ({"goal_by": date(2026, 1, 1)}, "date needs a number"),
        ({"utm": {"source": "x" * 201}}, "at most 200"),
        ({"utm": {"campaing": "typo"}}, "Unknown UTM field"),
        (
            {"starts_on": date(2026, 5, 1), "goal_metric": "likes", "goal_target": 5, "goal_by": date(2026, 4, 1)},
            "before the campaign starts",
        ),
    ],
)
def test_edit_refuses_what_would_not_be_a_valid_campaign(ctx: AppContext, changes: dict, message: str) -> None:
    row = campaigns.add_campaign(ctx, "Spring", color="#111111")
    campaigns.add_campaign(ctx, "Summer")
    with pytest.raises(CampaignError, match=message):
        campaigns.edit_campaign(ctx, row.id, **changes)
    assert campaigns.get_campaign(ctx, row.id) == row  # nothing saved


def test_renaming_to_its_own_name_in_other_case_is_allowed(ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "spring")
    assert campaigns.edit_campaign(ctx, row.id, expected=row, name="Spring").name == "Spring"


def test_an_edit_based_on_a_stale_read_fails_instead_of_overwriting(ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "Spring")
    campaigns.edit_campaign(ctx, row.id, name="Spring 2026")  # someone else, meanwhile
    with pytest.raises(CampaignError, match=r"changed elsewhere.*now named 'Spring 2026'.*nothing was saved"):
        campaigns.edit_campaign(ctx, row.id, expected=row, color="#abcdef")
    current = campaigns.get_campaign(ctx, row.id)
    assert current is not None and current.name == "Spring 2026" and current.color == row.color

    fresh = current
    campaigns.edit_campaign(ctx, row.id, notes="changed by a script")
    with pytest.raises(CampaignError, match="changed elsewhere while you edited it; nothing was saved"):
        campaigns.edit_campaign(ctx, row.id, expected=fresh, name="Mine")

    latest = campaigns.get_campaign(ctx, row.id)
    campaigns.delete_campaign(ctx, row.id)
    with pytest.raises(CampaignError, match="'Spring 2026' no longer exists"):
        campaigns.edit_campaign(ctx, row.id, expected=latest, name="Mine")


def test_a_rename_racing_the_update_itself_is_refused(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The UPDATE is conditional on what its own transaction read: a change committed between
    that read and the write (here injected right after the read) makes it touch no row."""
    row = campaigns.add_campaign(ctx, "Spring")
    real_validate = campaigns._validate

    def validate_then_someone_renames(values: dict) -> None:
        real_validate(values)
        with ctx.db.engine.begin() as conn:  # another connection, as another process would
            conn.execute(update(Campaign).where(Campaign.id == row.id).values(name="Theirs"))

    monkeypatch.setattr(campaigns, "_validate", validate_then_someone_renames)
    with pytest.raises(CampaignError, match="changed elsewhere"):
        campaigns.edit_campaign(ctx, row.id, color="#000000")
    current = campaigns.get_campaign(ctx, row.id)
    assert current is not None and (current.name, current.color) == ("Theirs", row.color)


# --- archive --------------------------------------------------------------------------------------


def test_archive_hides_from_lists_and_unarchive_restores(ctx: AppContext) -> None:
    spring = campaigns.add_campaign(ctx, "Spring")
    campaigns.add_campaign(ctx, "Summer")
    account = _account(ctx, "ann")
    _post(ctx, spring.id, {account: VariantState.SCHEDULED})

    archived = campaigns.archive_campaign(ctx, spring.id)
    assert archived.archived and archived.posts == 1
    assert [r.name for r in campaigns.list_campaigns(ctx)] == ["Summer"]
    assert [r.name for r in campaigns.list_campaigns(ctx, only_archived=True)] == ["Spring"]
    assert {r.name for r in campaigns.list_campaigns(ctx, include_archived=True)} == {"Spring", "Summer"}
    # the post keeps its campaign and still waits to go out
    with ctx.session() as s:
        assert s.scalar(select(Post.campaign_id)) == spring.id
        assert s.scalar(select(Variant.state)) == VariantState.SCHEDULED
    # the name stays taken, and the user is told where it is
    with pytest.raises(CampaignError, match="archived campaign named 'Spring' already exists; unarchive it"):
        campaigns.add_campaign(ctx, "spring")
    assert campaigns.archive_campaign(ctx, spring.id).archived  # again: no change, no error
    assert campaigns.archive_campaign(ctx, spring.id, archived=False).archived is False
    assert {r.name for r in campaigns.list_campaigns(ctx)} == {"Spring", "Summer"}
    with pytest.raises(CampaignError, match="no longer exists"):
        campaigns.archive_campaign(ctx, 999)


# --- delete ---------------------------------------------------------------------------------------


def test_delete_keeps_the_posts_without_the_campaign_and_says_so(ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "Spring")
    other = campaigns.add_campaign(ctx, "Summer")
    ann, bob = _account(ctx, "ann"), _account(ctx, "bob")
    scheduled, _ = _post(ctx, row.id, {ann: VariantState.SCHEDULED, bob: VariantState.PUBLISHED})
    retrying, _ = _post(ctx, row.id, {ann: VariantState.RETRYING})
    published, _ = _post(ctx, row.id, {ann: VariantState.PUBLISHED})
    draft, _ = _post(ctx, row.id, {ann: VariantState.DRAFT})
    elsewhere, _ = _post(ctx, other.id, {ann: VariantState.SCHEDULED})

    impact = campaigns.deletion_impact(ctx, row.id)
    assert (impact.posts, impact.scheduled) == (4, 2)
    assert impact.sentence.startswith("Its 4 posts (2 scheduled) stay and lose the campaign.")
    assert "without this campaign's UTM tags" in impact.sentence

    assert campaigns.delete_campaign(ctx, row.id, expected=impact) == impact
    with ctx.session() as s:
        left = dict(s.execute(select(Post.id, Post.campaign_id)).all())
        states = set(s.scalars(select(Variant.state).where(Variant.post_id == scheduled)))
    assert left == {scheduled: None, retrying: None, published: None, draft: None, elsewhere: other.id}
    assert states == {VariantState.SCHEDULED, VariantState.PUBLISHED}  # still goes out as planned
    assert campaigns.get_campaign(ctx, row.id) is None
    with pytest.raises(CampaignError, match="'Spring' no longer exists"):
        campaigns.delete_campaign(ctx, row.id, expected=impact)


def test_delete_refuses_when_the_campaign_changed_since_the_user_confirmed(ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "Spring")
    ann = _account(ctx, "ann")
    _post(ctx, row.id, {ann: VariantState.SCHEDULED})
    impact = campaigns.deletion_impact(ctx, row.id)
    _post(ctx, row.id, {ann: VariantState.SCHEDULED})  # a post added meanwhile (import, another window)
    with pytest.raises(CampaignError, match=r"now has 2 posts.*nothing was deleted"):
        campaigns.delete_campaign(ctx, row.id, expected=impact)
    campaigns.edit_campaign(ctx, row.id, name="Spring 2026")
    with pytest.raises(CampaignError, match="is named 'Spring 2026'"):
        campaigns.delete_campaign(ctx, row.id, expected=campaigns.DeletionImpact(row.id, "Spring", 2, 2))
    assert campaigns.get_campaign(ctx, row.id) is not None


def test_an_empty_campaign_says_only_the_campaign_goes(ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "Empty")
    impact = campaigns.delete_campaign(ctx, row.id)
    assert impact.sentence == "Campaign 'Empty' has no posts; only the campaign is deleted."


def test_resolve_reads_digits_as_an_id_first_then_as_a_name(ctx: AppContext) -> None:
    first = campaigns.add_campaign(ctx, "Spring")
    numbered = campaigns.add_campaign(ctx, "2026")
    assert campaigns.resolve_campaign(ctx, str(first.id)).name == "Spring"
    assert campaigns.resolve_campaign(ctx, "2026").id == numbered.id  # no campaign #2026
    assert campaigns.resolve_campaign(ctx, " spring ").id == first.id
    with pytest.raises(CampaignError, match="No campaign named or numbered 'Autumn'"):
        campaigns.resolve_campaign(ctx, "Autumn")


# --- goals and progress ---------------------------------------------------------------------------


def _latest(ctx: AppContext, rows: list[tuple[int, int, str, int]]) -> None:
    with ctx.session() as s:
        s.add_all(MetricLatest(variant_id=v, account_id=a, metric=m, value=n) for v, a, m, n in rows)


NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)


def _goal(ctx: AppContext, name: str, metric: str, target: int, **dates: date) -> campaigns.CampaignRow:
    return campaigns.add_campaign(ctx, name, goal_metric=metric, goal_target=target, **dates)


def test_progress_sentence_on_track_behind_reached_and_missed(ctx: AppContext) -> None:
    ann = _account(ctx, "ann")
    row = _goal(ctx, "Spring", "engagements", 2000, starts_on=date(2026, 3, 1), goal_by=date(2026, 3, 31))
    _, (v,) = _post(ctx, row.id, {ann: VariantState.PUBLISHED})
    _latest(
        ctx, [(v, ann, "likes", 1000), (v, ann, "reposts", 200), (v, ann, "replies", 40), (v, ann, "impressions", 9)]
    )

    p = campaigns.campaign_progress(ctx, row.id, now=NOW)
    assert p is not None
    # 15.5 of 31 days gone: 1,000 expected, 1,240 reached
    assert p.sentence == "1,240 of 2,000 engagements by 31 March — on track"
    assert (p.current, p.target, p.on_track, p.fraction) == (1240, 2000, True, 0.62)
    assert p.short == "1,240 / 2,000 engagements"

    late = campaigns.campaign_progress(ctx, row.id, now=datetime(2026, 3, 29, tzinfo=UTC))
    assert late is not None and late.on_track is False
    assert late.sentence == "1,240 of 2,000 engagements by 31 March — behind pace (1,806 expected by now)"
    missed = campaigns.campaign_progress(ctx, row.id, now=datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))
    assert missed is not None and missed.sentence.endswith("— the date has passed") and missed.on_track is False
    early = campaigns.campaign_progress(ctx, row.id, now=datetime(2026, 2, 1, tzinfo=UTC))
    assert early is not None and early.sentence.endswith("— not started yet") and early.on_track is True

    _latest(ctx, [(v, ann, "quotes", 800)])
    done = campaigns.campaign_progress(ctx, row.id, now=NOW)
    assert done is not None and done.sentence == "2,040 of 2,000 engagements by 31 March — goal reached"

    other_year = campaigns.edit_campaign(ctx, row.id, goal_by=date(2027, 3, 31), goal_target=5000)
    p2 = campaigns.campaign_progress(ctx, other_year.id, now=NOW)
    assert p2 is not None and "by 31 March 2027" in p2.sentence

    undated = campaigns.edit_campaign(ctx, row.id, goal_by=None, goal_metric="impressions", goal_target=100)
    p3 = campaigns.campaign_progress(ctx, undated.id, now=NOW)
    assert p3 is not None and p3.sentence == "9 of 100 impressions" and p3.on_track is None
    assert campaigns.campaign_progress(ctx, campaigns.add_campaign(ctx, "No goal").id) is None


def test_the_deadline_is_the_end_of_the_goal_day_in_the_users_zone(ctx: AppContext) -> None:
    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    row = _goal(ctx, "Spring", "likes", 10, starts_on=date(2026, 3, 1), goal_by=date(2026, 3, 31))
    # 03:00 UTC on 1 April is still 31 March in New York: not passed yet
    p = campaigns.campaign_progress(ctx, row.id, now=datetime(2026, 4, 1, 3, tzinfo=UTC))
    assert p is not None and "the date has passed" not in p.sentence
    p = campaigns.campaign_progress(ctx, row.id, now=datetime(2026, 4, 1, 5, tzinfo=UTC))
    assert p is not None and p.sentence.endswith("the date has passed")


def _generate(ctx: AppContext, seed: int) -> dict:
    """A few campaigns, accounts, posts in and out of them, latest values and follower history."""
    rng = random.Random(seed)
    accounts = [_account(ctx, f"acct{i}") for i in range(5)]
    start = date(2026, 3, 1)
    goals = {
        "Engage": ("engagements", 5000),
        "Likes": ("likes", 900),
        "Views": ("impressions", 10_000),
        "Grow": ("followers", 300),
        "Grow early": ("followers", 50),
    }
    rows = {}
    for name, (metric, target) in goals.items():
        starts = start if name != "Grow early" else date(2026, 1, 1)
        rows[name] = _goal(ctx, name, metric, target, starts_on=starts, goal_by=date(2026, 4, 30))
    campaign_ids = [r.id for r in rows.values()] + [None]
    variants: list[tuple[int, int | None, int, VariantState]] = []  # (variant, campaign, account, state)
    for _ in range(60):
        cid = rng.choice(campaign_ids)
        chosen = rng.sample(accounts, rng.randint(1, 3))
        states = {
            a: rng.choice([VariantState.PUBLISHED, VariantState.SCHEDULED, VariantState.CANCELLED]) for a in chosen
        }
        _, vids = _post(ctx, cid, states)
        variants += [(v, cid, a, states[a]) for v, a in zip(vids, chosen, strict=True)]
    latest = []
    for v, _cid, a, _state in variants:
        for metric in rng.sample(POST_METRICS, rng.randint(0, len(POST_METRICS))):
            latest.append((v, a, metric, rng.randint(0, 500)))
    _latest(ctx, latest)
    snapshots = []
    t0 = datetime(2025, 12, 1, tzinfo=UTC)
    for a in accounts[:-1]:  # the last account was never measured
        first_day = 0 if a != accounts[0] else 100  # the first only from after the start
        for day in range(first_day, 140, rng.randint(3, 9)):
            snapshots.append((a, t0 + timedelta(days=day, hours=rng.randint(0, 23)), rng.randint(100, 5000)))
    with ctx.session() as s:
        s.add_all(MetricSnapshot(account_id=a, metric=FOLLOWERS, value=n, taken_at=t) for a, t, n in snapshots)
        # post snapshots and other account metrics must not be read as followers
        s.add_all(
            MetricSnapshot(account_id=a, variant_id=v, metric=FOLLOWERS, value=99_999) for v, _c, a, _s in variants[:5]
        )
        s.add_all(MetricSnapshot(account_id=a, metric="following", value=77_777) for a in accounts)
    return {"rows": rows, "variants": variants, "latest": latest, "snapshots": snapshots}


def _expected(data: dict, row: campaigns.CampaignRow) -> int:
    """The same numbers, worked out in plain Python from the generated rows."""
    mine = {v for v, cid, _a, _s in data["variants"] if cid == row.id}
    if row.goal_metric == "followers":
        start = datetime.combine(row.starts_on, datetime.min.time(), UTC)
        accounts = {a for _v, cid, a, st in data["variants"] if cid == row.id and st != VariantState.CANCELLED}
        total = 0
        for a in accounts:
            history = sorted((t, n) for acct, t, n in data["snapshots"] if acct == a)
            if not history:
                continue
            before = [n for t, n in history if t <= start]
            baseline = before[-1] if before else history[0][1]
            total += history[-1][1] - baseline
        return total
    metrics = ENGAGEMENT_METRICS if row.goal_metric == "engagements" else (row.goal_metric,)
    return sum(n for v, _a, m, n in data["latest"] if v in mine and m in metrics)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_progress_matches_an_independent_computation_on_generated_rows(ctx: AppContext, seed: int) -> None:
    data = _generate(ctx, seed)
    listed = {r.id: r for r in campaigns.list_campaigns(ctx, with_progress=True, now=NOW)}
    for row in data["rows"].values():
        expected = _expected(data, row)
        one = campaigns.campaign_progress(ctx, row.id, now=NOW)
        assert one is not None and one.current == expected, row.name
        assert listed[row.id].progress == one  # the list's grouped query agrees
        assert one.fraction == pytest.approx(expected / row.goal_target)
    # a sanity check that the generated data exercises both signs and non-trivial sums
    assert any(_expected(data, r) != 0 for r in data["rows"].values())


def test_followers_ignore_accounts_outside_the_campaign(ctx: AppContext) -> None:
    ann, bob = _account(ctx, "ann"), _account(ctx, "bob")
    row = _goal(ctx, "Grow", "followers", 100, starts_on=date(2026, 3, 1))
    _post(ctx, row.id, {ann: VariantState.PUBLISHED})
    _post(ctx, None, {bob: VariantState.PUBLISHED})
    with ctx.session() as s:
        for acct, day, n in [(ann, 20, 100), (ann, 28, 110), (ann, 1 + 28 + 5, 150), (bob, 20, 10), (bob, 40, 900)]:
            s.add(
                MetricSnapshot(
                    account_id=acct,
                    metric=FOLLOWERS,
                    value=n,
                    taken_at=datetime(2026, 2, 1, tzinfo=UTC) + timedelta(days=day),
                )
            )
    p = campaigns.campaign_progress(ctx, row.id, now=NOW)
    assert p is not None and p.current == 40  # 150 now, 110 at the start
    assert p.sentence.startswith("40 of 100 followers gained")
    assert LIKES in POST_METRICS and IMPRESSIONS in POST_METRICS
