"""The composer's controller without any widget: it counts and checks as the user types, says
how saving stands, autosaves only new posts, marks where a text passes the limit, reads times
in the Settings zone; and the composer built on it names that zone, follows a change of it,
marks over-limit text in the editor, and gives every icon-only control a name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QApplication
from pytestqt.qtbot import QtBot

from desktop.services import app_settings, compose
from desktop.services.compose import Target
from desktop.services.context import AppContext
from desktop.ui.changes import changes
from desktop.ui.compose.controller import SHARED, ComposeController
from desktop.ui.compose.editor import utf16_offset
from desktop.ui.compose.recovery import UNSAVED_KEY
from desktop.ui.compose.tabs import tab_names
from desktop.ui.pages.compose import ComposePage
from desktop.ui.tasks import TaskRunner
from providers.base import Limits
from tests.gui.test_composer import add_account, page, ready, select  # noqa: F401 (fixture)

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, 11 UTF-16 units


@pytest.fixture
def controller(qtbot: QtBot, ctx: AppContext) -> Iterator[ComposeController]:
    runner = TaskRunner()
    c = ComposeController(ctx, runner)
    yield c
    runner.cancel_all()
    runner.wait(5000)


def loaded(qtbot: QtBot, c: ComposeController) -> ComposeController:
    with qtbot.waitSignal(c.targets_loaded, timeout=5000):
        c.refresh()
    return c


def test_typing_is_counted_and_checked_and_the_state_is_said(
    qtbot: QtBot, ctx: AppContext, controller: ComposeController
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    masto = add_account(ctx, "mastodon", "brand@example.social", "Brand", limit=500)
    c = loaded(qtbot, controller)
    c.set_accounts([sky, masto])
    with qtbot.waitSignal(c.counts_changed) as counted:
        c.set_parts(SHARED, ["x" * 320])
    assert {a: [n.length for n in per] for a, per in counted.args[0].items()} == {sky: [320], masto: [320]}
    assert c.dirty and c.save_state() == "Not saved yet"
    with qtbot.waitSignal(c.problems_changed, timeout=2000) as checked:
        pass  # the 150 ms validation after typing stops
    assert any("Bluesky @brand.bsky.social" in line and "320 of 300" in line for line in checked.args[0])
    # the strictest network marks where the text goes over; a customised Mastodon text fits
    assert c.over_limit(SHARED) == [300]
    c.set_parts(masto, ["y" * 450])
    assert c.over_limit(masto) == [None]
    assert c.over_limit(SHARED) == [300]  # still posted by Bluesky


def test_a_new_post_is_autosaved_and_a_stored_one_only_copied_for_recovery(
    qtbot: QtBot, ctx: AppContext, controller: ComposeController
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    c = loaded(qtbot, controller)
    c.set_accounts([sky])
    c.autosave_timer.setInterval(10)
    with qtbot.waitSignal(c.saved, timeout=5000) as saved:
        c.set_parts(SHARED, ["First idea"])
    post_id = saved.args[0]
    qtbot.waitUntil(lambda: not c.dirty)
    assert compose.load_post(ctx, post_id).parts == ["First idea"]
    assert c.save_state().startswith("Draft saved ") and c.needs_asking()  # new: autosave only

    c.set_doc(compose.load_post(ctx, post_id), kept=True)
    assert not c.needs_asking()
    c.set_parts(SHARED, ["First idea, edited"])
    qtbot.waitUntil(lambda: QSettings().value(UNSAVED_KEY) is not None, timeout=3000)
    assert compose.load_post(ctx, post_id).parts == ["First idea"]  # never written silently
    assert c.save_state() == "Unsaved changes" and c.needs_asking()
    with qtbot.waitSignal(c.saved, timeout=5000):
        c.save_draft()
    assert compose.load_post(ctx, post_id).parts == ["First idea, edited"]
    assert not c.needs_asking() and QSettings().value(UNSAVED_KEY) is None


def test_times_are_read_in_the_settings_zone(qtbot: QtBot, ctx: AppContext, controller: ComposeController) -> None:
    app_settings.put(ctx, app_settings.TIMEZONE, "Asia/Tokyo")
    c = loaded(qtbot, controller)
    assert c.zone_name == "Asia/Tokyo"
    with qtbot.waitSignal(c.zone_changed) as told:
        c.set_zone("America/New_York")
    assert told.args == ["America/New York"]


def test_the_schedule_bar_names_the_settings_zone_and_follows_a_change(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    app_settings.put(ctx, app_settings.TIMEZONE, "Europe/Paris")
    composer = ready(qtbot, page)
    bar = composer.bar
    assert bar.zone_label.text() == "Europe/Paris" and bar.zone_label.isVisible()
    assert "Europe/Paris" in bar.when.toolTip()
    at = datetime(2026, 12, 24, 17, 30, tzinfo=UTC)
    bar.set_at(at)
    assert bar.when.dateTime().toString("HH:mm") == "18:30"  # Paris, winter: UTC+1
    assert bar.at() == at

    app_settings.put(ctx, app_settings.TIMEZONE, "America/New_York")
    page.runner.notify(changes(settings=("timezone",)))  # what Settings reports when it saves the zone
    qtbot.waitUntil(lambda: bar.zone_label.text() == "America/New York", timeout=5000)
    assert bar.when.dateTime().toString("HH:mm") == "12:30" and bar.at() == at  # the same moment


def test_text_past_the_limit_is_marked_in_the_editor(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
    screenshot_dir: Path,
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    masto = add_account(ctx, "mastodon", "brand@example.social", "Brand", limit=500)
    composer = ready(qtbot, page)
    select(composer, sky, masto)
    editor = composer.editor.boxes[0].editor
    text = FAMILY + "a" * 299 + "OVER"  # 304 graphemes: the last 4 are past Bluesky's 300
    editor.setPlainText(text)
    start = utf16_offset(text, len(FAMILY) + 299)
    assert editor.over_limit_range() == (start, start + 4)
    QApplication.processEvents()
    assert page.grab().save(str(screenshot_dir / "composer-over-limit.png"))
    composer.select_tab(masto)  # Mastodon's own tab: 304 of 500 fits
    assert composer.editor.boxes[0].editor.over_limit_range() is None
    composer.select_tab(sky)
    assert composer.editor.boxes[0].editor.over_limit_range() == (start, start + 4)
    composer.select_tab(None)
    composer.editor.boxes[0].editor.setPlainText("short")
    assert composer.editor.boxes[0].editor.over_limit_range() is None


def test_every_icon_only_control_has_a_name_and_a_tooltip(
    qtbot: QtBot,
    ctx: AppContext,
    page: ComposePage,  # noqa: F811
) -> None:
    sky = add_account(ctx, "bluesky", "brand.bsky.social", "Brand")
    composer = ready(qtbot, page)
    select(composer, sky)
    composer.editor.add_part("Second part")
    page.resize(700, 548)  # narrow: the toolbar shows icons only
    QApplication.processEvents()
    assert composer.toolbar.icons_only()
    icon_only = [b for b in composer.findChildren(QAbstractButton) if b.isVisible() and not b.text().strip()]
    for button in [*icon_only, *composer.toolbar.buttons()]:
        assert button.accessibleName(), button
        assert button.toolTip(), button.accessibleName()
    assert composer.toolbar.emoji_button.accessibleName() == "Emoji"
    assert composer.toolbar.snippet_button.accessibleName() == "Snippets"


def test_account_tabs_have_short_names_that_stay_distinct() -> None:
    def target(account_id: int, network: str, name: str, handle: str) -> Target:
        return Target(account_id, network, name, handle, handle, Limits(max_chars=500), True, True)

    sky = target(1, "bluesky", "Bluesky", "acme.bsky.social")
    masto = target(2, "mastodon", "Mastodon", "@acme@mastodon.social")
    trails = target(3, "mastodon", "Mastodon", "@trails@hachyderm.io")
    other = target(4, "mastodon", "Mastodon", "@acme@hachyderm.io")
    assert tab_names([trails]) == ["trails"]
    assert tab_names([sky, masto, trails]) == ["acme · Bluesky", "acme · Mastodon", "trails"]
    assert tab_names([masto, other]) == ["acme@mastodon", "acme@hachyderm"]
