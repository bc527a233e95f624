"""``campaign-desk import FILE.csv`` end to end, as a marketer's script would run it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.cli import run_cli
from tests.servers.mastodon import MastodonMockServer

SOON = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
LATER = SOON + timedelta(hours=5)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


@pytest.fixture
def account(mastodon_server: MastodonMockServer, subprocess_env: dict[str, str]) -> dict:
    token = mastodon_server.create_account()
    r = run_cli(
        "accounts", "add", "mastodon", "--instance", mastodon_server.url, "--json", env=subprocess_env, stdin=token
    )
    assert r.code == 0, r.stderr
    return r.json()["account"]


def _posts(env: dict[str, str]) -> list[dict]:
    r = run_cli("posts", "list", "--json", env=env)
    assert r.code == 0, r.stderr
    return r.json()["posts"]


def test_an_excel_csv_imports_every_row(account: dict, subprocess_env: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "week.csv"
    body = (
        "Text;Accounts;Time;Link\r\n"
        f'"Monday news:\nwe open at 9.";{account["handle"]};{_iso(SOON)};\r\n'
        f"Tuesday;{account['id']};{_iso(LATER)};https://example.com/tue\r\n"
    )
    csv.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    r = run_cli("import", str(csv), "--json", env=subprocess_env)
    assert r.code == 0, r.stderr
    report = r.json()
    assert report["ok"] is True and report["dry_run"] is False and report["total"] == 2
    assert report["rejected"] == []
    assert [row["line"] for row in report["imported"]] == [2, 4]
    first, second = report["imported"]
    assert [(v["account_id"], v["state"], v["scheduled_at"]) for v in first["variants"]] == [
        (account["id"], "scheduled", _iso(SOON))
    ]
    listed = {p["id"]: p for p in _posts(subprocess_env)}
    assert set(listed) == {first["post_id"], second["post_id"]}
    assert listed[first["post_id"]]["text"] == "Monday news:\nwe open at 9."


def test_bad_rows_are_listed_by_line_and_nothing_is_saved(
    account: dict, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "text,accounts,time,media\n"
        f"Fine,{account['id']},{_iso(SOON)},\n"
        f"{'x' * 501},{account['id']},{_iso(SOON)},\n"
        f"Ghost,nobody,{_iso(SOON)},\n"
        f"Pic,{account['id']},31/12/2020 09:00,missing.png\n",
        encoding="utf-8",
    )
    r = run_cli("import", str(csv), "--json", env=subprocess_env)
    assert r.code == 1
    report = r.json()
    assert report["ok"] is False and report["imported"] == [] and report["total"] == 4
    rejected = {row["line"]: row["errors"] for row in report["rejected"]}
    assert set(rejected) == {3, 4, 5}
    assert rejected[3] == [f"text too long for Mastodon ({account['handle']}): 501 of 500 characters: 1 too many."]
    assert rejected[4] == ["unknown account 'nobody'"]
    assert any("is in the past" in e for e in rejected[5]) and "missing file 'missing.png'" in rejected[5]
    assert _posts(subprocess_env) == []

    human = run_cli("import", str(csv), env=subprocess_env)
    assert human.code == 1
    assert "LINE" in human.stdout and "unknown account 'nobody'" in human.stdout
    assert "Nothing imported: 3 rows of 4 with problems" in human.stdout
    assert human.stderr.strip() == "campaign-desk import: 3 rows refused (line 3, 4, 5)"


def test_valid_only_imports_the_good_rows_and_still_exits_1(
    account: dict, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "mixed.csv"
    csv.write_text(
        f"message,account,when\nGood one,{account['id']},{_iso(SOON)}\nBad one,nobody,{_iso(SOON)}\n",
        encoding="utf-8",
    )
    r = run_cli("import", str(csv), "--valid-only", "--json", env=subprocess_env)
    assert r.code == 1
    report = r.json()
    assert [row["line"] for row in report["imported"]] == [2]
    assert report["rejected"] == [{"line": 3, "errors": ["unknown account 'nobody'"]}]
    assert [p["id"] for p in _posts(subprocess_env)] == [report["imported"][0]["post_id"]]


def test_dry_run_reports_what_would_happen_and_saves_nothing(
    account: dict, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "plan.csv"
    csv.write_text(f"text,accounts,time\nHello,{account['handle']},{_iso(SOON)}\n", encoding="utf-8")
    r = run_cli("import", str(csv), "--dry-run", "--json", env=subprocess_env)
    assert r.code == 0, r.stderr
    report = r.json()
    assert report["ok"] is True and report["dry_run"] is True
    assert report["imported"] == [
        {
            "line": 2,
            "post_id": None,
            "variants": [
                {
                    "account_id": account["id"],
                    "network": "mastodon",
                    "handle": account["handle"],
                    "scheduled_at": _iso(SOON),
                }
            ],
            "media": [],
        }
    ]
    human = run_cli("import", str(csv), "--dry-run", env=subprocess_env)
    assert human.code == 0 and "1 post would be imported. Nothing saved." in human.stdout
    assert _posts(subprocess_env) == []


def test_a_file_that_is_not_utf8_is_refused_with_how_to_fix_it(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "latin1.csv"
    csv.write_bytes("text,accounts\nCafé,1\n".encode("latin-1"))
    r = run_cli("import", str(csv), "--json", env=subprocess_env)
    assert r.code == 1
    assert "not UTF-8 text: byte 17 (line 2)" in r.json()["error"] and "CSV UTF-8" in r.json()["error"]
    assert r.stderr.count("\n") == 1


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b2c9cb0000000049454e44ae426082"
)


def _stored_media(env: dict[str, str]) -> list[Path]:
    folder = Path(env["CAMPAIGN_DESK_HOME"]) / "media"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize("content", [b"", ELF, b"#!/bin/sh\necho hi\n"], ids=["empty", "elf", "script"])
def test_check_and_schedule_refuse_media_by_content_and_copy_nothing(
    account: dict, subprocess_env: dict[str, str], tmp_path: Path, content: bytes
) -> None:
    fake = tmp_path / "photo.png"
    fake.write_bytes(content)
    checked = run_cli("check", "--network", "mastodon", "--text", "Hi", "--media", str(fake), env=subprocess_env)
    assert checked.code == 1
    assert ("is empty (0 bytes)" if not content else "is not a supported image or video") in checked.stderr
    scheduled = run_cli(
        "schedule",
        "--account",
        str(account["id"]),
        "--text",
        "Hi",
        "--media",
        str(fake),
        "--alt",
        "x",
        "--at",
        _iso(SOON),
        env=subprocess_env,
    )
    assert scheduled.code == 1 and "Traceback" not in scheduled.stderr
    assert _stored_media(subprocess_env) == [] and _posts(subprocess_env) == []


def test_import_media_stays_in_the_csv_folder_and_the_dry_run_lists_it(
    account: dict, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "outside.png").write_bytes(PNG_1x1)
    sheet = tmp_path / "sheet"
    (sheet / "pics").mkdir(parents=True)
    (sheet / "pics" / "dot.png").write_bytes(PNG_1x1)
    csv = sheet / "week.csv"
    csv.write_text(
        f"text,accounts,time,media,alt text\n"
        f"Inside,{account['handle']},{_iso(SOON)},pics/dot.png,A dot\n"
        f"Escape,{account['handle']},{_iso(LATER)},../outside.png,A dot\n"
    )
    r = run_cli("import", str(csv), "--dry-run", "--json", env=subprocess_env)
    assert r.code == 1
    (line,) = r.json()["rejected"]
    assert line["line"] == 3 and "outside the CSV file's folder" in line["errors"][0]
    r = run_cli("import", str(csv), "--dry-run", "--valid-only", "--json", env=subprocess_env)
    (row,) = r.json()["imported"]
    assert row["media"] == [
        {
            "path": str((sheet / "pics" / "dot.png").resolve()),
            "type": "image/png",
            "size": len(PNG_1x1),
            "width": 1,
            "height": 1,
            "alt_text": "A dot",
        }
    ]
    r = run_cli("import", str(csv), "--dry-run", "--allow-media-anywhere", env=subprocess_env)
    assert r.code == 0, r.stderr
    assert "image/png" in r.stdout and "outside.png" in r.stdout
    assert _stored_media(subprocess_env) == []
