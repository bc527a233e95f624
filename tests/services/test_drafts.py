"""Drafts: which posts are drafts, searching them in SQL, and deleting only what the user saw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from desktop.services import compose, drafts
from desktop.services.campaigns import add_campaign
from desktop.services.context import AppContext
from desktop.services.posts import schedule_post
from desktop.store.models import Account, Post, Variant, VariantState


def add_account(ctx: AppContext, provider: str, handle: str, display_name: str = "") -> int:
    with ctx.session() as s:
        account = Account(
            provider=provider,
            remote_id=handle,
            handle=handle,
            display_name=display_name,
            server_url=f"https://{provider}.test",
        )
        s.add(account)
        s.flush()
        return account.id


def draft(ctx: AppContext, accounts: list[int], *parts: str, **kw: object) -> int:
    doc = compose.ComposeDoc(account_ids=accounts, parts=list(parts) or [""], **kw)  # type: ignore[arg-type]
    return compose.save_draft(ctx, doc)


@pytest.fixture
def desk(ctx: AppContext) -> dict[str, int]:
    ids = {
        "masto": add_account(ctx, "mastodon", "@marketing@social.example"),
        "sky": add_account(ctx, "bluesky", "brand.bsky.social", "Brand Team"),
    }
    ids["spring"] = add_campaign(ctx, "Spring Sale 2027", color="#2b8a3e").id
    ids["plain"] = draft(ctx, [ids["masto"]], "Coffee tasting on Friday")
    ids["thread"] = draft(ctx, [ids["masto"], ids["sky"]], "Part one of our story", "Part two: the Café opens")
    ids["override"] = draft(
        ctx,
        [ids["masto"], ids["sky"]],
        "Shared words",
        overrides={ids["sky"]: compose.Override(parts=["Only on Bluesky: 50%_off"])},
    )
    ids["campaign"] = draft(ctx, [ids["sky"]], "Spring is here", campaign="Spring Sale 2027")
    ids["dated"] = draft(ctx, [ids["sky"]], "Tentative time", at=datetime(2027, 3, 1, 9, 30, tzinfo=UTC))
    ids["noaccount"] = draft(ctx, [], "An idea with no account yet")
    ids["scheduled"] = schedule_post(
        ctx, account_ids=[ids["masto"]], text="Coffee scheduled", at=datetime.now(UTC) + timedelta(days=2)
    ).id
    return ids


def found(ctx: AppContext, **kw: object) -> list[int]:
    return [r.id for r in drafts.list_drafts(ctx, **kw)]  # type: ignore[arg-type]


def test_drafts_are_posts_with_only_draft_variants_newest_edit_first(ctx: AppContext, desk: dict[str, int]) -> None:
    rows = drafts.list_drafts(ctx)
    assert [r.id for r in rows] == [
        desk["noaccount"],
        desk["dated"],
        desk["campaign"],
        desk["override"],
        desk["thread"],
        desk["plain"],
    ]
    by_id = {r.id: r for r in rows}
    thread = by_id[desk["thread"]]
    assert thread.text == "Part one of our story" and thread.parts == 2
    assert [(t.handle, t.network) for t in thread.targets] == [
        ("@marketing@social.example", "mastodon"),
        ("brand.bsky.social", "bluesky"),
    ]
    assert [t.overridden for t in by_id[desk["override"]].targets] == [False, True]
    campaign = by_id[desk["campaign"]]
    assert (campaign.campaign, campaign.campaign_color, campaign.campaign_id) == (
        "Spring Sale 2027",
        "#2b8a3e",
        desk["spring"],
    )
    assert by_id[desk["dated"]].planned_at == datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    assert by_id[desk["plain"]].planned_at is None and by_id[desk["noaccount"]].targets == ()


def test_editing_a_draft_moves_it_to_the_top(ctx: AppContext, desk: dict[str, int]) -> None:
    doc = compose.load_post(ctx, desk["plain"])
    doc.overrides = {desk["masto"]: compose.Override(parts=["Coffee tasting moved to Saturday"])}
    compose.save_draft(ctx, doc)
    assert found(ctx)[0] == desk["plain"]


def test_scheduled_published_failed_and_external_posts_are_not_drafts(ctx: AppContext, desk: dict[str, int]) -> None:
    with ctx.session() as s:
        s.execute(
            update(Variant)
            .where(Variant.post_id == desk["thread"], Variant.account_id == desk["sky"])
            .values(state=VariantState.PUBLISHED)
        )
        s.execute(update(Post).where(Post.id == desk["plain"]).values(external=True))
        s.execute(update(Variant).where(Variant.post_id == desk["override"]).values(state=VariantState.FAILED))
    ids = found(ctx)
    assert desk["scheduled"] not in ids
    assert desk["thread"] not in ids and desk["plain"] not in ids and desk["override"] not in ids
    assert set(ids) == {desk["campaign"], desk["dated"], desk["noaccount"]}


@pytest.mark.parametrize(
    ("search", "expect"),
    [
        ("coffee", ["plain"]),  # shared text, not the scheduled "Coffee scheduled"
        ("PART TWO", ["thread"]),  # a later thread part, any case
        ("café", ["thread"]),  # non-ASCII in a thread part (stored as JSON)
        ("50%_off", ["override"]),  # a per-account text; % and _ are literal
        ("spring sale", ["campaign"]),  # campaign name
        ("brand.bsky", ["dated", "campaign", "override", "thread"]),  # handle
        ("brand team", ["dated", "campaign", "override", "thread"]),  # display name
        ("nothing like this", []),
    ],
)
def test_search_looks_in_every_text_campaign_and_handle(
    ctx: AppContext, desk: dict[str, int], search: str, expect: list[str]
) -> None:
    assert found(ctx, search=search) == [desk[k] for k in expect]


def test_filters_by_campaign_and_account(ctx: AppContext, desk: dict[str, int]) -> None:
    assert found(ctx, campaign_id=desk["spring"]) == [desk["campaign"]]
    assert found(ctx, account_id=desk["masto"]) == [desk["override"], desk["thread"], desk["plain"]]
    assert found(ctx, account_id=desk["sky"], search="part") == [desk["thread"]]


def stamps(ctx: AppContext) -> dict[int, drafts.DraftStamp]:
    return drafts.draft_ids(drafts.list_drafts(ctx))


def test_delete_removes_unchanged_drafts_with_their_variants(ctx: AppContext, desk: dict[str, int]) -> None:
    expected = stamps(ctx)
    result = drafts.delete_drafts(ctx, [desk["thread"], desk["noaccount"]], expected=expected)
    assert result.deleted == (desk["thread"], desk["noaccount"]) and result.refused == ()
    assert result.message == "Deleted 2 drafts."
    with ctx.session() as s:
        assert s.scalars(select(Variant.id).where(Variant.post_id == desk["thread"])).all() == []
        assert s.get(Post, desk["thread"]) is None
    assert desk["thread"] not in found(ctx)


def test_delete_refuses_a_draft_edited_or_scheduled_since_it_was_read(ctx: AppContext, desk: dict[str, int]) -> None:
    expected = stamps(ctx)
    # edited in the composer after the list was read
    doc = compose.load_post(ctx, desk["plain"])
    doc.parts = ["Coffee tasting, now with cake"]
    compose.save_draft(ctx, doc)
    # scheduled from another window after the list was read
    with ctx.session() as s:
        s.execute(
            update(Variant)
            .where(Variant.post_id == desk["campaign"])
            .values(state=VariantState.SCHEDULED, scheduled_at=datetime(2027, 3, 2, tzinfo=UTC))
        )
    result = drafts.delete_drafts(ctx, [desk["plain"], desk["campaign"], desk["dated"]], expected=expected)
    assert result.deleted == (desk["dated"],)
    reasons = {r.post_id: r.reason for r in result.refused}
    assert "edited since" in reasons[desk["plain"]]
    assert "scheduled or published" in reasons[desk["campaign"]]
    assert "“Coffee tasting, now with cake” was edited since" in result.message
    assert desk["plain"] in found(ctx) and desk["campaign"] not in found(ctx)
    with ctx.session() as s:
        assert s.get(Post, desk["campaign"]) is not None


def test_delete_refuses_a_draft_that_gained_an_account_or_was_never_seen(ctx: AppContext, desk: dict[str, int]) -> None:
    expected = stamps(ctx)
    with ctx.session() as s:  # another account added without touching the post row
        s.add(Variant(post_id=desk["plain"], account_id=desk["sky"], updated_at=expected[desk["plain"]].updated_at))
    result = drafts.delete_drafts(ctx, [desk["plain"], desk["scheduled"]], expected=expected)
    assert result.deleted == ()
    assert [r.post_id for r in result.refused] == [desk["plain"], desk["scheduled"]]
    assert "scheduled or published" in result.refused[1].reason
    again = drafts.delete_drafts(ctx, [desk["plain"]], expected=stamps(ctx))
    assert again.deleted == (desk["plain"],)
    gone = drafts.delete_drafts(ctx, [desk["plain"]], expected=expected)
    assert gone.refused[0].reason == "was already deleted."


def test_duplicate_draft_is_a_draft_with_the_same_content(ctx: AppContext, desk: dict[str, int]) -> None:
    copy = drafts.duplicate_draft(ctx, desk["thread"])
    rows = {r.id: r for r in drafts.list_drafts(ctx)}
    assert rows[copy].text == rows[desk["thread"]].text and rows[copy].parts == 2
    assert [t.account_id for t in rows[copy].targets] == [desk["masto"], desk["sky"]]


def test_excerpt_keeps_whole_words() -> None:
    assert drafts.excerpt("short  text\nhere") == "short text here"
    long = "word " * 40
    cut = drafts.excerpt(long, 22)
    assert cut == "word word word word…"


def rows_of(ctx: AppContext, post_id: int) -> tuple[object, ...]:
    with ctx.session() as s:
        post = s.get(Post, post_id)
        assert post is not None
        return (
            post.text,
            post.thread,
            post.created_at,
            post.campaign_id,
            [(v.id, v.account_id, v.text, v.idempotency_key, v.version, v.scheduled_at) for v in post.variants],
        )


def test_undo_puts_deleted_drafts_back_exactly(ctx: AppContext, desk: dict[str, int]) -> None:
    before = {k: rows_of(ctx, desk[k]) for k in ("override", "dated")}
    listed = drafts.list_drafts(ctx)
    result = drafts.delete_drafts(ctx, [desk["override"], desk["dated"]], expected=drafts.draft_ids(listed))
    assert result.deleted == (desk["override"], desk["dated"]) and result.snapshot
    assert drafts.restore_drafts(ctx, result.snapshot) == 2
    assert {k: rows_of(ctx, desk[k]) for k in ("override", "dated")} == before
    assert [r.id for r in drafts.list_drafts(ctx)] == [r.id for r in listed]
    refused = drafts.delete_drafts(ctx, [desk["plain"]], expected={})
    assert not refused.snapshot and drafts.restore_drafts(ctx, refused.snapshot) == 0


def test_undo_is_refused_in_words_when_the_id_was_taken_again(ctx: AppContext, desk: dict[str, int]) -> None:
    newest = draft(ctx, [desk["sky"]], "The newest post of all")
    result = drafts.delete_drafts(ctx, [newest], expected=stamps(ctx))
    taken = draft(ctx, [desk["masto"]], "A new idea written right after")
    assert taken == newest  # SQLite hands the freed id out again
    with pytest.raises(drafts.RestoreFailed, match="could not be brought back"):
        drafts.restore_drafts(ctx, result.snapshot)
    assert rows_of(ctx, taken)[0] == "A new idea written right after"
