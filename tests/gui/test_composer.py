"""The composer: typing is counted per network as you go, variants are marked and reset,
media come by dialog, drop and paste with alt text, threads split at the limit, drafts are
never lost, and Ctrl+Enter schedules (or says why it will not)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import regex
from PySide6.QtCore import QEvent, QMimeData, QModelIndex, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage, QKeyEvent, QPainter
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.services import compose, posts, snippets
from desktop.services.context import AppContext
from desktop.store.models import Account
from desktop.ui import theme
from desktop.ui.compose import style
from desktop.ui.compose.composer import Composer
from desktop.ui.pages.compose import ComposePage
from desktop.ui.tasks import TaskRunner
from providers.base import Limits
from tests.servers.mastodon import MastodonAccount, MastodonMockServer, connect_mastodon

FAMILY = "👨‍👩‍👧‍👦"


def add_account(ctx: AppContext, network: str, handle: str, name: str, limit: int | None = None) -> int:
    """An account row with no secrets: enough to count, check and preview against."""
    with ctx.session() as s:
        a = Account(
            provider=network,
            remote_id=handle,
            handle=handle,
            display_name=name,
            server_url="https://example.social" if network == "mastodon" else "",
            limits=Limits(max_chars=limit, url_length=23, max_parts=25).to_json() if limit else None,
        )
        s.add(a)
        s.flush()
        return a.id


def picture(path: Path, color: str, width: int = 640, height: int = 400) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    p = QPainter(image)
    p.fillRect(width // 4, height // 4, width // 2, height // 2, QColor("#ffffff"))
    p.end()
    assert image.save(str(path))
    return path


@pytest.fixture
def page(qtbot: QtBot, qapp: QApplication, ctx: AppContext) -> Iterator[ComposePage]:
    theme.apply(qapp)
    runner = TaskRunner()
    page = ComposePage(ctx, runner)
    qtbot.addWidget(page)
    page.resize(1240, 800)
    page.show()
    yield page
    runner.cancel_all()
    runner.wait(5000)


def ready(qtbot: QtBot, page: ComposePage) -> Composer:
    page.refresh()
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.composer and bool(page.composer.targets), timeout=5000)
    settle(qtbot, page.composer)
    return page.composer


def settle(qtbot: QtBot, composer: Composer) -> None:
    qtbot.waitUntil(lambda: composer.runner.pending() == 0, timeout=10_000)


def select(composer: Composer, *account_ids: int) -> None:
    for a in account_ids:
        composer.chips.chips[a].setChecked(True)


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type ``text`` key by key. QTest cannot click characters outside the BMP (it aborts on a
    surrogate), so an emoji arrives as one key event carrying the whole cluster, as an input
    method or the OS emoji picker sends it."""
    for cluster in regex.findall(r"\X", text):
        if cluster.isascii():
            qtbot.keyClicks(widget, cluster)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, cluster))


def counters(composer: Composer) -> str:
    return composer.counters.text()


def test_no_accounts_sends_the_user_to_connect_one(qtbot: QtBot, page: ComposePage) -> None:
    page.refresh()
    qtbot.waitUntil(lambda: page.runner.pending() == 0)
    assert page.stack.currentWidget() is page.no_accounts
    assert page.no_accounts.title.text() == "No accounts yet"
    with qtbot.waitSignal(page.navigate) as nav:
        page.no_accounts.action.click()
    assert nav.args == ["accounts"]


