"""UTM tags as they really go out: through the publisher to the loopback Mastodon server (and the
real Bluesky PDS), fixed at the first claim so a retry after the campaign is edited finds the post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.services import campaigns, compose, posts, recurrence
from desktop.services.context import AppContext
from desktop.services.publisher import Publisher
from desktop.store.models import AttemptOutcome, PublishAttempt, Variant, VariantState
from providers.mastodon import MastodonProvider, plain_text
from tests.faults import FakeClock, FaultTransport
from tests.services.conftest import MastodonAccount
from tests.services.test_publisher import _variant

STATUSES = r"/api/v1/statuses"
LINK = "https://shop.example.com/spring?ref=home#deals"
TAGS = "utm_source=mastodon&utm_medium=social&utm_campaign=spring-launch"
TAGGED = f"https://shop.example.com/spring?ref=home&{TAGS}#deals"


@pytest.fixture
def faults(ctx: AppContext) -> FaultTransport:
    transport = FaultTransport()
    ctx.registry._instances["mastodon"] = MastodonProvider(transport=transport)
    return transport


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC) + timedelta(seconds=5))


def _text(status: dict) -> str:
    return plain_text(status["content"])  # the text the toot shows, links as written


def test_a_campaign_post_goes_out_with_its_links_tagged(ctx: AppContext, masto: MastodonAccount) -> None:
    campaigns.add_campaign(ctx, "Spring launch")
    row = posts.schedule_post(
        ctx, account_ids=[masto.id], text=f"Our spring range is in (see {LINK}).", campaign="Spring launch", now=True
    )
    report = Publisher(ctx).run_once()
    assert [o.state for o in report.outcomes] == ["published"]
    (status,) = masto.statuses()
    assert f"Our spring range is in (see {TAGGED})." in _text(status)
    v = _variant(ctx, row.variants[0].id)
    assert v.tagged_texts == [f"Our spring range is in (see {TAGGED})."]
    assert v.text is None  # the user's own text is kept as written
    assert posts.get_post(ctx, row.id).text == f"Our spring range is in (see {LINK})."


def test_a_post_without_a_campaign_is_never_tagged(ctx: AppContext, masto: MastodonAccount) -> None:
    posts.schedule_post(ctx, account_ids=[masto.id], text=f"Plain {LINK}", now=True)
    Publisher(ctx).run_once()
    (status,) = masto.statuses()
    assert "utm_" not in _text(status) and LINK in _text(status)


def test_an_opted_out_link_stays_as_written(ctx: AppContext, masto: MastodonAccount) -> None:
    campaigns.add_campaign(ctx, "Spring launch", utm={"source": "fediverse"})
    other = "https://docs.example.org/faq"
    posts.schedule_post(
        ctx,
        account_ids=[masto.id],
        text=f"Shop {LINK} or read {other}",
        campaign="Spring launch",
        no_utm=[other],
        now=True,
    )
    Publisher(ctx).run_once()
    (status,) = masto.statuses()
    body = _text(status)
    assert "https://shop.example.com/spring?ref=home&utm_source=fediverse&utm_medium=social" in body
    assert f"read {other}" in body and "faq?" not in body


def test_a_duplicate_keeps_the_opt_outs(ctx: AppContext, masto: MastodonAccount) -> None:
    campaigns.add_campaign(ctx, "Spring launch")
    other = "https://docs.example.org/faq"
    row = posts.schedule_post(
        ctx,
        account_ids=[masto.id],
        text=f"Shop {LINK} or read {other}",
        campaign="Spring launch",
        no_utm=[other],
        now=True,
    )
    copy = recurrence.duplicate_post(ctx, row.id)
    assert compose.load_post(ctx, copy).no_utm == [other]


def test_an_opt_out_of_a_link_not_in_the_post_is_refused(ctx: AppContext, masto: MastodonAccount) -> None:
    campaigns.add_campaign(ctx, "Spring launch")
    with pytest.raises(posts.PostError, match="not a link in this post"):
        posts.schedule_post(
            ctx,
            account_ids=[masto.id],
            text=f"Shop {LINK}",
            campaign="Spring launch",
            no_utm=["https://x.org"],
            now=True,
        )


def test_a_retry_after_the_campaign_changed_finds_the_post_instead_of_posting_twice(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    spring = campaigns.add_campaign(ctx, "Spring launch")
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=f"New in: {LINK}", campaign="Spring launch", now=True)
    faults.lose_reply("POST", STATUSES)  # it went out, but we never heard
    first = Publisher(ctx, clock=clock).run_once()
    assert [o.state for o in first.outcomes] == ["retrying"]
    assert _variant(ctx, row.variants[0].id).tagged_texts == [f"New in: {TAGGED}"]

    # the marketer renames the campaign's tags while the post waits for its retry
    campaigns.edit_campaign(ctx, spring.id, utm={"source": "masto", "campaign": "renamed"})
    clock.advance(hours=3)  # past Mastodon's memory of the idempotency key: only a look-up can tell
    second = Publisher(ctx, clock=clock).run_once()

    assert [(o.state, o.reconciled) for o in second.outcomes] == [("published", False)]
    (status,) = masto.statuses()  # found, not sent again
    assert f"New in: {TAGGED}" in _text(status)
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHED and v.remote_id == status["id"]
    with ctx.session() as s:
        attempts = s.query(PublishAttempt).filter_by(variant_id=v.id).order_by(PublishAttempt.id).all()
        assert [a.texts for a in attempts] == [[f"New in: {TAGGED}"]] * 2
        assert attempts[-1].outcome is AttemptOutcome.ALREADY_PUBLISHED


def test_a_post_scheduled_before_the_campaign_changed_takes_the_new_tags(
    ctx: AppContext, masto: MastodonAccount
) -> None:
    spring = campaigns.add_campaign(ctx, "Spring launch")
    posts.schedule_post(ctx, account_ids=[masto.id], text=f"Soon: {LINK}", campaign="Spring launch", now=True)
    campaigns.edit_campaign(ctx, spring.id, utm={"medium": "organic"})
    Publisher(ctx).run_once()  # never claimed before: tagged now, with what the campaign says now
    (status,) = masto.statuses()
    assert "utm_medium=organic" in _text(status)


def test_editing_a_failed_post_works_the_tags_out_again(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport
) -> None:
    spring = campaigns.add_campaign(ctx, "Spring launch")
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=f"Oops {LINK}", campaign="Spring launch", now=True)
    faults.respond("POST", STATUSES, status=422, body={"error": "Validation failed: Text is invalid"})
    assert [o.state for o in Publisher(ctx).run_once().outcomes] == ["failed"]
    assert _variant(ctx, row.variants[0].id).tagged_texts == [f"Oops {TAGGED}"]

    campaigns.edit_campaign(ctx, spring.id, utm={"source": "toot"})
    doc = compose.load_post(ctx, row.id)
    doc.parts = [f"Fixed {LINK}"]
    compose.schedule(ctx, doc, compose.When(now=True))
    assert _variant(ctx, row.variants[0].id).tagged_texts is None  # worked out again at the next claim

    assert [o.state for o in Publisher(ctx).run_once().outcomes] == ["published"]
    (status,) = masto.statuses()
    assert "Fixed https://shop.example.com/spring?ref=home&utm_source=toot&" in _text(status)
    assert _variant(ctx, row.variants[0].id).tagged_texts == [
        "Fixed https://shop.example.com/spring?ref=home&utm_source=toot&utm_medium=social"
        "&utm_campaign=spring-launch#deals"
    ]


def test_saving_an_unchanged_post_keeps_its_tags_fixed(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport
) -> None:
    campaigns.add_campaign(ctx, "Spring launch")
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=f"Hi {LINK}", campaign="Spring launch", now=True)
    faults.lose_reply("POST", STATUSES)
    Publisher(ctx).run_once()
    doc = compose.load_post(ctx, row.id)
    compose.save_draft(ctx, doc)  # nothing the tags depend on changed
    assert _variant(ctx, row.variants[0].id).tagged_texts == [f"Hi {TAGGED}"]
    doc = compose.load_post(ctx, row.id)
    doc.no_utm = [LINK]  # opting the link out changes what goes out
    compose.save_draft(ctx, doc)
    assert _variant(ctx, row.variants[0].id).tagged_texts is None
    assert compose.load_post(ctx, row.id).no_utm == [LINK]


def test_the_schedule_check_counts_the_tagged_text(ctx: AppContext, masto: MastodonAccount) -> None:
    """Mastodon counts any URL as 23 characters, so tags never push a toot over; the check
    still runs on exactly what goes out."""
    campaigns.add_campaign(ctx, "Spring launch", utm={"content": "x" * 150})
    text = "a" * 470 + " " + LINK
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=text, campaign="Spring launch", now=True)
    with ctx.session() as s:
        v = s.get(Variant, row.variants[0].id)
        request = posts.build_request(ctx, v.post, v)
        assert "utm_content=" + "x" * 150 in request.parts[0].text
    checks = posts.check_targets(ctx, account_ids=[masto.id], text=text, campaign="Spring launch")
    assert checks[0].length == 470 + 1 + 23


# --- Bluesky, against the real PDS ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.network_install
@pytest.mark.timeout(1200)
def test_bluesky_shows_the_long_link_shortened_and_links_the_full_tagged_url(ctx: AppContext, pds) -> None:
    from desktop.services import accounts

    handle, did, password = pds.create_account("utm")
    account = accounts.connect_account(
        ctx,
        "bluesky",
        {"handle": handle, "app_password": pds.app_password(handle, password), "service": pds.url, "appview": pds.url},
    )
    campaigns.add_campaign(ctx, "Spring launch")
    tagged = "https://shop.example.com/spring?ref=home&utm_source=bluesky&utm_medium=social&utm_campaign=spring-launch"
    short = "shop.example.com/spring?ref=h..."  # host + 13 characters + "...", as the official app
    lead = "x" * (290 - len(" https://shop.example.com/spring?ref=home"))
    text = f"{lead} https://shop.example.com/spring?ref=home"
    assert len(text) == 290
    card_post = posts.schedule_post(
        ctx,
        account_ids=[account.id],
        text=text,
        campaign="Spring launch",
        link="https://shop.example.com/spring?ref=home",
        now=True,
    )
    assert card_post.status == "scheduled"  # 290 graphemes with a long link, tagged: still within 300

    report = Publisher(ctx).run_once()
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes

    (record,) = pds.list_records(did)
    value = record["value"]
    assert value["text"] == f"{lead} {short}"
    assert len(value["text"]) <= 300
    (facet,) = value["facets"]
    assert facet["features"][0]["uri"] == tagged
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert value["text"].encode()[start:end].decode() == short
    assert value["embed"]["external"]["uri"] == tagged  # the card opens the tagged link too
    v = _variant(ctx, card_post.variants[0].id)
    assert v.tagged_texts == [f"{lead} {tagged}"]


def test_a_partly_live_thread_keeps_its_live_parts_tags_and_tags_the_rest_anew(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, clock: FakeClock
) -> None:
    spring = campaigns.add_campaign(ctx, "Spring launch")
    parts = [f"One: {LINK}", "Two, refused.", "Three: https://blog.example.net/post"]
    row = posts.schedule_post(
        ctx, account_ids=[masto.id], text=parts[0], thread=parts[1:], campaign="Spring launch", now=True
    )
    faults.respond("POST", STATUSES, nth=2, status=422, body={"error": "Validation failed: Text is invalid"})
    assert [o.state for o in Publisher(ctx, clock=clock).run_once().outcomes] == ["partially_live"]
    first_tagged = f"One: {TAGGED}"
    assert _variant(ctx, row.variants[0].id).tagged_texts[0] == first_tagged

    campaigns.edit_campaign(ctx, spring.id, utm={"source": "toot"})
    doc = compose.load_post(ctx, row.id)
    doc.overrides[masto.id] = compose.Override(parts=[parts[0], "Two, rewritten.", parts[2]])
    compose.schedule(ctx, doc, compose.When(now=True))
    assert _variant(ctx, row.variants[0].id).tagged_texts == [first_tagged]  # the live part's text stays

    clock.advance(minutes=1)
    assert [o.state for o in Publisher(ctx, clock=clock).run_once().outcomes] == ["published"]
    bodies = [_text(st) for st in reversed(masto.statuses())]
    assert bodies[0] == first_tagged and bodies[1] == "Two, rewritten."
    assert bodies[2] == (
        "Three: https://blog.example.net/post?utm_source=toot&utm_medium=social&utm_campaign=spring-launch"
    )
    assert _variant(ctx, row.variants[0].id).tagged_texts == bodies
