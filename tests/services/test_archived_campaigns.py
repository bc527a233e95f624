"""An archived campaign takes no new posts (schedule, check, the composer, CSV import say so in
words), while posts already in it keep it — and its UTM tags — when edited; reading by it works."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.services import campaigns, compose, export, posts
from desktop.services.context import AppContext
from desktop.services.csv_import import parse_csv
from desktop.store.models import Post, Variant
from tests.services.test_csv_import import NOW, studio, write  # noqa: F401 (fixture)

HEADER = "text,accounts,time,campaign\n"


def _archive(ctx: AppContext, name: str) -> int:
    found = campaigns.find_campaign(ctx, name)
    assert found is not None
    campaigns.archive_campaign(ctx, found.id)
    return found.id


def _bluesky(ctx: AppContext) -> int:
    return next(t.account_id for t in compose.list_targets(ctx) if t.network == "bluesky")


def test_schedule_into_an_archived_campaign_is_refused_in_words(studio: AppContext) -> None:  # noqa: F811
    _archive(studio, "Spring launch")
    with pytest.raises(posts.PostError) as refused:
        posts.schedule_post(studio, account_ids=[_bluesky(studio)], text="Hello", draft=True, campaign="spring launch")
    assert str(refused.value) == (
        "The campaign 'Spring launch' is archived; unarchive it first (Campaigns page, or "
        "`campaigns archive 'Spring launch' --undo`) to add posts to it."
    )
    with studio.session() as s:
        assert s.query(Post).count() == 0  # nothing saved
    # reading by it still works: posts list and export find it
    assert posts.list_posts(studio, campaign="Spring launch") == []
    assert export.campaign_named(studio, "Spring launch") > 0


def test_a_post_kept_in_its_archived_campaign_saves_and_stays_tagged(studio: AppContext) -> None:  # noqa: F811
    account = _bluesky(studio)
    row = posts.schedule_post(
        studio, account_ids=[account], text="Read https://acme.example/a", draft=True, campaign="Spring launch"
    )
    campaign_id = _archive(studio, "Spring launch")
    doc = compose.load_post(studio, row.id)
    assert doc.campaign == "Spring launch"
    doc.parts = ["Read this: https://acme.example/a"]
    compose.save_draft(studio, doc)  # an edit keeps the post in its (now archived) campaign
    with studio.session() as s:
        post = s.get(Post, row.id)
        assert post is not None and post.campaign_id == campaign_id
        (variant,) = s.query(Variant).filter_by(post_id=post.id).all()
        (part,) = posts.build_request(studio, post, variant).parts
    assert "utm_campaign=spring-launch" in part.text
    # ...but another post cannot join it through the composer
    other = compose.ComposeDoc(parts=["Another"], account_ids=[account], campaign="Spring launch")
    with pytest.raises(posts.PostError, match="is archived"):
        compose.save_draft(studio, other)


def test_csv_rows_naming_an_archived_campaign_are_refused_with_the_reason(
    studio: AppContext,  # noqa: F811
    tmp_path: Path,
) -> None:
    _archive(studio, "Spring launch")
    body = "Hello,studio.bsky.social,2027-02-01 09:00,Spring launch\n"
    plan = parse_csv(studio, write(tmp_path, body, header=HEADER), clock=NOW)
    (row,) = plan.rows
    assert not row.ok
    assert "campaign 'Spring launch' is archived (unarchive it first)" in row.errors