def test_typing_is_counted_per_network_and_turns_amber_then_red(
    qtbot: QtBot, ctx: AppContext, page: ComposePage
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    masto = add_account(ctx, "mastodon", "brand@example.social", "Brand", limit=500)
    composer = ready(qtbot, page)
    select(composer, sky, masto)
    editor = composer.editor.boxes[0].editor
    type_text(qtbot, editor, f"Hi {FAMILY}🇫🇷 https://example.com/some/long/path/here")
    assert editor.toPlainText() == f"Hi {FAMILY}🇫🇷 https://example.com/some/long/path/here"
    # graphemes, with the long link shortened as Bluesky shows it: "example.com/some/long/pat..."
    assert "Bluesky 33/300" in counters(composer)
    assert "Mastodon 29/500" in counters(composer)  # the link counts 23
    normal = style.level_color("ok", composer)
    assert normal in counters(composer)

    editor.setPlainText(FAMILY * 268)
    qtbot.keyClicks(editor, "ab")  # 270 of 300: amber
    assert style.level_color("warn", composer) in counters(composer)
    assert "Bluesky 270/300" in counters(composer)
    qtbot.keyClicks(editor, "c" * 31)  # 301: red, and scheduling says why
    assert style.level_color("over", composer) in counters(composer)
    qtbot.waitUntil(lambda: "301 of 300 characters" in composer.bar.schedule.toolTip(), timeout=2000)
    assert not composer.bar.schedule.isEnabled()
    assert "Bluesky @brand.bsky.social" in composer.problems_label.text()


def test_a_variant_is_marked_when_it_differs_and_can_be_reset(qtbot: QtBot, ctx: AppContext, page: ComposePage) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    masto = add_account(ctx, "mastodon", "brand@example.social", "Brand", limit=500)
    composer = ready(qtbot, page)
    select(composer, sky, masto)
    qtbot.keyClicks(composer.editor.boxes[0].editor, "Shared words")
    composer.select_tab(sky)
    assert composer.editor.parts() == ["Shared words"] and not composer.tab_is_marked(sky)
    assert not composer.reset_button.isVisible()
    qtbot.keyClicks(composer.editor.boxes[0].editor, " for Bluesky")
    assert composer.tab_is_marked(sky) and not composer.tab_is_marked(masto)
    assert composer.doc.parts_for(sky) == ["Shared words for Bluesky"]
    assert composer.reset_button.isVisible()
    qtbot.waitUntil(
        lambda: (
            bool(composer.preview.cards)
            and composer.preview.cards[0].text.text().startswith("Shared words for Bluesky")
        )
    )
    qtbot.mouseClick(composer.reset_button, Qt.MouseButton.LeftButton)
    assert not composer.tab_is_marked(sky)
    assert composer.editor.parts() == ["Shared words"] and composer.doc.overrides == {}


def test_media_by_dialog_drop_and_paste_with_alt_text_and_reordering(
    qtbot: QtBot, ctx: AppContext, page: ComposePage, tmp_path: Path
) -> None:
    masto = add_account(ctx, "mastodon", "brand@example.social", "Brand", limit=500)
    composer = ready(qtbot, page)
    select(composer, masto)
    composer.add_media_files([picture(tmp_path / "first.png", "#4f6bed")])  # what the file dialog calls
    qtbot.waitUntil(lambda: composer.media_model.rowCount() == 1, timeout=5000)

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture(tmp_path / "dropped.png", "#e8590c")))])
    viewport = composer.editor.boxes[0].editor.viewport()
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)  # QPoint: C++'s type
    QApplication.sendEvent(viewport, enter)  # Qt delivers a drop only where the drag entered
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys))
    qtbot.waitUntil(lambda: composer.media_model.rowCount() == 2, timeout=5000)

    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#2b8a3e"))
    QApplication.clipboard().setImage(image)
    composer.editor.boxes[0].editor.paste()
    qtbot.waitUntil(lambda: composer.media_model.rowCount() == 3, timeout=5000)
    assert composer.editor.parts() == [""]  # files and images are attached, not typed in

    rows = composer.media_rows()
    assert [r.name for r in rows[:2]] == ["first.png", "dropped.png"] and rows[2].mime == "image/png"
    assert all(r.path.is_relative_to(ctx.data_dir) for r in rows)  # copied into the data dir

    dialog = composer.edit_alt(0)
    dialog.editor.setPlainText("Blue square with a white centre")
    dialog.accept()
    assert composer.doc.media[0].alt_text == "Blue square with a white centre"
    # drag the first to the end: what the list view asks of its model on an internal move
    assert composer.media_model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)
    assert [r.name for r in composer.doc.media][:2] == ["dropped.png", rows[2].name]
    assert composer.doc.media[2].alt_text == "Blue square with a white centre"
    composer.remove_media(0)
    assert len(composer.doc.media) == 2
    assert len(composer.preview.cards) == 1


