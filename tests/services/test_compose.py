"""The composer's document: counted and checked per network, split at the limit, saved and
edited in place (keys kept), scheduled through the store; and saved snippets."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.services import app_settings, campaigns, compose, posts, slots, snippets
from desktop.services.compose import ComposeDoc, Override, When
from desktop.services.context import AppContext
from desktop.services.transitions import Conflict
from desktop.store.models import Account, Variant, VariantState
from providers.base import Limits
from tests.services.conftest import MastodonAccount

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, 7 code points (ZWJ sequence)
FLAG = "🇫🇷"  # one grapheme, 2 regional indicators


def png(path: Path, width: int = 8, height: int = 6, extra: bytes = b"") -> Path:
    """A real, tiny PNG (valid header, IHDR and IDAT) so the media sniffer reads its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width * 3 for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body + chunk(b"tEXt", b"c\x00" + extra) + chunk(b"IEND", b""))
    return path


def add_bluesky(ctx: AppContext, handle: str = "brand.bsky.social") -> int:
    """A Bluesky account row with no secrets: enough to count and check against."""
    with ctx.session() as s:
        a = Account(provider="bluesky", remote_id=f"did:plc:{handle}", handle=handle, display_name="Brand")
        s.add(a)
        s.flush()
        return a.id


def add_mastodon_row(ctx: AppContext, limit: int = 500) -> int:
    with ctx.session() as s:
        a = Account(
            provider="mastodon",
            remote_id="1",
            handle="brand@example.social",
            server_url="https://example.social",
            limits=Limits(max_chars=limit, url_length=23, max_parts=25).to_json(),
        )
        s.add(a)
        s.flush()
        return a.id


def targets(ctx: AppContext) -> dict[int, compose.Target]:
    return {t.account_id: t for t in compose.list_targets(ctx)}


def test_each_network_counts_emoji_flags_and_links_its_own_way(ctx: AppContext) -> None:
    sky, masto = add_bluesky(ctx), add_mastodon_row(ctx)
    text = f"Hi {FAMILY}{FLAG} https://example.com/a/very/long/path/that/goes/on/and/on"
    doc = ComposeDoc(account_ids=[sky, masto], parts=[text])
    counts = compose.measure_all(doc, targets(ctx), ctx.registry)
    url = "https://example.com/a/very/long/path/that/goes/on/and/on"
    # Bluesky: graphemes, with a long link shown (and counted) as the official app shortens it
    assert counts[sky][0].length == 3 + 2 + 1 + len("example.com/a/very/long/...")
    assert len(url) > len("example.com/a/very/long/...")
    assert counts[masto][0].length == 3 + 2 + 1 + 23  # Mastodon: any URL is 23
    assert counts[sky][0].limit == 300 and counts[masto][0].limit == 500


def test_levels_turn_amber_near_the_limit_and_red_past_it(ctx: AppContext) -> None:
    sky = add_bluesky(ctx)
    t = targets(ctx)

    def level(n: int) -> str:
        doc = ComposeDoc(account_ids=[sky], parts=[FAMILY * n])
        return compose.measure_all(doc, t, ctx.registry)[sky][0].level

    assert (level(269), level(270), level(300), level(301)) == ("ok", "warn", "warn", "over")


def test_validate_reports_length_empty_media_and_missing_alt(ctx: AppContext, tmp_path: Path) -> None:
    sky, masto = add_bluesky(ctx), add_mastodon_row(ctx)
    t = targets(ctx)
    doc = ComposeDoc(account_ids=[sky, masto], parts=["x" * 301])
    problems = compose.validate_all(doc, t, ctx.registry)
    assert [p.code for p in problems[sky]] == ["too_long"] and problems[masto] == []

    doc = ComposeDoc(account_ids=[sky], parts=["  "])
    assert [p.code for p in compose.validate_all(doc, t, ctx.registry)[sky]] == ["empty"]

    image = compose.store_file(ctx, png(tmp_path / "a.png"))
    doc = ComposeDoc(account_ids=[sky, masto], parts=["look"], media=[image] * 5)
    found = compose.validate_all(doc, t, ctx.registry, require_alt=True)
    assert "too_many_media" in {p.code for p in found[sky]}
    assert "alt_missing" in {p.code for p in found[masto]}
    # an override with fewer images and alt text fixes it for that account only
    doc.overrides[sky] = Override(media=[compose.MediaRef(**{**image.__dict__, "alt_text": "A grey square"})])
    found = compose.validate_all(doc, t, ctx.registry, require_alt=True)
    assert found[sky] == [] and found[masto]


