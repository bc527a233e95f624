"""Exports: one row per variant with its newest metrics, one row per snapshot, CSV or JSON, streamed."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from desktop.services import export
from desktop.services.context import AppContext
from desktop.services.metric_names import POST_METRICS
from desktop.store.models import (
    Account,
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    Variant,
    VariantState,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def data(ctx: AppContext) -> dict[str, int]:
    """Two accounts, a campaign; a published Mastodon variant (likes 0, reposts 3, replies never
    reported), a published Bluesky variant of another post, and a scheduled variant with no metrics."""
    with ctx.session() as s:
        masto = Account(provider="mastodon", remote_id="1", handle="@ann@social.test", server_url="https://social.test")
        sky = Account(provider="bluesky", remote_id="did:plc:ann", handle="ann.test", server_url="https://pds.test")
        spring = Campaign(name="Spring launch")
        s.add_all([masto, sky, spring])
        launch = Post(text="Launch https://shop.test/new", campaign=spring)
        other = Post(text="Unrelated", external=True)
        s.add_all([launch, other])
        s.flush()
        live = Variant(
            post=launch,
            account=masto,
            state=VariantState.PUBLISHED,
            scheduled_at=T0,
            published_at=T0 + timedelta(seconds=12),
            remote_url="https://social.test/@ann/1",
            tagged_texts=["Launch https://shop.test/new?utm_source=mastodon"],
        )
        later = Variant(post=launch, account=sky, state=VariantState.SCHEDULED, scheduled_at=T0 + timedelta(days=30))
        old = Variant(
            post=other,
            account=sky,
            state=VariantState.PUBLISHED,
            text="Own words",
            published_at=T0 - timedelta(days=10),
            remote_url="https://bsky.app/profile/ann.test/post/3k",
        )
        s.add_all([live, later, old])
        s.flush()
        taken = T0 + timedelta(days=1)
        s.add_all(
            [
                MetricLatest(variant_id=live.id, account_id=masto.id, metric="likes", value=0, taken_at=taken),
                MetricLatest(variant_id=live.id, account_id=masto.id, metric="reposts", value=3, taken_at=taken),
                MetricLatest(variant_id=old.id, account_id=sky.id, metric="quotes", value=2, taken_at=taken),
                MetricLatest(variant_id=old.id, account_id=sky.id, metric="impressions", value=900, taken_at=taken),
                MetricSnapshot(account_id=masto.id, variant_id=live.id, metric="reposts", value=1, taken_at=T0),
                MetricSnapshot(account_id=masto.id, variant_id=live.id, metric="reposts", value=3, taken_at=taken),
                MetricSnapshot(account_id=masto.id, metric="followers", value=120, taken_at=T0 - timedelta(hours=1)),
                MetricSnapshot(account_id=sky.id, variant_id=old.id, metric="quotes", value=2, taken_at=taken),
            ]
        )
        return {"live": live.id, "later": later.id, "old": old.id, "masto": masto.id, "campaign": spring.id}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _posts_csv(ctx: AppContext, **kw: Any) -> tuple[int, list[dict[str, str]], str]:
    out = io.StringIO(newline="")
    count = export.export_posts(ctx, out, fmt="csv", **kw)
    return count, _csv(out.getvalue()), out.getvalue()


def test_posts_csv_has_the_documented_columns_and_one_row_per_variant(ctx: AppContext, data: dict[str, int]) -> None:
    count, rows, text = _posts_csv(ctx)
    assert text.splitlines()[0].split(",") == list(export.POST_COLUMNS)
    assert count == 3 and [int(r["variant_id"]) for r in rows] == [data["live"], data["later"], data["old"]]
    live = rows[0]
    assert live["network"] == "mastodon" and live["handle"] == "@ann@social.test"
    assert live["campaign"] == "Spring launch" and live["state"] == "published"
    assert live["scheduled_at"] == "2026-11-02T09:00:00Z" and live["published_at"] == "2026-11-02T09:00:12Z"
    assert live["url"] == "https://social.test/@ann/1"
    assert live["text"] == "Launch https://shop.test/new?utm_source=mastodon"  # the tagged text that went out
    assert live["external"] == "false"


def test_not_reported_is_an_empty_cell_and_zero_is_zero(ctx: AppContext, data: dict[str, int]) -> None:
    _, rows, _ = _posts_csv(ctx)
    live, later, old = rows
    assert live["likes"] == "0" and live["reposts"] == "3" and live["replies"] == "" and live["quotes"] == ""
    assert live["engagements"] == "3"  # 0 + 3; replies were not reported, not counted as 0
    assert all(later[m] == "" for m in (*POST_METRICS, "engagements"))  # nothing reported yet
    assert old["quotes"] == "2" and old["impressions"] == "900"
    assert old["engagements"] == "2"  # impressions are shown beside engagements, never summed in
    assert old["text"] == "Own words" and old["external"] == "true" and old["campaign"] == ""
    assert later["published_at"] == "" and later["url"] == ""


def test_posts_as_json_are_a_list_of_objects_with_null_for_not_reported(ctx: AppContext, data: dict[str, int]) -> None:
    out = io.StringIO()
    assert export.export_posts(ctx, out, fmt="json") == 3
    rows = json.loads(out.getvalue())
    assert isinstance(rows, list) and list(rows[0]) == list(export.POST_COLUMNS)
    live = rows[0]
    assert live["likes"] == 0 and live["replies"] is None and live["engagements"] == 3
    assert live["external"] is False and live["published_at"] == "2026-11-02T09:00:12Z"
    assert rows[1]["engagements"] is None and rows[1]["published_at"] is None


def test_post_filters_bound_the_publish_time_and_the_campaign(ctx: AppContext, data: dict[str, int]) -> None:
    count, rows, _ = _posts_csv(ctx, campaign_id=data["campaign"])
    assert count == 2 and {int(r["variant_id"]) for r in rows} == {data["live"], data["later"]}
    # a time bound keeps only what was published inside it: the scheduled variant drops out
    count, rows, _ = _posts_csv(ctx, start=T0, end=T0 + timedelta(days=1))
    assert [int(r["variant_id"]) for r in rows] == [data["live"]]
    count, rows, _ = _posts_csv(ctx, end=T0)  # the end is exclusive
    assert [int(r["variant_id"]) for r in rows] == [data["old"]]


def test_metrics_export_one_row_per_snapshot_oldest_first(ctx: AppContext, data: dict[str, int]) -> None:
    out = io.StringIO(newline="")
    assert export.export_metrics(ctx, out, fmt="csv") == 4
    text = out.getvalue()
    assert text.splitlines()[0].split(",") == list(export.METRIC_COLUMNS)
    rows = _csv(text)
    assert [r["taken_at"] for r in rows] == sorted(r["taken_at"] for r in rows)
    followers = rows[0]  # an account metric: no variant, post or campaign
    assert followers["metric"] == "followers" and followers["value"] == "120"
    assert followers["variant_id"] == followers["post_id"] == followers["campaign"] == ""
    assert followers["network"] == "mastodon" and int(followers["account_id"]) == data["masto"]
    assert rows[1]["campaign"] == "Spring launch" and int(rows[1]["variant_id"]) == data["live"]


def test_metric_filters_bound_the_time_taken_and_the_campaign(ctx: AppContext, data: dict[str, int]) -> None:
    out = io.StringIO()
    assert export.export_metrics(ctx, out, fmt="json", start=T0, end=T0 + timedelta(hours=1)) == 1
    assert json.loads(out.getvalue()) == [
        {
            "taken_at": "2026-11-02T09:00:00Z",
            "account_id": data["masto"],
            "network": "mastodon",
            "handle": "@ann@social.test",
            "variant_id": data["live"],
            "post_id": 1,
            "campaign": "Spring launch",
            "metric": "reposts",
            "value": 1,
        }
    ]
    out = io.StringIO()
    # account metrics belong to no campaign, so a campaign's export holds only its posts' snapshots
    assert export.export_metrics(ctx, out, fmt="json", campaign_id=data["campaign"]) == 2


def test_an_empty_export_is_a_header_or_an_empty_list(ctx: AppContext) -> None:
    out = io.StringIO()
    assert export.export_metrics(ctx, out, fmt="json") == 0
    assert json.loads(out.getvalue()) == []
    out = io.StringIO(newline="")
    assert export.export_posts(ctx, out, fmt="csv") == 0
    assert out.getvalue() == ",".join(export.POST_COLUMNS) + "\r\n"


def test_unknown_campaign_is_refused_in_words(ctx: AppContext, data: dict[str, int]) -> None:
    assert export.campaign_named(ctx, "spring LAUNCH") == data["campaign"]
    with pytest.raises(export.ExportError, match="No campaign named 'Autumn'"):
        export.campaign_named(ctx, "Autumn")


def test_format_comes_from_the_extension_unless_given() -> None:
    assert export.format_for("report.json") == "json"
    assert export.format_for(Path("REPORT.JSON")) == "json"
    assert export.format_for("report.csv") == "csv"
    assert export.format_for("report.txt") == "csv"
    assert export.format_for(None) == "csv"
    assert export.format_for("report.csv", "json") == "json"
    with pytest.raises(ValueError, match="csv or json"):
        export.format_for(None, "xlsx")


def test_write_table_writes_a_file_whole_or_not_at_all(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "view.csv"
    rows = [("Ann", 3, None, True, T0), ("Bo, Jr.", 0, 1.5, False, None)]
    assert export.write_table(target, ["who", "likes", "rate", "ok", "at"], rows, "csv") == 2
    assert target.read_text(encoding="utf-8").splitlines() == [
        "who,likes,rate,ok,at",
        "Ann,3,,true,2026-11-02T09:00:00Z",
        '"Bo, Jr.",0,1.5,false,',
    ]

    def failing() -> Iterator[tuple[Any, ...]]:
        yield ("Ann", 1, None, True, T0)
        raise RuntimeError("the table went away")

    broken = folder / "broken.json"
    with pytest.raises(RuntimeError):
        export.write_table(broken, ["who", "likes", "rate", "ok", "at"], failing(), "json")
    assert sorted(p.name for p in folder.iterdir()) == ["view.csv"]  # no half file, no leftover


def test_an_unwritable_path_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(export.ExportError, match=r"^Cannot write .*missing.*\.$"):
        export.write_table(tmp_path / "missing" / "x.csv", ["a"], [(1,)], "csv")


class _CountingSink(io.TextIOBase):
    """A text stream that keeps only how much was written, so memory measures the exporter."""

    def __init__(self) -> None:
        self.chars = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.lines += text.count("\n")
        return len(text)


def test_a_large_export_streams_instead_of_loading_every_row(ctx: AppContext, data: dict[str, int]) -> None:
    many = 60_000
    with ctx.session() as s:
        s.execute(
            insert(MetricSnapshot.__table__),
            [
                {"account_id": data["masto"], "variant_id": data["live"], "metric": "likes", "value": n, "taken_at": T0}
                for n in range(many)
            ],
        )
    export.export_metrics(ctx, _CountingSink(), fmt="csv")  # warm the statement cache
    sink = _CountingSink()
    tracemalloc.start()
    try:
        count = export.export_metrics(ctx, sink, fmt="csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == many + 4 and sink.lines == count + 1
    # 60,000 rows held at once take well over 10 MB; streamed in chunks the peak stays small
    assert peak < 4_000_000, f"peak {peak} bytes"


def test_csv_text_a_spreadsheet_would_run_is_made_inert_and_json_stays_raw() -> None:
    rows = [
        ('=HYPERLINK("http://evil.example")', "@ann@example.social"),
        ("+1 for the launch", "@SUM(1+1)"),
        ("-20% today", "plain"),
    ]
    out = io.StringIO()
    export.write_table(out, ["text", "handle"], rows, "csv")
    lines = out.getvalue().splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://evil.example"")",@ann@example.social'  # a handle stays as is
    assert lines[2] == "'+1 for the launch,'@SUM(1+1)"
    assert lines[3] == "'-20% today,plain"
    raw = io.StringIO()
    export.write_table(raw, ["text", "handle"], rows, "json")
    assert json.loads(raw.getvalue())[0]["text"] == rows[0][0]  # JSON is for scripts: unchanged
