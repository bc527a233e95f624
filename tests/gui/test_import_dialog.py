"""Import CSV…: the preview marks every bad row before anything is saved, then imports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.services import app_settings, campaigns, posts
from desktop.services.context import AppContext
from desktop.services.csv_import import ImportResult
from desktop.store.models import Account
from desktop.ui import theme
from desktop.ui.importing import ImportDialog, ImportPreviewModel
from desktop.ui.tasks import TaskRunner

SOON = (datetime.now(UTC) + timedelta(days=4)).replace(hour=9, minute=30, second=0, microsecond=0)


def _at(hours: int) -> str:
    return (SOON + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")


GOOD = (
    "text,accounts,time,campaign,link\n"
    f'"Spring launch is three weeks away.\nSave the date!",@studio@mastodon.social,{_at(0)},Spring launch,'
    "https://example.com/spring\n"
    f"Behind the scenes at the studio,studio.bsky.social | @studio@mastodon.social,{_at(3)},Spring launch,\n"
    f"Early-bird prices end on Friday,studio.bsky.social,{_at(26)},,https://example.com/early\n"
)
BAD = (
    "text;accounts;time;media;campaign\n"
    f"Spring launch is three weeks away;@studio@mastodon.social;{_at(0)};;Spring launch\n"
    f"{'Far too long for Bluesky. ' * 14};studio.bsky.social;{_at(2)};;\n"
    f"Who is this?;@someone@elsewhere.social;{_at(4)};;\n"
    "Last year's news;studio.bsky.social;2020-01-10 09:00;;\n"
    f'"Two photos\nof the team";studio.bsky.social;{_at(6)};team.jpg|office.jpg;Autumn\n'
    f"See you next week;@studio@mastodon.social;next monday;;\n"
)


@pytest.fixture
def studio(ctx: AppContext) -> AppContext:
    with ctx.session() as s:
        s.add(Account(provider="mastodon", remote_id="1", handle="@studio@mastodon.social", server_url="https://m.s"))
        s.add(Account(provider="bluesky", remote_id="did:plc:1", handle="studio.bsky.social", server_url="https://b"))
    campaigns.add_campaign(ctx, "Spring launch")
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")
    return ctx


@pytest.fixture(params=["light", "dark"])
def appearance(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    colors = theme.DARK if request.param == "dark" else theme.LIGHT
    qapp.setStyle("Fusion")
    qapp.setPalette(theme._palette(colors))
    qapp.setStyleSheet(theme.stylesheet(colors))
    yield request.param
    theme.apply(qapp)


def _dialog(qtbot: QtBot, ctx: AppContext) -> ImportDialog:
    runner = TaskRunner()
    dialog = ImportDialog(ctx, runner)
    qtbot.addWidget(dialog)
    dialog.resize(1080, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _load(qtbot: QtBot, dialog: ImportDialog, path: Path) -> None:
    dialog.load(path)
    qtbot.waitUntil(lambda: dialog.runner.pending() == 0, timeout=10_000)


def test_before_a_file_is_chosen_it_says_what_to_do(
    qtbot: QtBot, studio: AppContext, appearance: str, screenshot_dir: Path
) -> None:
    dialog = _dialog(qtbot, studio)
    assert dialog.stack.currentWidget() is dialog.empty
    assert dialog.empty.title.text() == "Choose a CSV file to import"
    assert not dialog.import_button.isEnabled() and dialog.import_button.text() == "Import"
    dialog.grab().save(str(screenshot_dir / f"dialog-import-empty-{appearance}.png"))


def test_a_good_file_previews_every_row_and_imports(
    qtbot: QtBot, studio: AppContext, tmp_path: Path, appearance: str, screenshot_dir: Path
) -> None:
    (tmp_path / "week.csv").write_text(GOOD, encoding="utf-8")
    dialog = _dialog(qtbot, studio)
    _load(qtbot, dialog, tmp_path / "week.csv")

    model = dialog.model
    assert [r.line for r in model.rows()] == [2, 4, 5]
    assert dialog.summary.text() == "3 rows, all ready to import"
    assert not dialog.valid_only.isVisible()
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "Import 3 posts"
    accounts = model.index(1, ImportPreviewModel.ACCOUNTS).data()
    assert accounts == "studio.bsky.social, @studio@mastodon.social"
    when = model.index(0, ImportPreviewModel.WHEN).data()
    assert when == f"{SOON:%a %d %b %Y}, 09:30"  # shown in the user's zone, as typed
    text = model.index(0, ImportPreviewModel.TEXT)
    assert text.data() == "Spring launch is three weeks away. Save the…"  # one line, shortened
    assert text.data(Qt.ItemDataRole.ToolTipRole) == "Spring launch is three weeks away.\nSave the date!"
    dialog.grab().save(str(screenshot_dir / f"dialog-import-ready-{appearance}.png"))

    with qtbot.waitSignal(dialog.imported, timeout=10_000) as signal:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    result: ImportResult = signal.args[0]
    assert result.ok and [i.line for i in result.imported] == [2, 4, 5]
    assert [len(i.post.variants) for i in result.imported] == [1, 2, 1]
    assert len(posts.list_posts(studio)) == 3
    assert not dialog.isVisible()


def test_bad_rows_are_tinted_with_their_reasons_and_block_the_import(
    qtbot: QtBot, studio: AppContext, tmp_path: Path, appearance: str, screenshot_dir: Path
) -> None:
    (tmp_path / "excel.csv").write_bytes(b"\xef\xbb\xbf" + BAD.encode("utf-8"))
    dialog = _dialog(qtbot, studio)
    _load(qtbot, dialog, tmp_path / "excel.csv")

    model = dialog.model
    assert dialog.summary.text() == "6 rows: 1 ready, 5 with problems"
    problems = {r.line: model.index(i, ImportPreviewModel.PROBLEMS).data() for i, r in enumerate(model.rows())}
    assert problems[2] == ""
    assert problems[3].startswith("text too long for Bluesky (studio.bsky.social): 364 of 300 characters")
    assert problems[4] == "unknown account '@someone@elsewhere.social'"
    assert problems[5].startswith("time 2020-01-10 09:00 (CET) is in the past")
    assert "missing file 'team.jpg'" in problems[6] and "unknown campaign 'Autumn'" in problems[6]
    assert problems[8].startswith("bad date format 'next monday'")  # line 6-7 is the quoted newline
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    tint = model.index(2, ImportPreviewModel.TEXT).data(Qt.ItemDataRole.BackgroundRole)
    assert tint is not None and tint.red() > tint.green()
    tooltip = model.index(2, ImportPreviewModel.LINE).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "Line 4:\n• unknown account '@someone@elsewhere.social'"

    assert dialog.valid_only.isVisible() and not dialog.valid_only.isChecked()
    assert dialog.valid_only.text() == "Import valid rows only (skip 5 rows with problems)"
    assert not dialog.import_button.isEnabled()
    dialog.grab().save(str(screenshot_dir / f"dialog-import-problems-{appearance}.png"))

    qtbot.mouseClick(dialog.valid_only, Qt.MouseButton.LeftButton)
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "Import 1 post"
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as signal:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    result: ImportResult = signal.args[0]
    assert [i.line for i in result.imported] == [2]
    assert [line for line, _ in result.rejected] == [3, 4, 5, 6, 8]
    assert [p.text for p in posts.list_posts(studio)] == ["Spring launch is three weeks away"]


def test_a_file_that_is_not_utf8_explains_how_to_save_it(qtbot: QtBot, studio: AppContext, tmp_path: Path) -> None:
    (tmp_path / "latin1.csv").write_bytes("text,accounts\nCafé,1\n".encode("latin-1"))
    dialog = _dialog(qtbot, studio)
    _load(qtbot, dialog, tmp_path / "latin1.csv")
    assert dialog.summary.text() == "This file cannot be imported."
    assert "not UTF-8" in dialog.message.text() and "CSV UTF-8" in dialog.message.text()
    assert dialog.stack.currentWidget() is dialog.empty and not dialog.import_button.isEnabled()


def _many(n: int) -> str:
    rows = "".join(f"Post {i},studio.bsky.social,{(SOON + timedelta(minutes=i)):%Y-%m-%d %H:%M},,\n" for i in range(n))
    return "text,accounts,time,campaign,link\n" + rows


def test_a_big_import_shows_its_progress_and_saves_in_batches(
    qtbot: QtBot, studio: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.services import csv_import

    monkeypatch.setattr(
        csv_import.apply_import, "__kwdefaults__", {**csv_import.apply_import.__kwdefaults__, "batch_rows": 10}
    )
    (tmp_path / "many.csv").write_text(_many(45), encoding="utf-8")
    dialog = _dialog(qtbot, studio)
    _load(qtbot, dialog, tmp_path / "many.csv")
    seen: list[tuple[int, int]] = []
    dialog.progressed.connect(lambda saved, total: seen.append((saved, total)))
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert seen[0] == (0, 45) and seen[-1] == (45, 45)
    assert [s for s, _ in seen] == [0, 10, 20, 30, 40, 45]  # determinate: rows saved of the total
    assert dialog.progress.maximum() == 45
    assert len(posts.list_posts(studio)) == 45


def test_cancel_during_an_import_takes_back_what_was_saved(
    qtbot: QtBot, studio: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from desktop.services import csv_import
    from desktop.ui.importing import dialog as dialog_module

    monkeypatch.setattr(
        csv_import.apply_import, "__kwdefaults__", {**csv_import.apply_import.__kwdefaults__, "batch_rows": 5}
    )
    real_apply = csv_import.apply_import

    def slow_apply(*args, progress, cancelled, **kw):  # type: ignore[no-untyped-def]
        # a slow disk: after each batch the import waits (up to 10 s) until the user has cancelled,
        # so the worker cannot finish before the GUI thread sees its first progress report
        def report(saved: int, total: int) -> None:
            progress(saved, total)
            deadline = threading.Event()
            for _ in range(200):
                if cancelled():
                    return
                deadline.wait(0.05)

        return real_apply(*args, progress=report, cancelled=cancelled, **kw)

    monkeypatch.setattr(dialog_module, "apply_import", slow_apply)
    (tmp_path / "many.csv").write_text(_many(40), encoding="utf-8")
    dialog = _dialog(qtbot, studio)
    _load(qtbot, dialog, tmp_path / "many.csv")

    def cancel_after_first_batch(saved: int, total: int) -> None:
        if saved >= 5:
            dialog.reject()  # the Cancel button, Esc or the window's close box

    dialog.progressed.connect(cancel_after_first_batch)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.runner.pending() == 0, timeout=20_000)
    assert dialog.isVisible()  # it stays to say what happened
    assert dialog.summary.text() == "Import cancelled; nothing was imported."
    assert posts.list_posts(studio) == []
    assert dialog.import_button.isEnabled()  # the user may try again


def test_media_outside_the_files_folder_needs_the_checkbox(qtbot: QtBot, studio: AppContext, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "pic.png").write_bytes(PNG_1x1)
    folder = tmp_path / "sheet"
    folder.mkdir()
    (folder / "week.csv").write_text(
        f"text,accounts,time,media,alt text\nHi,studio.bsky.social,{_at(0)},{outside / 'pic.png'},A dot\n",
        encoding="utf-8",
    )
    dialog = _dialog(qtbot, studio)
    _load(qtbot, dialog, folder / "week.csv")
    (row,) = dialog.model.rows()
    assert "outside the CSV file's folder" in row.errors[0]
    dialog.media_anywhere.setChecked(True)  # checks the file again
    qtbot.waitUntil(lambda: dialog.runner.pending() == 0 and dialog.plan is not None, timeout=10_000)
    (row,) = dialog.model.rows()
    assert row.ok, row.errors


PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5b2c9cb0000000049454e44ae426082"
)