def test_media_is_checked_against_each_network_when_added(ctx: AppContext, tmp_path: Path) -> None:
    sky, masto = add_bluesky(ctx), add_mastodon_row(ctx)
    big = compose.store_file(ctx, png(tmp_path / "big.png", extra=b"\x00" * 1_100_000))
    assert big.path.is_relative_to(ctx.data_dir) and big.width == 8
    found = compose.check_media(big, targets(ctx).values(), ctx.registry)
    assert set(found) == {sky}  # Bluesky takes up to 1 MB, Mastodon 16 MB
    assert found[sky][0].code == "media_size" and "1.0 MB" in found[sky][0].message
    assert masto not in found


@pytest.mark.parametrize("numbering", [False, True])
def test_auto_split_keeps_every_part_within_the_limit_and_loses_no_text(ctx: AppContext, numbering: bool) -> None:
    provider = ctx.registry.get("bluesky")
    limits = Limits(max_chars=60, max_parts=25)
    text = (
        f"Launch day {FAMILY}! Our new planner is out. It syncs calendars across teams. "
        "Try it free for thirty days at https://example.com/planner and tell us what you think. "
        "Supercalifragilisticexpialidociousplannerfeatureflagswithoutspaces and more."
    )
    parts = compose.auto_split(text, provider, limits, numbering=numbering)
    assert len(parts) > 1
    assert all(provider.measure(p, limits) <= 60 for p in parts)
    joined = "".join(parts)
    if numbering:
        assert parts[0].endswith(f" 1/{len(parts)}")
        joined = "".join(p.rsplit(" ", 1)[0] for p in parts)
    assert "".join(joined.split()) == "".join(text.split())
    # sentence ends are preferred break points
    assert parts[0].rstrip(" 1234567890/").endswith("!") or parts[0].rstrip(" 1234567890/").endswith(".")


def test_auto_split_leaves_short_text_alone(ctx: AppContext) -> None:
    provider = ctx.registry.get("mastodon")
    assert compose.auto_split("short", provider, provider.info.limits) == ["short"]


def test_over_limit_from_points_at_the_first_grapheme_past_the_limit(ctx: AppContext) -> None:
    provider = ctx.registry.get("bluesky")
    limits = Limits(max_chars=10, max_parts=25)
    assert compose.over_limit_from(provider, limits, "a" * 10) is None
    text = FAMILY + "b" * 9 + "OVER"  # FAMILY is one grapheme of 7 code points
    assert compose.over_limit_from(provider, limits, text) == len(FAMILY) + 9
    flags = FLAG * 12  # never splits a flag in half
    assert compose.over_limit_from(provider, limits, flags) == len(FLAG) * 10
    # counted as sent: a prepared (longer) prefix goes over sooner
    assert compose.over_limit_from(provider, limits, "a" * 8, prepare=lambda p: p + "zzz") == 7


