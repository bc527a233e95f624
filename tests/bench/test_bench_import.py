"""Benchmark: importing 50,000 CSV rows (two accounts each), read, checked and saved.

Budget: under 60 s on 2 cores (issue 10). Run with ``make bench``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytest_benchmark.fixture import BenchmarkFixture

from desktop.services.context import AppContext
from desktop.services.csv_import import apply_import, parse_csv
from desktop.store.models import Account

ROWS = 50_000
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


def test_import_50k_rows(benchmark: BenchmarkFixture, ctx: AppContext, tmp_path: Path) -> None:
    with ctx.session() as s:
        s.add(Account(provider="mastodon", remote_id="1", handle="@studio@mastodon.social", server_url="https://m.s"))
        s.add(Account(provider="bluesky", remote_id="did:plc:1", handle="studio.bsky.social", server_url="https://b"))
    start = datetime(2027, 3, 1, tzinfo=UTC)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("text,accounts,time\n")
        for i in range(ROWS):
            when = (start + timedelta(minutes=i)).isoformat()
            fh.write(f"Post {i} https://example.com/{i},@studio@mastodon.social|studio.bsky.social,{when}\n")

    def run() -> int:
        return len(apply_import(ctx, parse_csv(ctx, path, clock=NOW), clock=NOW).imported)

    assert benchmark.pedantic(run, rounds=1, iterations=1) == ROWS
