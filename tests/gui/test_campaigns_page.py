"""The Campaigns page: list with goal progress, edit (prefilled), archive with undo, delete with the
consequences in words, keyboard, and screenshots in light and dark."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desktop.services import app_settings, campaigns
from desktop.services.context import AppContext
from desktop.store.models import Account, MetricLatest, Post, Variant, VariantState
from desktop.ui import theme
from desktop.ui.campaigns.campaign_dialog import CampaignDialog
from desktop.ui.campaigns.model import PROGRESS_ROLE, CampaignsModel
from desktop.ui.pages.campaigns import CampaignsPage
from desktop.ui.tasks import TaskRunner
from desktop.ui.widgets.table_model import ROW_ROLE


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots outside the checkout (CAMPAIGN_DESK_SCREENSHOTS, else a temp dir)."""
    where = os.environ.get("CAMPAIGN_DESK_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("campaign-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def light(qapp: QApplication) -> Iterator[None]:
    yield
    qapp.setPalette(theme._palette(theme.LIGHT))
    qapp.setStyleSheet(theme.stylesheet(theme.LIGHT))


def _posts(ctx: AppContext, campaign_id: int, states: list[VariantState], likes: int = 0) -> None:
    with ctx.session() as s:
        account = s.scalar(select(Account).limit(1))
        if account is None:
            account = Account(provider="mastodon", remote_id="1", handle="@shop@m.test", server_url="https://m.test")
            s.add(account)
            s.flush()
        for state in states:
            post = Post(text="Sale https://shop.example/sale", campaign_id=campaign_id)
            s.add(post)
            s.flush()
            variant = Variant(post_id=post.id, account_id=account.id, state=state)
            s.add(variant)
            s.flush()
            if likes and state == VariantState.PUBLISHED:
                s.add(MetricLatest(variant_id=variant.id, account_id=account.id, metric="likes", value=likes))


def _seed(ctx: AppContext) -> dict[str, int]:
    app_settings.put(ctx, app_settings.TIMEZONE, "UTC")
    today = date.today()
    spring = campaigns.add_campaign(
        ctx,
        "Spring launch",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=20),
        goal="More newsletter sign-ups",
        goal_metric="engagements",
        goal_target=2000,
        goal_by=today + timedelta(days=20),
        utm={"source": "social", "campaign": "spring-26"},
        notes="Assets in the shared drive.",
    )
    _posts(ctx, spring.id, [VariantState.PUBLISHED] * 2 + [VariantState.SCHEDULED] * 3, likes=620)
    black = campaigns.add_campaign(
        ctx, "Black Friday", goal_metric="likes", goal_target=500, starts_on=today - timedelta(days=25),
        goal_by=today + timedelta(days=5),
    )  # fmt: skip
    _posts(ctx, black.id, [VariantState.PUBLISHED], likes=40)
    old = campaigns.add_campaign(ctx, "Winter 2025", goal="Clear the stock")
    campaigns.archive_campaign(ctx, old.id)
    plain = campaigns.add_campaign(ctx, "Evergreen tips")
    return {"spring": spring.id, "black": black.id, "old": old.id, "plain": plain.id}


def open_page(qtbot: QtBot, ctx: AppContext) -> CampaignsPage:
    page = CampaignsPage(ctx, TaskRunner())
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.refresh()
    settle(qtbot, page)
    return page


def settle(qtbot: QtBot, page: CampaignsPage) -> None:
    qtbot.waitUntil(lambda: page.runner.pending() == 0, timeout=10000)


def pick(qtbot: QtBot, page: CampaignsPage, campaign_id: int) -> None:
    page._select(campaign_id)
    assert page.selected() is not None and page.selected().id == campaign_id  # type: ignore[union-attr]