def test_discard_draft_deletes_only_an_unchanged_draft(ctx: AppContext) -> None:
    sky = add_bluesky(ctx)
    doc = ComposeDoc(account_ids=[sky], parts=["Throwaway"])
    doc.post_id = compose.save_draft(ctx, doc)
    assert compose.discard_draft(ctx, doc) is True
    assert posts.list_posts(ctx) == []
    assert compose.discard_draft(ctx, doc) is False  # already gone
    kept = ComposeDoc(account_ids=[sky], parts=["Scheduled meanwhile"])
    kept.post_id = compose.save_draft(ctx, kept)
    other_window = compose.load_post(ctx, kept.post_id)
    compose.schedule(ctx, other_window, When(at=datetime.now(UTC) + timedelta(days=1)))
    with pytest.raises(Conflict):
        compose.discard_draft(ctx, kept)
    assert [p.id for p in posts.list_posts(ctx)] == [kept.post_id]


def test_draft_round_trip_keeps_overrides_media_campaign_and_first_comment(ctx: AppContext, tmp_path: Path) -> None:
    sky, masto = add_bluesky(ctx), add_mastodon_row(ctx)
    campaigns.add_campaign(ctx, "Spring launch")
    image = compose.store_file(ctx, png(tmp_path / "a.png"), "A chart")
    at = datetime(2031, 5, 1, 9, 30, tzinfo=UTC)
    doc = ComposeDoc(
        account_ids=[sky, masto],
        parts=["Shared one", "Shared two"],
        media=[image],
        overrides={sky: Override(parts=["Sky one", "Sky two", "Sky three"], media=[])},
        first_comment="Link in here",
        campaign="Spring launch",
        at=at,
    )
    post_id = compose.save_draft(ctx, doc)
    loaded = compose.load_post(ctx, post_id)
    assert loaded.post_id == post_id and loaded.status == "draft"
    assert loaded.account_ids == [sky, masto]
    assert loaded.parts == ["Shared one", "Shared two"]
    assert loaded.first_comment == "Link in here"
    assert loaded.overrides[sky].parts == ["Sky one", "Sky two", "Sky three"]
    assert loaded.overrides[sky].media == []
    assert masto not in loaded.overrides
    assert [(m.name, m.alt_text) for m in loaded.media] == [("a.png", "A chart")]
    assert loaded.campaign == "Spring launch" and loaded.at == at
    # the publisher sees the first comment as the final reply of each thread
    with ctx.session() as s:
        variants = {v.account_id: v for v in s.scalars(select(Variant))}
        requests = {a: posts.build_request(ctx, v.post, v) for a, v in variants.items()}
    assert [p.text for p in requests[sky].parts] == ["Sky one", "Sky two", "Sky three", "Link in here"]
    assert [p.text for p in requests[masto].parts] == ["Shared one", "Shared two", "Link in here"]
    assert requests[sky].parts[0].media == () and requests[masto].parts[0].media[0].alt_text == "A chart"


def test_scheduling_then_editing_keeps_each_variants_idempotency_key(ctx: AppContext, masto: MastodonAccount) -> None:
    sky = add_bluesky(ctx)
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    doc = ComposeDoc(account_ids=[masto.id, sky], parts=["Hello 🌍"])
    post_id = compose.schedule(ctx, doc, When(at=at))
    with ctx.session() as s:
        keys = {v.account_id: v.idempotency_key for v in s.scalars(select(Variant))}
    assert posts.get_post(ctx, post_id).status == "scheduled"

    edited = compose.load_post(ctx, post_id)
    edited.parts = ["Hello again 🌍"]
    edited.overrides[sky] = Override(parts=["Hi Bluesky"])
    assert compose.schedule(ctx, edited, When(at=at + timedelta(hours=1))) == post_id
    with ctx.session() as s:
        after = {v.account_id: (v.idempotency_key, v.state, v.scheduled_at) for v in s.scalars(select(Variant))}
    assert {a: k for a, (k, _, _) in after.items()} == keys
    assert all(state == VariantState.SCHEDULED and when == at + timedelta(hours=1) for _, state, when in after.values())
    row = posts.get_post(ctx, post_id)
    assert {v.account_id: v.text for v in row.variants} == {masto.id: "Hello again 🌍", sky: "Hi Bluesky"}


