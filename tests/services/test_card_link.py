"""Which link a post's card carries: the one chosen for it, else the first link as it is sent."""

from __future__ import annotations

from sqlalchemy import select

from desktop.services import campaigns, posts
from desktop.services.context import AppContext
from desktop.store.models import Post, Variant
from tests.services.test_drafts import add_account


def _request_link(ctx: AppContext, post_id: int) -> str | None:
    with ctx.session() as s:
        post = s.get(Post, post_id)
        variant = s.scalars(select(Variant).where(Variant.post_id == post_id)).one()
        return posts.build_request(ctx, post, variant).link


def test_without_a_chosen_link_the_card_is_the_first_link_as_sent_with_its_tags(ctx: AppContext) -> None:
    account = add_account(ctx, "bluesky", "shop.bsky.test")
    campaigns.add_campaign(ctx, "Spring launch")
    row = posts.schedule_post(
        ctx,
        account_ids=[account],
        text="New in: https://shop.example.com/spring and https://shop.example.com/other",
        campaign="Spring launch",
        draft=True,
    )
    assert _request_link(ctx, row.id) == (
        "https://shop.example.com/spring?utm_source=bluesky&utm_medium=social&utm_campaign=spring-launch"
    )


def test_a_chosen_card_link_wins_and_a_post_without_links_has_no_card(ctx: AppContext) -> None:
    account = add_account(ctx, "bluesky", "shop.bsky.test")
    chosen = posts.schedule_post(
        ctx,
        account_ids=[account],
        text="Two links: https://a.example.com/x https://b.example.com/y",
        link="https://b.example.com/y",
        draft=True,
    )
    assert _request_link(ctx, chosen.id) == "https://b.example.com/y"
    plain = posts.schedule_post(ctx, account_ids=[account], text="No link at all", draft=True)
    assert _request_link(ctx, plain.id) is None