def test_media_a_network_refuses_is_flagged_when_added(
    qtbot: QtBot, ctx: AppContext, page: ComposePage, tmp_path: Path
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    composer = ready(qtbot, page)
    select(composer, sky)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    composer.add_media_files([clip])
    qtbot.waitUntil(composer.notice.isVisible, timeout=5000)
    assert "Not added" in composer.notice.text() and "video/mp4" in composer.notice.text()
    assert composer.media_model.rowCount() == 0


def test_split_at_limit_makes_a_thread_and_the_first_comment_is_its_last_reply(
    qtbot: QtBot, ctx: AppContext, page: ComposePage
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    composer = ready(qtbot, page)
    select(composer, sky)
    sentence = "Our spring planner ships today with shared calendars and approvals. "
    composer.editor.boxes[0].editor.setPlainText(sentence * 10)
    composer.split_at_limit()
    parts = composer.editor.parts()
    assert len(parts) == 3 and all(len(p) <= 300 for p in parts)
    assert "".join(parts).replace(" ", "") == (sentence * 10).replace(" ", "")
    composer.toolbar.comment_button.setChecked(True)
    qtbot.keyClicks(composer.comment_box, "Sign up: https://example.com")
    composer.validate_now()
    assert [c.text.text()[:4] for c in composer.preview.cards][-1] == "Sign"
    assert len(composer.preview.cards) == 4


def test_snippets_are_inserted_at_the_cursor(qtbot: QtBot, ctx: AppContext, page: ComposePage) -> None:
    add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    snippets.add_snippet(ctx, "Launch tags", "#launch #spring")
    composer = ready(qtbot, page)
    editor = composer.editor.boxes[0].editor
    qtbot.keyClicks(editor, "New today")
    menu = composer.toolbar.snippet_button.menu()
    action = next(a for a in menu.actions() if a.text().startswith("Launch tags"))
    action.trigger()
    assert editor.toPlainText() == "New today #launch #spring"


def test_unsaved_work_is_saved_as_a_draft_and_restored(qtbot: QtBot, ctx: AppContext, page: ComposePage) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    composer = ready(qtbot, page)
    composer.controller.autosave_timer.setInterval(10)
    type_text(qtbot, composer.editor.boxes[0].editor, "Half-written idea 💡")
    with qtbot.waitSignal(composer.draft_saved, timeout=5000) as saved:
        pass
    post_id = saved.args[0]
    assert compose.load_post(ctx, post_id).parts == ["Half-written idea 💡"]

    again = ComposePage(ctx, TaskRunner())  # the app reopened
    qtbot.addWidget(again)
    again.refresh()
    qtbot.waitUntil(lambda: again.composer.editor.parts() == ["Half-written idea 💡"], timeout=5000)
    assert again.composer.doc.post_id == post_id and again.composer.doc.account_ids == [sky]
    settle(qtbot, again.composer)


def test_work_pending_when_the_page_is_left_is_kept_and_an_opened_post_wins(
    qtbot: QtBot, ctx: AppContext, page: ComposePage
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    other = compose.save_draft(ctx, compose.ComposeDoc(account_ids=[sky], parts=["Older draft"]))
    composer = ready(qtbot, page)
    type_text(qtbot, composer.editor.boxes[0].editor, "Typed just before quitting 🏃")
    page.hide()  # the autosave timer had not fired yet: a recovery copy is written at once
    settle(qtbot, composer)
    again = ComposePage(ctx, TaskRunner())
    qtbot.addWidget(again)
    again.refresh()
    qtbot.waitUntil(lambda: again.composer.editor.parts() == ["Typed just before quitting 🏃"], timeout=5000)
    settle(qtbot, again.composer)

    third = ComposePage(ctx, TaskRunner())  # reopened from the calendar on another post
    qtbot.addWidget(third)
    third.refresh()
    third.open_post(other)
    qtbot.waitUntil(lambda: third.composer.doc.post_id == other, timeout=5000)
    settle(qtbot, third.composer)
    assert third.composer.editor.parts() == ["Older draft"]


@pytest.fixture
def two_mastodons(ctx: AppContext, mastodon: MastodonMockServer) -> list[MastodonAccount]:
    return [connect_mastodon(ctx, mastodon), connect_mastodon(ctx, mastodon)]


def test_ctrl_enter_schedules_every_variant_and_clears(
    qtbot: QtBot, ctx: AppContext, page: ComposePage, two_mastodons: list[MastodonAccount]
) -> None:
    first, second = two_mastodons
    composer = ready(qtbot, page)
    select(composer, first.id, second.id)
    type_text(qtbot, composer.editor.boxes[0].editor, "Spring is here 🌷")
    composer.select_tab(second.id)
    composer.editor.boxes[0].editor.setPlainText("Spring is here, team two 🌷")
    at = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)
    composer.bar.set_at(at)
    composer.validate_now()
    with qtbot.waitSignal(composer.scheduled, timeout=10_000) as done:
        qtbot.keyClick(composer.editor.boxes[0].editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    row = posts.get_post(ctx, done.args[0])
    assert row.status == "scheduled"
    assert {v.account_id: (v.text, v.scheduled_at) for v in row.variants} == {
        first.id: ("Spring is here 🌷", at),
        second.id: ("Spring is here, team two 🌷", at),
    }
    assert composer.editor.parts() == [""] and composer.doc.post_id is None  # cleared for the next post
    assert sorted(composer.doc.account_ids) == sorted([first.id, second.id])  # still selected
    assert composer.toast.isVisible() and "Scheduled" in composer.toast.text()

    # reopened from the calendar: edited in place
    page.open_post(row.id)
    qtbot.waitUntil(lambda: composer.doc.post_id == row.id, timeout=5000)
    assert composer.tab_is_marked(second.id)


def test_scheduling_is_refused_with_the_reason(
    qtbot: QtBot, ctx: AppContext, page: ComposePage, screenshot_dir: Path
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    masto = add_account(ctx, "mastodon", "brand@example.social", "Brand", limit=500)
    composer = ready(qtbot, page)
    select(composer, sky, masto)
    words = "We are hiring! Join the platform team and help small shops reach their customers. " * 4
    composer.editor.boxes[0].editor.setPlainText(words.strip())
    qtbot.keyClick(composer.editor.boxes[0].editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert composer.notice.isVisible() and "Not scheduled yet" in composer.notice.text()
    assert "Split at limit" in composer.notice.text()
    assert "Bluesky @brand.bsky.social: 327 of 300" in composer.problems_label.text()
    assert not composer.bar.schedule.isEnabled() and "27 too many" in composer.bar.schedule.toolTip()
    settle(qtbot, composer)
    QApplication.processEvents()
    assert page.grab().save(str(screenshot_dir / "composer-refused-light.png"))
    assert posts.list_posts(ctx) == []


def _shot(qtbot: QtBot, ctx: AppContext, page: ComposePage, tmp_path: Path) -> Composer:
    sky = add_account(ctx, "bluesky", "acme.bsky.social", "Acme Outdoor")
    masto = add_account(ctx, "mastodon", "acme@mastodon.social", "Acme Outdoor", limit=500)
    other = add_account(ctx, "mastodon", "trails@hachyderm.io", "Acme Trails", limit=500)
    composer = ready(qtbot, page)
    select(composer, sky, masto, other)
    composer.editor.boxes[0].editor.setPlainText(
        "Spring collection is live 🌷 Lightweight shells, trail runners and packs built for long days "
        "outside. Early birds get 20% off this week with code SPRING — see https://acme.example/spring "
        "#hiking #outdoors @trailclub"
    )
    composer.editor.add_part("Every piece is made from recycled nylon, and we plant a tree for each order 🌳")
    composer.add_media_files([picture(tmp_path / "shell.png", "#1098ad"), picture(tmp_path / "pack.png", "#e8590c")])
    qtbot.waitUntil(lambda: len(composer.doc.media) == 2, timeout=5000)
    composer.set_alt(0, "A teal rain shell on a hook")
    composer.select_tab(sky)
    composer.editor.boxes[0].editor.setPlainText(
        "Spring collection is live 🌷 Shells, trail runners and packs for long days outside. "
        "20% off this week: https://acme.example/spring #hiking"
    )
    composer.select_tab(None)
    composer.preview.account.setCurrentIndex(0)
    composer.validate_now()
    QApplication.processEvents()  # let the layouts settle before the picture is taken
    return composer


def test_screenshots_light_and_dark(
    qtbot: QtBot, qapp: QApplication, ctx: AppContext, page: ComposePage, tmp_path: Path, screenshot_dir: Path
) -> None:
    composer = _shot(qtbot, ctx, page, tmp_path)
    assert composer.tab_is_marked(composer.doc.account_ids[0])
    assert page.grab().save(str(screenshot_dir / "composer-light.png"))
    theme.apply(qapp, "dark")  # switched while shown: the composer re-styles itself
    composer.select_tab(composer.doc.account_ids[0])
    settle(qtbot, composer)
    QApplication.processEvents()
    assert composer.styleSheet() == style.stylesheet(theme.DARK)
    assert page.grab().save(str(screenshot_dir / "composer-dark.png"))