def test_a_published_variant_is_never_changed_by_an_edit(ctx: AppContext) -> None:
    sky, masto = add_bluesky(ctx), add_mastodon_row(ctx)
    post_id = compose.save_draft(ctx, ComposeDoc(account_ids=[sky, masto], parts=["Original"]))
    with ctx.session() as s:
        v = s.scalar(select(Variant).where(Variant.account_id == sky))
        assert v is not None
        v.state, v.remote_id = VariantState.PUBLISHED, "at://x"
    doc = compose.load_post(ctx, post_id)
    assert doc.locked == {sky}
    doc.parts = ["Changed"]
    compose.save_draft(ctx, doc)
    texts = {v.account_id: (v.text, v.state) for v in posts.get_post(ctx, post_id).variants}
    assert texts == {sky: ("Original", "published"), masto: ("Changed", "draft")}


def test_scheduling_is_refused_with_the_reason_and_nothing_changes(ctx: AppContext) -> None:
    sky = add_bluesky(ctx)
    at = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(posts.PostRejected, match=r"brand\.bsky\.social: 301 of 300 characters"):
        compose.schedule(ctx, ComposeDoc(account_ids=[sky], parts=["x" * 301]), When(at=at))
    assert posts.list_posts(ctx) == []
    with pytest.raises(posts.PostError, match="in the past"):
        compose.schedule(ctx, ComposeDoc(account_ids=[sky], parts=["ok"]), When(at=at - timedelta(days=3)))
    app_settings.put(ctx, compose.REQUIRE_ALT_TEXT, True)
    assert compose.require_alt_text(ctx)


def test_next_free_slot_comes_from_each_accounts_queue(ctx: AppContext) -> None:
    sky = add_bluesky(ctx)
    with ctx.session() as s:
        for day in range(7):
            slots.add_slot(s, sky, day, time(9, 0), "UTC")
    clock = datetime(2031, 1, 6, 10, 0, tzinfo=UTC)  # a Monday, after 09:00
    post_id = compose.schedule(ctx, ComposeDoc(account_ids=[sky], parts=["queued"]), When(next_slot=True), clock=clock)
    assert posts.get_post(ctx, post_id).variants[0].scheduled_at == datetime(2031, 1, 7, 9, 0, tzinfo=UTC)


def test_newest_draft_is_found_to_reopen_the_composer(ctx: AppContext) -> None:
    sky = add_bluesky(ctx)
    assert compose.newest_draft(ctx) is None
    first = compose.save_draft(ctx, ComposeDoc(account_ids=[sky], parts=["one"]))
    second = compose.save_draft(ctx, ComposeDoc(account_ids=[sky], parts=["two"]))
    assert compose.newest_draft(ctx) == second != first


def test_document_survives_json(ctx: AppContext, tmp_path: Path) -> None:
    image = compose.store_file(ctx, png(tmp_path / "a.png"), "alt")
    doc = ComposeDoc(account_ids=[3], parts=["a", "b"], media=[image], overrides={3: Override(parts=["c"])})
    again = ComposeDoc.from_json(doc.to_json())
    assert again.parts == ["a", "b"] and again.media == [image] and again.overrides[3].parts == ["c"]


def test_snippets_are_saved_replaced_listed_and_removed(ctx: AppContext) -> None:
    assert snippets.list_snippets(ctx) == []
    snippets.add_snippet(ctx, "Launch tags", "#launch #planner")
    snippets.add_snippet(ctx, "signature", "— the Acme team")
    snippets.add_snippet(ctx, "SIGNATURE", "— Acme")  # same name: replaced
    found = snippets.list_snippets(ctx)
    assert [(s.name, s.text) for s in found] == [("Launch tags", "#launch #planner"), ("SIGNATURE", "— Acme")]
    assert found[0].is_hashtags and not found[1].is_hashtags
    assert snippets.remove_snippet(ctx, "launch tags") and not snippets.remove_snippet(ctx, "nope")
    with pytest.raises(snippets.SnippetError):
        snippets.add_snippet(ctx, " ", "x")