def test_model_passes_the_model_tester_and_sorts_on_native_values(qtmodeltester, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    ids = _seed(ctx)
    model = CampaignsModel()
    model.set_rows(campaigns.list_campaigns(ctx, include_archived=True, with_progress=True))
    qtmodeltester.check(model)
    names = {model.index(r, 0).data(ROW_ROLE).id: r for r in range(model.rowCount())}
    spring = names[ids["spring"]]
    assert model.index(spring, CampaignsModel.GOAL).data() == "1,240 / 2,000 engagements"
    fraction, on_track = model.index(spring, CampaignsModel.GOAL).data(PROGRESS_ROLE)
    assert fraction == pytest.approx(0.62) and on_track is True
    assert "on track" in model.index(spring, CampaignsModel.GOAL).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(spring, CampaignsModel.POSTS).data() == "5"
    old = names[ids["old"]]
    assert model.index(old, CampaignsModel.NAME).data() == "Winter 2025 (archived)"
    assert model.index(old, CampaignsModel.GOAL).data() == "Clear the stock"
    assert model.index(old, CampaignsModel.GOAL).data(PROGRESS_ROLE) is None
    assert model.index(names[ids["plain"]], CampaignsModel.GOAL).data() == "—"


def test_list_hides_archived_until_asked_and_archive_can_be_undone(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _seed(ctx)
    page = open_page(qtbot, ctx)
    assert {r.id for r in page.model.rows()} == {ids["spring"], ids["black"], ids["plain"]}
    page.show_archived.setChecked(True)
    settle(qtbot, page)
    assert ids["old"] in {r.id for r in page.model.rows()}
    page.show_archived.setChecked(False)
    settle(qtbot, page)

    pick(qtbot, page, ids["spring"])
    assert page.archive_button.text() == "Archive"
    page.archive_button.click()
    settle(qtbot, page)
    assert ids["spring"] not in {r.id for r in page.model.rows()}
    assert "Archived 'Spring launch': hidden from pickers; its posts still publish" in page.status.text()
    row = campaigns.get_campaign(ctx, ids["spring"])
    assert row is not None and row.archived and row.posts == 5
    page._status_link("undo")
    settle(qtbot, page)
    assert ids["spring"] in {r.id for r in page.model.rows()}
    assert page.selected() is not None and page.selected().id == ids["spring"]  # type: ignore[union-attr]


def test_delete_asks_with_counts_and_keeps_the_posts(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _seed(ctx)
    page = open_page(qtbot, ctx)
    pick(qtbot, page, ids["spring"])
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)  # the Delete key asks, like the button
    qtbot.waitUntil(lambda: page.confirm_box is not None, timeout=5000)
    box = page.confirm_box
    assert box is not None
    assert "Its 5 posts (3 scheduled) stay and lose the campaign." in box.text()
    assert "without this campaign's UTM tags" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    settle(qtbot, page)
    assert campaigns.get_campaign(ctx, ids["spring"]) is not None

    page.delete_button.click()
    qtbot.waitUntil(lambda: page.confirm_box is not None, timeout=5000)
    box = page.confirm_box
    assert box is not None
    (delete,) = [b for b in box.buttons() if b.text() == "Delete campaign"]
    delete.click()
    settle(qtbot, page)
    qtbot.waitUntil(lambda: ids["spring"] not in {r.id for r in page.model.rows()}, timeout=5000)
    assert campaigns.get_campaign(ctx, ids["spring"]) is None
    with ctx.session() as s:
        assert s.scalar(select(Post.id).where(Post.campaign_id.is_(None)).limit(1)) is not None
        assert len(s.scalars(select(Post.id).where(Post.campaign_id.is_(None))).all()) == 5
    assert page.status.text().startswith("Deleted 'Spring launch'. 5 post(s) kept, without a campaign.")


def test_edit_dialog_is_prefilled_and_saves_only_over_what_it_read(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _seed(ctx)
    page = open_page(qtbot, ctx)
    pick(qtbot, page, ids["spring"])
    page.table.setFocus()
    with qtbot.waitSignal(page.open_results, timeout=2000) as results:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter opens its results in Analytics
    assert results.args == [ids["spring"]]
    qtbot.keyClick(page.table, Qt.Key.Key_F2)  # F2 edits
    dialog = page.dialog
    assert isinstance(dialog, CampaignDialog) and dialog.windowTitle() == "Edit campaign"
    assert dialog.name.text() == "Spring launch" and dialog.has_dates.isChecked()
    assert dialog.has_target.isChecked() and dialog.target.value() == 2000
    assert dialog.metric_picker.currentData() == "engagements" and dialog.has_by.isChecked()
    assert dialog.notes.toPlainText() == "Assets in the shared drive."
    assert dialog.utm["campaign"].text() == "spring-26"
    assert dialog.progress.text().startswith("Now: 1,240 of 2,000 engagements")
    assert dialog.create_button.text() == "Save changes"
    assert "utm_source=social" in dialog.example.text() and "utm_campaign=spring-26" in dialog.example.text()

    dialog.target.setValue(3000)
    dialog.metric_picker.setCurrentIndex(dialog.metric_picker.findData("likes"))
    dialog.notes.setPlainText("New brief")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.create_button.click()
    settle(qtbot, page)
    row = campaigns.get_campaign(ctx, ids["spring"])
    assert row is not None and (row.goal_target, row.goal_metric, row.notes) == (3000, "likes", "New brief")
    assert row.utm == {"source": "social", "campaign": "spring-26"} and row.name == "Spring launch"
    assert next(r for r in page.model.rows() if r.id == row.id).goal_target == 3000

    # someone else renames it while this dialog is open: saving says so and overwrites nothing
    pick(qtbot, page, ids["black"])
    dialog = page.edit_selected()
    assert dialog is not None
    campaigns.edit_campaign(ctx, ids["black"], name="Cyber Monday")
    dialog.notes.setPlainText("mine")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert (
        "changed elsewhere while you edited it (it is now named 'Cyber Monday'); nothing was saved"
        in dialog.error.text()
    )
    assert dialog.isVisible() and dialog.create_button.isEnabled()
    current = campaigns.get_campaign(ctx, ids["black"])
    assert current is not None and current.notes == ""
    dialog.reject()


def test_new_dialog_shows_the_tagged_example_and_validates_the_goal_date(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = CampaignDialog(ctx, TaskRunner())
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name, "Summer Sale")
    assert dialog.example.text().replace("\u200b", "") == (
        "https://example.com/page?utm_source=mastodon&utm_medium=social&utm_campaign=summer-sale"
    )
    dialog.has_dates.setChecked(True)
    dialog.has_target.setChecked(True)
    dialog.has_by.setChecked(True)
    dialog.by.setDate(dialog.start.date().addDays(-1))
    assert not dialog.create_button.isEnabled() and "before the campaign starts" in dialog.error.text()
    dialog.by.setDate(dialog.start.date().addDays(10))
    assert dialog.create_button.isEnabled()
    with qtbot.waitSignal(dialog.created, timeout=5000):
        dialog.create_button.click()
    (row,) = campaigns.list_campaigns(ctx)
    assert (row.name, row.goal_metric, row.goal_target) == ("Summer Sale", "engagements", 1000)
    assert row.goal_by == dialog.start.date().toPython() + timedelta(days=10)


def test_a_campaign_with_only_a_start_keeps_it_when_edited(qtbot: QtBot, ctx: AppContext) -> None:
    row = campaigns.add_campaign(ctx, "Open-ended", starts_on=date(2026, 5, 1))
    dialog = CampaignDialog(ctx, TaskRunner(), campaign=row)
    qtbot.addWidget(dialog)
    dialog.goal.setText("Reach")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.create_button.click()
    saved = campaigns.get_campaign(ctx, row.id)
    assert saved is not None and (saved.starts_on, saved.ends_on, saved.goal) == (date(2026, 5, 1), None, "Reach")


def test_screenshots_light_and_dark(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication, shots: Path, light: None
) -> None:
    ids = _seed(ctx)
    page = open_page(qtbot, ctx)
    page.show_archived.setChecked(True)
    settle(qtbot, page)
    pick(qtbot, page, ids["black"])
    for scheme, colors in (("light", theme.LIGHT), ("dark", theme.DARK)):
        qapp.setPalette(theme._palette(colors))
        qapp.setStyleSheet(theme.stylesheet(colors))
        for width, height in ((900, 600), (1280, 800)):
            # the page as it sits in the main window (sidebar ~200 px)
            page.resize(width - 200, height)
            qtbot.wait(50)
            assert page.grab().save(str(shots / f"campaigns-page-{width}x{height}-{scheme}.png"))
        pick(qtbot, page, ids["spring"])
        dialog = page.edit_selected()
        assert dialog is not None
        qtbot.wait(100)
        assert dialog.height() <= 600 and dialog.width() <= 900
        assert dialog.grab().save(str(shots / f"campaign-dialog-{scheme}.png"))
        dialog.reject()
        page.delete_selected()
        qtbot.waitUntil(lambda: page.confirm_box is not None, timeout=5000)
        box = page.confirm_box
        assert box is not None
        qtbot.wait(50)
        assert box.grab().save(str(shots / f"campaign-delete-question-{scheme}.png"))
        box.button(QMessageBox.StandardButton.Cancel).click()
    empty = CampaignsPage(ctx, TaskRunner())
    qtbot.addWidget(empty)
    empty.show_archived.setChecked(False)
    empty._show(([], 0))
    empty.resize(700, 600)
    empty.show()
    qtbot.wait(50)
    assert empty.grab().save(str(shots / "campaigns-empty-900x600-dark.png"))


def test_when_every_campaign_is_archived_the_empty_state_says_so(qtbot: QtBot, ctx: AppContext) -> None:
    first = campaigns.add_campaign(ctx, "Old one")
    campaigns.archive_campaign(ctx, first.id)
    page = open_page(qtbot, ctx)
    assert page.stack.currentWidget() is page.empty and not page.action_bar.isVisible()
    assert page.empty.title.text() == "No active campaigns"
    assert page.empty.body.text().startswith("1 archived campaign is hidden.")
    page.show_archived.setChecked(True)
    settle(qtbot, page)
    assert page.stack.currentWidget() is page.table and page.action_bar.isVisible()
    assert [r.name for r in page.model.rows()] == ["Old one"]


def test_double_click_edits_and_an_archived_row_offers_unarchive(qtbot: QtBot, ctx: AppContext) -> None:
    ids = _seed(ctx)
    page = open_page(qtbot, ctx)
    pick(qtbot, page, ids["plain"])
    index = page.table.currentIndex()
    rect = page.table.visualRect(index)
    # a press first, as a real double-click has (the view only opens what was pressed)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.dialog is not None and page.dialog.name.text() == "Evergreen tips"
    page.dialog.reject()

    page.show_archived.setChecked(True)
    settle(qtbot, page)
    pick(qtbot, page, ids["old"])
    assert page.archive_button.text() == "Unarchive"
    page.archive_button.click()
    settle(qtbot, page)
    row = campaigns.get_campaign(ctx, ids["old"])
    assert row is not None and not row.archived
    assert page.status.text().startswith("'Winter 2025' is back in lists and pickers.")
    assert page.archive_button.text() == "Archive"  # still selected, now active


def test_a_dialog_closed_before_its_background_read_returns_drops_the_result(qtbot: QtBot, ctx: AppContext) -> None:
    _posts(ctx, campaigns.add_campaign(ctx, "Any").id, [])  # an account, so the read has a network to show
    runner = TaskRunner(max_threads=1)
    gate = threading.Event()
    runner.run(gate.wait, on_done=lambda _r: None, on_error=lambda _e: None, name="hold the only thread")
    dialog = CampaignDialog(ctx, runner)  # queues its read of the accounts behind the held thread
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    with qtbot.waitSignal(dialog.destroyed, timeout=5000):
        dialog.reject()
    gate.set()  # now the read runs, for a dialog that is gone
    # pytest-qt fails this test if the result reached the deleted dialog
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=10000)
