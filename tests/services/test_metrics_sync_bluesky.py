"""The metrics sync against the real Bluesky PDS and its stand-in AppView: a second account's
like, repost and follow are real records, and the sync reads them through the PDS's proxy."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.services import accounts, posts
from desktop.services.context import AppContext
from desktop.services.metrics import sync_metrics
from desktop.services.publisher import Publisher
from desktop.store.models import MetricLatest, MetricSnapshot, Post, Variant
from tests.servers.pds import PdsServer, PdsUser

pytestmark = [pytest.mark.slow, pytest.mark.network_install, pytest.mark.timeout(1200)]


def _connect(ctx: AppContext, pds: PdsServer, *, appview: str | None = None) -> tuple[int, PdsUser]:
    handle, did, password = pds.create_account("me")
    row = accounts.connect_account(
        ctx,
        "bluesky",
        {
            "handle": handle,
            "app_password": pds.app_password(handle, password),
            "service": pds.url,
            "appview": pds.url if appview is None else appview,
        },
    )
    return row.id, PdsUser(pds, handle, did, pds.session(handle, password)["accessJwt"])


def test_likes_reposts_and_followers_from_a_second_account(ctx: AppContext, pds: PdsServer) -> None:
    account_id, me = _connect(ctx, pds)
    elsewhere = me.post("Posted from another Bluesky app")
    row = posts.schedule_post(ctx, account_ids=[account_id], text="Launch on Bluesky", now=True)
    assert [o.state for o in Publisher(ctx).run_once().outcomes] == ["published"]
    with ctx.session() as s:
        variant = s.get(Variant, row.variants[0].id)
        assert variant is not None
        uri, variant_id = variant.remote_id, variant.id
    fan = pds.user()
    fan.like(uri)
    fan.repost(uri)
    fan.follow(me.did)

    report = sync_metrics(ctx, manual=True)

    assert report.ok and (report.posts, report.accounts, report.history_imported) == (1, 1, 1)
    with ctx.session() as s:
        latest = dict(
            s.execute(
                select(MetricLatest.metric, MetricLatest.value).where(MetricLatest.variant_id == variant_id)
            ).all()
        )
        followers = s.scalar(
            select(MetricSnapshot.value).where(
                MetricSnapshot.account_id == account_id,
                MetricSnapshot.variant_id.is_(None),
                MetricSnapshot.metric == "followers",
            )
        )
        (external,) = s.scalars(select(Post).where(Post.external.is_(True))).all()
        assert external.text == "Posted from another Bluesky app"
        assert external.variants[0].remote_id == elsewhere["uri"]
    assert latest == {"likes": 1, "reposts": 1, "replies": 0, "quotes": 0}  # saves: not reported, so absent
    assert followers == 1


def test_an_account_without_an_appview_is_skipped_in_words(ctx: AppContext, pds: PdsServer) -> None:
    account_id, _me = _connect(ctx, pds, appview="none")
    posts.schedule_post(ctx, account_ids=[account_id], text="no AppView", now=True)
    Publisher(ctx).run_once()
    report = sync_metrics(ctx, manual=True)
    assert report.ok and report.snapshots == 0
    (skipped,) = report.skipped
    assert skipped.account_id == account_id and "AppView" in skipped.text
