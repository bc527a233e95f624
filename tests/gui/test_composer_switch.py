"""Opening another post never loses or silently saves what is in the composer: it asks
"Save as draft" / "Discard" / "Cancel", and the store holds exactly what the answer says.
Autosave is said on screen ("Draft saved 10:42") and only stores new posts; a stored post's
edits wait for the user."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desktop.services import compose
from desktop.services.context import AppContext
from desktop.store.models import Post
from desktop.ui.compose.composer import Composer
from desktop.ui.compose.leave_dialog import LeaveDialog
from desktop.ui.compose.recovery import UNSAVED_KEY
from desktop.ui.pages.compose import ComposePage
from tests.gui.test_composer import add_account, page, ready, settle, type_text  # noqa: F401 (fixture)


def post_count(ctx: AppContext) -> int:
    with ctx.session() as s:
        return s.scalar(select(func.count()).select_from(Post)) or 0


def stored_text(ctx: AppContext, post_id: int) -> list[str]:
    return compose.load_post(ctx, post_id).parts


def autosaved_new_post(qtbot: QtBot, composer: Composer, text: str) -> int:
    """Type a new post and wait for autosave to store it as a draft."""
    composer.controller.autosave_timer.setInterval(10)
    with qtbot.waitSignal(composer.draft_saved, timeout=5000) as saved:
        type_text(qtbot, composer.editor.boxes[0].editor, text)
    settle(qtbot, composer)
    return int(saved.args[0])


def asked(qtbot: QtBot, composer: Composer) -> LeaveDialog:
    qtbot.waitUntil(lambda: composer.leave_dialog is not None and composer.leave_dialog.isVisible(), timeout=3000)
    assert composer.leave_dialog is not None
    return composer.leave_dialog


def shown(qtbot: QtBot, composer: Composer, post_id: int | None) -> None:
    """Wait until the composer holds ``post_id`` (``None``: a new post)."""
    qtbot.waitUntil(lambda: composer.doc.post_id == post_id, timeout=5000)


def opened_stored_draft(qtbot: QtBot, ctx: AppContext, page: ComposePage) -> tuple[int, int, Composer]:  # noqa: F811
    """A Bluesky account's draft "As stored", open in the page's composer: (account, post, composer)."""
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    first = compose.save_draft(ctx, compose.ComposeDoc(account_ids=[sky], parts=["As stored"]))
    composer = ready(qtbot, page)
    page.open_post(first)
    shown(qtbot, composer, first)
    return sky, first, composer


@dataclass(frozen=True)
class Switch:
    """The page's composer, ready for a Bluesky account, and that account's stored draft
    ("Older draft") to open instead."""

    page: ComposePage
    composer: Composer
    other: int

    def open_other(self) -> None:
        self.page.open_post(self.other)


@pytest.fixture
def switch(qtbot: QtBot, ctx: AppContext, page: ComposePage) -> Switch:  # noqa: F811
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    other = compose.save_draft(ctx, compose.ComposeDoc(account_ids=[sky], parts=["Older draft"]))
    return Switch(page, ready(qtbot, page), other)


def test_nothing_undecided_switches_at_once(qtbot: QtBot, switch: Switch) -> None:
    composer = switch.composer
    switch.open_other()
    shown(qtbot, composer, switch.other)
    assert composer.leave_dialog is None and composer.editor.parts() == ["Older draft"]
    assert composer.bar.save_state.text() == ""  # nothing to say: it is as stored


def test_a_new_autosaved_post_is_said_and_cancel_keeps_it_open(
    qtbot: QtBot, ctx: AppContext, switch: Switch, screenshot_dir: Path
) -> None:
    composer = switch.composer
    new_id = autosaved_new_post(qtbot, composer, "A new idea 💡")
    assert composer.bar.save_state.text().startswith("Draft saved ")  # autosave is said
    assert composer.bar.save_state.isVisible()

    switch.open_other()
    dialog = asked(qtbot, composer)
    assert "new post" in dialog.text() and "Discard” deletes it" in dialog.informativeText()
    assert dialog.discard_button.property("danger") is True
    QApplication.processEvents()
    assert dialog.grab().save(str(screenshot_dir / "composer-ask-new-post.png"))
    dialog.cancel_button.click()
    settle(qtbot, composer)
    assert composer.doc.post_id == new_id and composer.editor.parts() == ["A new idea 💡"]
    assert stored_text(ctx, new_id) == ["A new idea 💡"] and post_count(ctx) == 2


def test_save_as_draft_keeps_the_new_post_then_opens_the_other(qtbot: QtBot, ctx: AppContext, switch: Switch) -> None:
    composer = switch.composer
    new_id = autosaved_new_post(qtbot, composer, "Keep me")
    composer.controller.autosave_timer.setInterval(60_000)  # the last words are not autosaved yet
    type_text(qtbot, composer.editor.boxes[0].editor, " please")
    switch.open_other()
    asked(qtbot, composer).save_button.click()
    shown(qtbot, composer, switch.other)
    assert stored_text(ctx, new_id) == ["Keep me please"]  # saved whole, then switched
    assert composer.editor.parts() == ["Older draft"] and post_count(ctx) == 2


def test_discard_deletes_a_new_post_only_autosave_stored(qtbot: QtBot, ctx: AppContext, switch: Switch) -> None:
    composer = switch.composer
    new_id = autosaved_new_post(qtbot, composer, "Throwaway")
    switch.open_other()
    asked(qtbot, composer).discard_button.click()
    shown(qtbot, composer, switch.other)
    assert post_count(ctx) == 1
    with ctx.session() as s:
        assert s.get(Post, new_id) is None


def test_a_stored_post_is_never_saved_silently_and_discard_keeps_what_was_stored(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    sky, first, composer = opened_stored_draft(qtbot, ctx, page)
    other = compose.save_draft(ctx, compose.ComposeDoc(account_ids=[sky], parts=["Older draft"]))
    composer.controller.autosave_timer.setInterval(10)
    type_text(qtbot, composer.editor.boxes[0].editor, " + edits")
    qtbot.waitUntil(lambda: QSettings().value(UNSAVED_KEY) is not None, timeout=3000)  # a recovery copy only
    settle(qtbot, composer)
    assert stored_text(ctx, first) == ["As stored"]
    assert composer.bar.save_state.text() == "Unsaved changes"

    page.open_post(other)
    dialog = asked(qtbot, composer)
    assert "changes you haven't saved" in dialog.text()
    dialog.discard_button.click()
    shown(qtbot, composer, other)
    assert stored_text(ctx, first) == ["As stored"] and post_count(ctx) == 2
    assert QSettings().value(UNSAVED_KEY) is None  # the recovery copy went with the changes


def test_save_as_draft_stores_a_stored_posts_edits_then_switches(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    sky, first, composer = opened_stored_draft(qtbot, ctx, page)
    type_text(qtbot, composer.editor.boxes[0].editor, " + edits")
    page.new_post()  # the page's "New post" button asks too
    asked(qtbot, composer).save_button.click()
    qtbot.waitUntil(lambda: composer.doc.post_id is None and composer.editor.parts() == [""], timeout=5000)
    assert stored_text(ctx, first) == ["As stored + edits"]
    assert composer.doc.account_ids == [sky]  # same accounts for the next post


def test_request_switch_runs_the_callers_step_only_after_an_answer(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    composer = ready(qtbot, page)
    composer.controller.autosave_timer.setInterval(60_000)
    type_text(qtbot, composer.editor.boxes[0].editor, "Unsaved words")
    ran: list[str] = []
    page.request_switch(lambda: ran.append("navigated"))
    asked(qtbot, composer).cancel_button.click()
    QApplication.processEvents()
    assert ran == [] and post_count(ctx) == 0  # Cancel: nothing saved, nowhere else
    page.request_switch(lambda: ran.append("navigated"))
    asked(qtbot, composer).discard_button.click()
    qtbot.waitUntil(lambda: ran == ["navigated"], timeout=3000)
    assert post_count(ctx) == 0 and composer.editor.parts() == [""]  # dropped, not kept on screen
