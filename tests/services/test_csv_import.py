"""Bulk CSV import: every row checked before anything is saved, then all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.services import app_settings, campaigns, posts
from desktop.services.context import AppContext
from desktop.services.csv_import import CsvFileError, apply_import, parse_csv
from desktop.services.slots import add_slot
from desktop.store.models import Account, Media, Post

NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)  # a Friday
HEADER = "text,accounts,time,media,alt text,campaign,link\n"
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b2c9cb0000000049454e44ae426082"
)
EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture
def studio(ctx: AppContext) -> AppContext:
    """Two accounts (as connected accounts are stored), a campaign, and local time in Paris."""
    with ctx.session() as s:
        s.add(Account(provider="mastodon", remote_id="1", handle="@studio@mastodon.social", server_url="https://m.s"))
        s.add(Account(provider="bluesky", remote_id="did:plc:1", handle="studio.bsky.social", server_url="https://b"))
    campaigns.add_campaign(ctx, "Spring launch")
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")
    return ctx


def write(folder: Path, body: str, *, name: str = "posts.csv", bom: bool = False, header: str = HEADER) -> Path:
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (header + body).encode("utf-8"))
    return path


def saved_posts(ctx: AppContext) -> int:
    with ctx.session() as s:
        return s.query(Post).count()


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_reads_excel_and_plain_exports_alike(studio: AppContext, tmp_path: Path, bom: bool, delimiter: str) -> None:
    header = delimiter.join(["Text", "Accounts", "Time", "Campaign", "Link"]) + "\r\n"
    body = delimiter.join(['"Hello, world; again"', "studio.bsky.social", "2027-02-01 09:30", "", ""]) + "\r\n"
    plan = parse_csv(studio, write(tmp_path, body, bom=bom, header=header), clock=NOW)
    assert plan.delimiter == delimiter
    (row,) = plan.rows
    assert row.ok, row.errors
    assert row.text == "Hello, world; again"  # no BOM glued to the first column name or cell
    assert [t.handle for t in row.targets] == ["studio.bsky.social"]


def test_line_numbers_are_where_each_record_starts_counting_quoted_newlines(studio: AppContext, tmp_path: Path) -> None:
    body = (
        '"First line\nsecond line\nthird line",nobody@nowhere,2027-02-01 09:00,,,,\n'  # lines 2-4
        "\n"  # line 5: blank, skipped
        "Plain,@studio@mastodon.social,2027-02-01 10:00,,,,\n"  # line 6
        '"Two\nlines",ghost,2027-02-01 11:00,,,,\n'  # lines 7-8
        "Last,@studio@mastodon.social,2027-02-01 12:00,,,,\n"  # line 9
    )
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    assert [r.line for r in plan.rows] == [2, 6, 7, 9]
    assert plan.rows[0].text == "First line\nsecond line\nthird line"
    assert [r.line for r in plan.invalid] == [2, 7]
    assert plan.summary() == "4 rows: 2 ready, 2 with problems"


@pytest.mark.parametrize(
    ("cell", "expected_utc"),
    [
        ("2027-02-01T09:30+01:00", datetime(2027, 2, 1, 8, 30, tzinfo=UTC)),
        ("2027-02-01T09:30:00Z", datetime(2027, 2, 1, 9, 30, tzinfo=UTC)),
        ("2027-02-01 09:30", datetime(2027, 2, 1, 8, 30, tzinfo=UTC)),  # Paris, winter: +01:00
        ("2027-07-01 09:30", datetime(2027, 7, 1, 7, 30, tzinfo=UTC)),  # Paris, summer: +02:00
        ("01/02/2027 09:30", datetime(2027, 2, 1, 8, 30, tzinfo=UTC)),  # day first, as Excel in Europe
        ("2027-02-01T09:30-05:00", datetime(2027, 2, 1, 14, 30, tzinfo=UTC)),
    ],
)
def test_times_with_an_offset_or_in_the_users_zone(
    studio: AppContext, tmp_path: Path, cell: str, expected_utc: datetime
) -> None:
    plan = parse_csv(studio, write(tmp_path, f"Hi,studio.bsky.social,{cell},,,,\n"), clock=NOW)
    (row,) = plan.rows
    assert row.ok, row.errors
    assert [t.at for t in row.targets] == [expected_utc]


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ("Hi,ghost.example,2027-02-01 09:00,,,,", "unknown account 'ghost.example'"),
        ("Hi,mastodon:studio.bsky.social,2027-02-01 09:00,,,,", "unknown account 'mastodon:studio.bsky.social'"),
        ("Hi,studio.bsky.social,2027-01-14 09:00,,,,", "time 2027-01-14 09:00 (CET) is in the past"),
        (
            f"{'x' * 512},@studio@mastodon.social,2027-02-01 09:00,,,,",
            "text too long for Mastodon (@studio@mastodon.social): 512 of 500 characters: 12 too many.",
        ),
        ("Hi,studio.bsky.social,2027-02-01 09:00,pics/gone.png,,,", "missing file 'pics/gone.png'"),
        ("Hi,studio.bsky.social,2027-02-30 09:00,,,,", "bad date format '2027-02-30 09:00'"),
        ("Hi,studio.bsky.social,next tuesday,,,,", "bad date format 'next tuesday'"),
        ("Hi,studio.bsky.social,2027-02-01,,,,", "bad date format '2027-02-01'"),
        ("Hi,studio.bsky.social,2027-02-01 09:00,,,Autumn,", "unknown campaign 'Autumn'"),
        ("Hi,studio.bsky.social,2027-02-01 09:00,,,,example.com", "link 'example.com' is not a web address"),
        ("Hi,studio.bsky.social,2027-02-01 09:00,,one|two,,", "2 alt texts for 0 media files"),
        ("Hi,studio.bsky.social | studio.bsky.social,2027-02-01 09:00,,,,", "account 'studio.bsky.social' is listed"),
        ("Hi,,2027-02-01 09:00,,,,", "no account"),
        ("Hi,studio.bsky.social,,,,,", "no time given, and studio.bsky.social has no free queue slot"),
    ],
    ids=[
        "unknown-account",
        "wrong-network",
        "past",
        "too-long",
        "missing-file",
        "impossible-date",
        "words",
        "date-without-time",
        "unknown-campaign",
        "bad-link",
        "alt-without-media",
        "account-twice",
        "no-account",
        "no-queue-slot",
    ],
)
def test_each_bad_row_says_what_is_wrong(studio: AppContext, tmp_path: Path, cells: str, error: str) -> None:
    plan = parse_csv(
        studio, write(tmp_path, "Fine,studio.bsky.social,2027-02-01 09:00,,,,\n" + cells + "\n"), clock=NOW
    )
    good, bad = plan.rows
    assert good.ok and bad.line == 3
    assert any(error in e for e in bad.errors), bad.errors
    assert saved_posts(studio) == 0  # checking saves nothing


def test_accounts_by_id_handle_short_handle_or_network_and_handle(studio: AppContext, tmp_path: Path) -> None:
    body = (
        "A,1 bluesky:studio.bsky.social,2027-02-01 09:00,,,,\n"
        'B,"studio|@studio.bsky.social",2027-02-01 09:00,,,,\n'  # "studio" = @studio@mastodon.social
        "C,mastodon:@studio@mastodon.social,2027-02-01 09:00,,,,\n"
    )
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    assert [[t.network for t in r.targets] for r in plan.rows] == [
        ["mastodon", "bluesky"],
        ["mastodon", "bluesky"],
        ["mastodon"],
    ]
    assert all(r.ok for r in plan.rows)


def test_media_paths_are_relative_to_the_csv_and_carry_their_alt_text(studio: AppContext, tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    for name in ("a.png", "b.png"):
        (tmp_path / "pics" / name).write_bytes(PNG_1x1)
    body = 'Look,studio.bsky.social,2027-02-01 09:00,pics/a.png|pics/b.png,"A red dot|",Spring launch,https://ex.com\n'
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    (row,) = plan.rows
    assert row.ok, row.errors
    assert [(m.path, m.alt_text) for m in row.media] == [
        (tmp_path / "pics" / "a.png", "A red dot"),
        (tmp_path / "pics" / "b.png", ""),
    ]
    result = apply_import(studio, plan, clock=NOW)
    (imported,) = result.imported
    assert imported.post.campaign == "Spring launch"
    with studio.session() as s:
        post = s.get(Post, imported.post.id)
        assert post is not None and post.link == "https://ex.com" and post.timezone == "Europe/Paris"
        assert [a.alt_text for a in post.attachments] == ["A red dot", ""]


def test_header_names_are_case_insensitive_with_aliases(studio: AppContext, tmp_path: Path) -> None:
    header = "MESSAGE;Account;When;Image;Alt_Text;Notes\n"
    plan = parse_csv(studio, write(tmp_path, "Hi;studio.bsky.social;2027-02-01 09:00;;;internal\n", header=header))
    assert plan.rows[0].ok and plan.ignored_columns == ("Notes",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Caf\xe9,studio\n".encode("latin-1"), "is not UTF-8 text: byte 3 (line 1) is 0xe9"),
        (b"title,when\nHi,2027-02-01 09:00\n", "has no 'text' or 'accounts' column (found 'title', 'when')"),
        (b"", "is empty"),
    ],
    ids=["latin-1", "no-required-columns", "empty"],
)
def test_an_unreadable_file_is_one_clear_error(ctx: AppContext, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CsvFileError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        parse_csv(ctx, path)
    if b"Caf" in content:
        assert "CSV UTF-8" in str(caught.value)  # says how to fix it in Excel


def test_a_bad_row_means_nothing_is_saved(studio: AppContext, tmp_path: Path) -> None:
    (tmp_path / "dot.png").write_bytes(PNG_1x1)
    body = (
        "Good,studio.bsky.social,2027-02-01 09:00,dot.png,A dot,,\n"
        "Bad,ghost,2027-02-01 10:00,,,,\n"
        "Also good,@studio@mastodon.social,2027-02-01 11:00,,,,\n"
    )
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    result = apply_import(studio, plan, clock=NOW)
    assert not result.ok and result.imported == ()
    assert result.rejected == ((3, ("unknown account 'ghost'",)),)
    assert saved_posts(studio) == 0
    with studio.session() as s:
        assert s.query(Media).count() == 0


def test_valid_rows_only_saves_the_good_ones_one_post_per_row(studio: AppContext, tmp_path: Path) -> None:
    body = (
        "To both,studio.bsky.social @studio@mastodon.social,2027-02-01 09:00,,,Spring launch,\n"
        "Bad,ghost,2027-02-01 10:00,,,,\n"
        "To one,@studio@mastodon.social,2027-02-01T11:00Z,,,,\n"
    )
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    result = apply_import(studio, plan, valid_only=True, clock=NOW)
    assert not result.ok and [line for line, _ in result.rejected] == [3]
    assert [i.line for i in result.imported] == [2, 4]
    both, one = (i.post for i in result.imported)
    assert both.status == "scheduled" and both.campaign == "Spring launch"
    assert sorted((v.handle, v.scheduled_at) for v in both.variants) == [
        ("@studio@mastodon.social", datetime(2027, 2, 1, 8, 0, tzinfo=UTC)),
        ("studio.bsky.social", datetime(2027, 2, 1, 8, 0, tzinfo=UTC)),
    ]
    assert [(v.handle, v.scheduled_at) for v in one.variants] == [
        ("@studio@mastodon.social", datetime(2027, 2, 1, 11, 0, tzinfo=UTC))
    ]
    assert {p.id for p in posts.list_posts(studio)} == {both.id, one.id}


def test_empty_time_takes_each_accounts_next_free_slots_in_file_order(studio: AppContext, tmp_path: Path) -> None:
    with studio.session() as s:
        add_slot(s, 2, 0, time(9, 0), "Europe/Paris")  # Mondays 09:00 for the Bluesky account
    body = "First,studio.bsky.social,,,,,\nSecond,studio.bsky.social,,,,,\n"
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    mondays = [datetime(2027, 1, 18, 8, 0, tzinfo=UTC), datetime(2027, 1, 25, 8, 0, tzinfo=UTC)]
    assert [r.targets[0].at for r in plan.rows] == mondays and all(r.from_queue for r in plan.rows)
    result = apply_import(studio, plan, clock=NOW)
    assert [i.post.variants[0].scheduled_at for i in result.imported] == mondays


def test_a_row_whose_time_passed_while_previewing_is_refused_at_save(studio: AppContext, tmp_path: Path) -> None:
    body = "Soon,studio.bsky.social,2027-01-15 14:00,,,,\nLater,studio.bsky.social,2027-03-01 09:00,,,,\n"
    plan = parse_csv(studio, write(tmp_path, body), clock=NOW)
    assert all(r.ok for r in plan.rows)
    later_clock = datetime(2027, 1, 16, tzinfo=UTC)

    everything = apply_import(studio, plan, clock=later_clock)
    assert everything.imported == () and [line for line, _ in everything.rejected] == [2]
    assert "is in the past" in everything.rejected[0][1][0] and saved_posts(studio) == 0

    valid_only = apply_import(studio, plan, valid_only=True, clock=later_clock)
    assert [i.line for i in valid_only.imported] == [3] and saved_posts(studio) == 1


@pytest.mark.parametrize("name", ["posts.csv", "posts-excel.csv"])
def test_the_example_files_import_cleanly(studio: AppContext, name: str) -> None:
    with studio.session() as s:
        add_slot(s, 1, 4, time(10, 0), "Europe/Paris")  # the last example row uses the queue
    plan = parse_csv(studio, EXAMPLES / name, clock=NOW)
    assert plan.delimiter == ("," if name == "posts.csv" else ";")
    assert plan.invalid == [], [(r.line, r.errors) for r in plan.invalid]
    assert [r.line for r in plan.rows] == [2, 3, 5, 6, 7]  # row 2's text spans two lines
    result = apply_import(studio, plan, clock=NOW)
    assert result.ok and len(result.imported) == 5


# --- saving in batches held for the job, released at once ---------------------------------------------


def _many(folder: Path, n: int, *, bad_line_at: int | None = None) -> Path:
    rows = []
    for i in range(n):
        when = "2027-01-01 09:00" if i == bad_line_at else f"2027-03-01 {9 + i // 60 % 10:02d}:{i % 60:02d}"
        rows.append(f"Post {i},studio.bsky.social | @studio@mastodon.social,{when},,,,\n")
    return write(folder, "".join(rows), name=f"many-{n}.csv")


def test_rows_are_saved_in_batches_invisible_until_released_at_once(studio: AppContext, tmp_path: Path) -> None:
    from desktop.store.models import Variant, VariantState

    plan = parse_csv(studio, _many(tmp_path, 23), clock=NOW)
    seen: list[tuple[int, int, int, set[str]]] = []

    def progress(saved: int, total: int) -> None:
        with studio.session() as s:
            states = {v.value for v in s.scalars(select(Variant.state))}
            seen.append((saved, total, saved_posts(studio), states))
        assert posts.list_posts(studio) == []  # lists never show a running import's rows

    result = apply_import(studio, plan, clock=NOW, progress=progress, batch_rows=5)
    assert result.ok and len(result.imported) == 23
    assert [s[:3] for s in seen] == [(0, 23, 0), (5, 23, 5), (10, 23, 10), (15, 23, 15), (20, 23, 20), (23, 23, 23)]
    assert all(s[3] <= {"importing"} for s in seen)  # committed per batch, but held
    with studio.session() as s:
        assert {v.state for v in s.scalars(select(Variant))} == {VariantState.SCHEDULED}
        assert s.scalar(select(func.count()).where(Post.import_job.is_not(None))) == 0
    listed = {p.id: p for p in posts.list_posts(studio)}
    for row in result.imported:  # the result is built without re-reading each post, and matches
        assert row.post.to_json() == {**listed[row.post.id].to_json(), "created_at": row.post.to_json()["created_at"]}


def test_a_row_refused_at_save_time_takes_back_the_whole_import(studio: AppContext, tmp_path: Path) -> None:
    plan = parse_csv(studio, _many(tmp_path, 12), clock=NOW)
    later = datetime(2027, 3, 1, 8, 7, tzinfo=UTC)  # 09:07 in Paris: rows 0-5 are now in the past
    result = apply_import(studio, plan, clock=later, batch_rows=4)
    assert not result.imported and [line for line, _ in result.rejected] == [2]
    assert saved_posts(studio) == 0


def test_valid_only_skips_a_row_refused_at_save_time_and_keeps_the_rest(studio: AppContext, tmp_path: Path) -> None:
    plan = parse_csv(studio, _many(tmp_path, 12), clock=NOW)
    later = datetime(2027, 3, 1, 8, 2, 30, tzinfo=UTC)  # 09:02:30 Paris: rows 0, 1 (lines 2, 3) passed
    result = apply_import(studio, plan, clock=later, valid_only=True, batch_rows=5)
    assert [line for line, _ in result.rejected] == [2, 3]
    assert "in the past" in result.rejected[0][1][0]
    assert len(result.imported) == 10 and saved_posts(studio) == 10


def test_a_crash_or_cancel_midway_leaves_nothing_and_never_touches_other_posts(
    studio: AppContext, tmp_path: Path
) -> None:
    from desktop.services.csv_import import ImportCancelled

    live = posts.schedule_post(studio, account_ids=[1], text="Already here", at=NOW, clock=NOW)
    plan = parse_csv(studio, _many(tmp_path, 20), clock=NOW)
    with pytest.raises(ImportCancelled):
        apply_import(studio, plan, clock=NOW, batch_rows=5, cancelled=lambda: saved_posts(studio) >= 6)
    assert [p.id for p in posts.list_posts(studio)] == [live.id]

    def boom(saved: int, total: int) -> None:
        if saved >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_import(studio, plan, clock=NOW, batch_rows=5, progress=boom)
    assert [p.id for p in posts.list_posts(studio)] == [live.id]


def test_a_killed_imports_rows_are_discarded_at_a_later_start(studio: AppContext, tmp_path: Path) -> None:
    from desktop.services.csv_import import discard_abandoned_imports

    plan = parse_csv(studio, _many(tmp_path, 6), clock=NOW)
    # A SIGKILL after the first batch: its rows are committed, held for the job, never released.
    from desktop.services.csv_import import _Saver

    saver = _Saver.start(studio, "deadbeef" * 4, "UTC", NOW)
    saver.save_batch(plan.valid[:3])
    assert saved_posts(studio) == 3 and posts.list_posts(studio) == []
    assert discard_abandoned_imports(studio) == 0  # maybe still running: left alone
    assert discard_abandoned_imports(studio, clock=datetime.now(UTC) + timedelta(hours=2)) == 3
    assert saved_posts(studio) == 0


def test_a_busy_database_is_one_retryable_sentence(studio: AppContext, tmp_path: Path) -> None:
    import sqlite3

    from desktop.services.csv_import import ImportFailed

    plan = parse_csv(studio, _many(tmp_path, 3), clock=NOW)
    db = sqlite3.connect(studio.data_dir / "campaign-desk.db", timeout=0)
    db.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
    studio.db.engine.dispose()
    from sqlalchemy import event

    @event.listens_for(studio.db.engine, "connect")
    def short_timeout(conn: object, _record: object) -> None:
        conn.execute("PRAGMA busy_timeout=200")  # type: ignore[attr-defined]

    try:
        with pytest.raises(ImportFailed) as failed:
            apply_import(studio, plan, clock=NOW)
    finally:
        db.rollback()
        db.close()
    assert failed.value.retryable
    message = str(failed.value)
    assert message.startswith("Nothing was imported: The database is busy") and "\n" not in message
    assert "INSERT" not in message and "SELECT" not in message and "?" not in message
    assert saved_posts(studio) == 0
