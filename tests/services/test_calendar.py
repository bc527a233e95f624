"""The calendar service: a window query over variants, filters, and moving posts (with undo)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from desktop.services import calendar as cal
from desktop.services.calendar import CalendarError, CalendarFilters
from desktop.services.campaigns import add_campaign
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.store.models import Account, Variant, VariantState


def add_account(ctx: AppContext, provider: str, handle: str) -> int:
    with ctx.session() as s:
        account = Account(provider=provider, remote_id=handle, handle=handle, server_url=f"https://{provider}.test")
        s.add(account)
        s.flush()
        return account.id


def set_state(ctx: AppContext, variant_id: int, state: VariantState, **values: object) -> None:
    with ctx.session() as s:
        s.execute(update(Variant).where(Variant.id == variant_id).values(state=state, **values))


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2027, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def planned(ctx: AppContext) -> dict[str, int]:
    """Two accounts, two campaigns, posts in February, March and April 2027."""
    ids = {"masto": add_account(ctx, "mastodon", "@shop@masto.test"), "sky": add_account(ctx, "bluesky", "shop.bsky")}
    add_campaign(ctx, "Spring sale", color="#2b8a3e")
    add_campaign(ctx, "Launch", color="#c2255c")
    for name, when, accts, campaign in [
        ("feb", at(27, month=2), ["masto"], None),
        ("early", at(1, 0), ["masto", "sky"], "Spring sale"),
        ("mid", at(15), ["sky"], "Launch"),
        ("late", at(31, 23), ["masto"], None),
        ("apr", at(1, 0, month=4), ["masto"], "Launch"),
    ]:
        post = schedule_post(ctx, account_ids=[ids[a] for a in accts], text=f"{name} post", at=when, campaign=campaign)
        ids[name] = post.id
        for v in post.variants:
            ids[f"{name}/{v.network}"] = v.id
    return ids


def test_the_window_holds_only_its_range_oldest_first(ctx: AppContext, planned: dict[str, int]) -> None:
    items = cal.calendar_items(ctx, at(1, 0), at(1, 0, month=4))
    assert [(i.text, i.network) for i in items] == [
        ("early post", "mastodon"),
        ("early post", "bluesky"),
        ("mid post", "bluesky"),
        ("late post", "mastodon"),
    ]
    first = items[0]
    assert (first.campaign, first.color, first.status, first.handle) == (
        "Spring sale",
        "#2b8a3e",
        "scheduled",
        "@shop@masto.test",
    )
    assert first.when == at(1, 0) and first.movable and first.why_fixed == ""
    assert items[3].campaign is None and items[3].color is None


def test_filters_by_account_network_campaign_and_state(ctx: AppContext, planned: dict[str, int]) -> None:
    window = (at(1, 0), at(1, 0, month=4))

    def texts(**kw: frozenset) -> list[str]:
        return [f"{i.text}/{i.network}" for i in cal.calendar_items(ctx, *window, CalendarFilters(**kw))]

    assert texts(account_ids=frozenset({planned["sky"]})) == ["early post/bluesky", "mid post/bluesky"]
    assert texts(networks=frozenset({"mastodon"})) == ["early post/mastodon", "late post/mastodon"]
    (launch,) = {i.campaign_id for i in cal.calendar_items(ctx, *window) if i.campaign == "Launch"}
    assert texts(campaign_ids=frozenset({launch})) == ["mid post/bluesky"]
    assert texts(campaign_ids=frozenset({0})) == ["late post/mastodon"]  # 0: no campaign
    set_state(ctx, planned["mid/bluesky"], VariantState.FAILED, last_error="Rejected: too long")
    assert texts(states=frozenset({"failed"})) == ["mid post/bluesky"]
    assert texts(states=frozenset({"scheduled"})) == ["early post/mastodon", "early post/bluesky", "late post/mastodon"]


def test_a_published_variant_shows_when_it_went_out(ctx: AppContext, planned: dict[str, int]) -> None:
    # scheduled on 31 March 23:00, published (late, after retries) on 1 April
    set_state(ctx, planned["late/mastodon"], VariantState.PUBLISHED, published_at=at(1, 2, month=4))
    march = [i.text for i in cal.calendar_items(ctx, at(1, 0), at(1, 0, month=4))]
    april = cal.calendar_items(ctx, at(1, 0, month=4), at(1, 0, month=5))
    assert "late post" not in march
    assert [(i.text, i.status, i.when) for i in april] == [
        ("apr post", "scheduled", at(1, 0, month=4)),
        ("late post", "published", at(1, 2, month=4)),
    ]
    assert not april[1].movable and "published" in april[1].why_fixed


def test_cancelled_posts_are_not_on_the_calendar(ctx: AppContext, planned: dict[str, int]) -> None:
    set_state(ctx, planned["mid/bluesky"], VariantState.CANCELLED)
    assert "mid post" not in [i.text for i in cal.calendar_items(ctx, at(1, 0), at(1, 0, month=4))]


def test_reschedule_moves_a_variant_and_undo_restores_it(ctx: AppContext, planned: dict[str, int]) -> None:
    vid = planned["mid/bluesky"]
    previous = cal.reschedule_variant(ctx, vid, at(20, 14))
    assert previous == at(15)
    assert [i.when for i in cal.calendar_items(ctx, at(20, 0), at(21, 0))] == [at(20, 14)]
    # undo is a move back to the previous time
    assert cal.reschedule_variant(ctx, vid, previous) == at(20, 14)
    assert [i.variant_id for i in cal.calendar_items(ctx, at(15, 0), at(16, 0))] == [vid]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (VariantState.PUBLISHED, "Already published"),
        (VariantState.PUBLISHING, "Being published right now"),
        (VariantState.FAILED, "retry or edit it"),
    ],
)
def test_reschedule_refuses_what_cannot_move(
    ctx: AppContext, planned: dict[str, int], state: VariantState, message: str
) -> None:
    vid = planned["mid/bluesky"]
    set_state(ctx, vid, state, published_at=at(15) if state == VariantState.PUBLISHED else None)
    with pytest.raises(CalendarError, match=message):
        cal.reschedule_variant(ctx, vid, at(20))
    assert [i.when for i in cal.calendar_items(ctx, at(15, 0), at(16, 0))] == [at(15)]


def test_a_scheduled_post_cannot_move_into_the_past_but_a_draft_can(ctx: AppContext, planned: dict[str, int]) -> None:
    vid = planned["mid/bluesky"]
    with pytest.raises(CalendarError, match="in the past"):
        cal.reschedule_variant(ctx, vid, datetime.now(UTC) - timedelta(days=2))
    set_state(ctx, vid, VariantState.DRAFT)
    past = datetime(2026, 1, 5, 9, tzinfo=UTC)
    cal.reschedule_variant(ctx, vid, past)
    assert [i.status for i in cal.calendar_items(ctx, past, past + timedelta(hours=1))] == ["draft"]


def test_reschedule_post_shifts_all_its_variants(ctx: AppContext, planned: dict[str, int]) -> None:
    assert cal.reschedule_post(ctx, planned["early"], timedelta(days=2)) == 2
    assert [i.when for i in cal.calendar_items(ctx, at(3, 0), at(4, 0))] == [at(3, 0), at(3, 0)]


def test_naive_windows_are_refused(ctx: AppContext) -> None:
    with pytest.raises(CalendarError):
        cal.calendar_items(ctx, datetime(2027, 3, 1), datetime(2027, 4, 1))


# --- dropping a draft on the calendar ------------------------------------------------------------


def draft(ctx: AppContext, planned: dict[str, int], text: str = "An idea for later", accts=("masto", "sky")) -> int:
    return schedule_post(ctx, account_ids=[planned[a] for a in accts], text=text, draft=True).id


def states(ctx: AppContext, post_id: int) -> list[tuple[str, datetime | None]]:
    from desktop.services.posts import get_post

    return [(v.state, v.scheduled_at) for v in get_post(ctx, post_id).variants]


NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def test_schedule_draft_schedules_every_draft_variant_and_undo_returns_it(
    ctx: AppContext, planned: dict[str, int]
) -> None:
    post = draft(ctx, planned)
    done = cal.schedule_draft(ctx, post, at(20, 14), clock=NOW)
    assert states(ctx, post) == [("scheduled", at(20, 14))] * 2
    assert done.post_id == post and len(done.variant_ids) == 2
    assert cal.return_to_draft(ctx, done, clock=NOW) == 2
    assert states(ctx, post) == [("draft", None)] * 2


def test_schedule_draft_refuses_an_already_scheduled_post(ctx: AppContext, planned: dict[str, int]) -> None:
    with pytest.raises(CalendarError, match="already scheduled"):
        cal.schedule_draft(ctx, planned["mid"], at(20, 14), clock=NOW)
    assert states(ctx, planned["mid"]) == [("scheduled", at(15))]


def test_schedule_draft_loses_a_race_cleanly(ctx: AppContext, planned: dict[str, int], monkeypatch) -> None:
    """A variant changed underneath between the read and the conditional UPDATE: nothing moves."""
    post = draft(ctx, planned)
    from desktop.services import transitions

    real = transitions.move_one
    calls = {"n": 0}

    def racing(s, variant_id, **kw):  # the second variant was cancelled by another window meanwhile
        calls["n"] += 1
        if calls["n"] == 2:
            s.execute(update(Variant).where(Variant.id == variant_id).values(state=VariantState.CANCELLED))
        return real(s, variant_id, **kw)

    monkeypatch.setattr(transitions, "move_one", racing)
    with pytest.raises(CalendarError, match="changed somewhere else"):
        cal.schedule_draft(ctx, post, at(20, 14), clock=NOW)
    monkeypatch.undo()
    assert states(ctx, post) == [("draft", None)] * 2  # the first variant's move was rolled back too


def test_undo_of_a_dropped_draft_is_conditional(ctx: AppContext, planned: dict[str, int]) -> None:
    post = draft(ctx, planned, accts=("masto",))
    done = cal.schedule_draft(ctx, post, at(20, 14), clock=NOW)
    set_state(ctx, done.variant_ids[0], VariantState.PUBLISHING)
    with pytest.raises(CalendarError, match="stays"):
        cal.return_to_draft(ctx, done, clock=NOW)
    assert states(ctx, post) == [("publishing", at(20, 14))]


def test_schedule_draft_refuses_problems_with_the_checks_scheduling_uses(
    ctx: AppContext, planned: dict[str, int]
) -> None:
    post = draft(ctx, planned, text="x" * 400)  # over Bluesky's 300
    with pytest.raises(CalendarError) as refused:
        cal.schedule_draft(ctx, post, at(20, 14), clock=NOW)
    assert "shop.bsky:" in str(refused.value) and "fix this first" in str(refused.value)
    assert states(ctx, post) == [("draft", None)] * 2


def test_schedule_draft_refuses_the_past(ctx: AppContext, planned: dict[str, int]) -> None:
    post = draft(ctx, planned)
    with pytest.raises(CalendarError, match="in the past"):
        cal.schedule_draft(ctx, post, at(1, 9), clock=NOW)


def test_a_day_drop_takes_the_first_free_queue_slot_of_that_day(ctx: AppContext, planned: dict[str, int]) -> None:
    from datetime import date, time
    from zoneinfo import ZoneInfo

    from desktop.services.slots import add_slot

    paris = ZoneInfo("Europe/Paris")
    post = draft(ctx, planned)
    day = date(2027, 3, 17)  # a Wednesday
    # no slots: 09:00 in the user's zone
    assert cal.drop_time_for_day(ctx, post, day, paris, clock=NOW) == datetime(2027, 3, 17, 9, tzinfo=paris)
    with ctx.session() as s:
        add_slot(s, planned["sky"], 2, time(16, 30), "Europe/Paris")
        add_slot(s, planned["masto"], 2, time(11, 15), "Europe/Paris")
        add_slot(s, planned["masto"], 3, time(8, 0), "Europe/Paris")  # Thursday: another day
    assert cal.drop_time_for_day(ctx, post, day, paris, clock=NOW) == datetime(2027, 3, 17, 11, 15, tzinfo=paris)
    # the 11:15 slot taken: the next free one that day
    schedule_post(ctx, account_ids=[planned["masto"]], text="taken", at=datetime(2027, 3, 17, 11, 15, tzinfo=paris))
    assert cal.drop_time_for_day(ctx, post, day, paris, clock=NOW) == datetime(2027, 3, 17, 16, 30, tzinfo=paris)


def test_a_day_drop_is_never_in_the_past(ctx: AppContext, planned: dict[str, int]) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    post = draft(ctx, planned)
    # 12:00 UTC = 13:00 in Paris: today's 09:00 is gone, so the next full hour
    assert cal.drop_time_for_day(ctx, post, date(2027, 3, 10), paris, clock=NOW) == datetime(
        2027, 3, 10, 14, tzinfo=paris
    )
    with pytest.raises(CalendarError, match="is over"):
        cal.drop_time_for_day(ctx, post, date(2027, 3, 9), paris, clock=NOW)
