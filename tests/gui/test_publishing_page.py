"""Publishing in the open app: passes off the GUI thread, failures shown once with the
network's words, Retry / Cancel, pause, and the attempt log."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.services import app_settings, posts
from desktop.services.context import AppContext
from desktop.ui.main_window import MainWindow
from tests.servers.mastodon import MastodonAccount, MastodonMockServer


def _window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1180, 760)
    window.show()
    window.show_page("publishing")
    return window


def _pass(qtbot: QtBot, window: MainWindow) -> object:
    with qtbot.waitSignal(window.engine.pass_finished, timeout=30_000) as blocker:
        window.engine.run_now()
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=5000)
    return blocker.args[0]


def test_failure_is_shown_once_with_the_networks_words_then_retried(
    qtbot: QtBot, ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer, screenshot_dir: Path
) -> None:
    window = _window(qtbot, ctx)
    page = window.pages["publishing"]
    ok = posts.schedule_post(ctx, account_ids=[masto.id], text="goes out", now=True)
    mastodon.inject_fault(
        path="/api/v1/statuses",
        methods=["POST"],
        status=422,
        body={"error": "Validation failed: Text contains a banned word"},
        count=1,
    )
    bad = posts.schedule_post(ctx, account_ids=[masto.id], text="gets refused", now=True)
    told: list[list] = []
    window.engine.new_failures.connect(told.append)
    shown: list[str] = []  # the status bar's messages (another may follow the failure's)
    window.statusBar().messageChanged.connect(shown.append)
    report = _pass(qtbot, window)
    assert sorted(o.state for o in report.outcomes) == ["failed", "published"]
    (batch,) = told  # one notification for the one failure
    (failure,) = batch
    failed_post = failure.post_id
    assert failed_post in (ok.id, bad.id)  # the fault hits whichever post went first
    qtbot.waitUntil(lambda: page.attention.rowCount() == 1, timeout=5000)
    row = page.attention.row_at(0)
    assert "Validation failed: Text contains a banned word" in row.error
    # no tray offscreen: the status bar carries the notification instead
    assert any("was not published" in m for m in shown)
    qtbot.waitUntil(lambda: window.nav_buttons["publishing"].text().endswith("(1)"), timeout=5000)
    qtbot.waitUntil(lambda: page.log.rowCount() == 2, timeout=5000)
    assert {r.outcome for r in page.log.rows()} == {"published", "failed"}
    window.grab().save(str(screenshot_dir / "publishing-attention.png"))

    _pass(qtbot, window)  # a second pass: nothing new to tell
    assert len(told) == 1

    page.attention_view.selectRow(0)
    assert page.retry_button.isEnabled()
    with qtbot.waitSignal(window.engine.pass_finished, timeout=30_000):
        page.retry_button.click()  # retry runs a pass at once
    qtbot.waitUntil(lambda: page.attention.rowCount() == 0, timeout=10_000)
    assert page.attention_stack.currentWidget() is page.all_clear
    assert posts.get_post(ctx, failed_post).status == "published"
    assert len(masto.statuses()) == 2
    qtbot.waitUntil(lambda: window.nav_buttons["publishing"].text().strip() == "Publishing", timeout=5000)


def test_cancel_a_failed_post(
    qtbot: QtBot, ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    window = _window(qtbot, ctx)
    page = window.pages["publishing"]
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="cancel me", now=True)
    mastodon.inject_fault(path="/api/v1/statuses", methods=["POST"], status=422, body={"error": "nope"}, count=1)
    _pass(qtbot, window)
    qtbot.waitUntil(lambda: page.attention.rowCount() == 1, timeout=5000)
    page.attention_view.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.cancel_button.click()
    qtbot.waitUntil(lambda: page.attention.rowCount() == 0, timeout=5000)
    assert posts.get_post(ctx, row.id).status == "cancelled"


def test_pause_all_publishing(qtbot: QtBot, ctx: AppContext, masto: MastodonAccount) -> None:
    window = _window(qtbot, ctx)
    page = window.pages["publishing"]
    posts.schedule_post(ctx, account_ids=[masto.id], text="held while paused", now=True)
    with qtbot.waitSignal(window.engine.paused_changed, timeout=5000):
        page.pause_button.click()
    assert app_settings.get(ctx, app_settings.PUBLISHING_PAUSED) is True
    assert page.banner.isVisible() and not page.pause_button.isVisible()
    assert window.tray.paused and window.tray.pause_action.text() == "Resume publishing"
    report = _pass(qtbot, window)
    assert report.paused and masto.statuses() == []
    assert "paused" in page.banner.label.text()
    with qtbot.waitSignal(window.engine.paused_changed, timeout=5000):
        page.banner.resume_button.click()
    report = _pass(qtbot, window)
    assert [o.state for o in report.published] == ["published"]


def test_log_filters(qtbot: QtBot, ctx: AppContext, masto: MastodonAccount, mastodon: MastodonMockServer) -> None:
    window = _window(qtbot, ctx)
    page = window.pages["publishing"]
    posts.schedule_post(ctx, account_ids=[masto.id], text="alpha", now=True)
    posts.schedule_post(ctx, account_ids=[masto.id], text="beta", now=True)
    _pass(qtbot, window)
    qtbot.waitUntil(lambda: page.log.rowCount() == 2, timeout=5000)
    qtbot.keyClicks(page.search, "beta")
    qtbot.waitUntil(lambda: page.log.rowCount() == 1, timeout=5000)
    assert page.log.row_at(0).text == "beta"
    page.search.clear()
    page.outcome_filter.setCurrentIndex(page.outcome_filter.findData("failed"))
    qtbot.waitUntil(lambda: page.log.rowCount() == 0, timeout=5000)


def test_closing_with_publishing_running_asks_nothing(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    window.engine.start()
    qtbot.waitUntil(lambda: window.engine.last_pass is not None, timeout=10_000)
    # offscreen there is no tray: the window really closes, and the timer stops
    assert window.close() is True
    assert not window.engine.timer.isActive()


def test_publishing_preferences_are_saved(qtbot: QtBot, ctx: AppContext) -> None:
    window = _window(qtbot, ctx)
    window.show_page("settings")
    prefs = window.pages["settings"].publishing
    qtbot.waitUntil(lambda: prefs.give_up.value() == 6, timeout=5000)  # the default, loaded from the DB
    assert prefs.close_to_tray.isChecked() and not prefs.require_alt.isChecked()
    prefs.require_alt.setChecked(True)
    prefs.give_up.setValue(12)
    qtbot.waitUntil(lambda: window.runner.pending() == 0, timeout=5000)
    from desktop.services.compose import REQUIRE_ALT_TEXT

    assert app_settings.get(ctx, REQUIRE_ALT_TEXT) is True
    assert app_settings.get(ctx, app_settings.GIVE_UP_HOURS) == 12


def test_a_partly_live_thread_says_so_with_its_live_links(
    qtbot: QtBot, ctx: AppContext, masto: MastodonAccount, screenshot_dir: Path
) -> None:
    from PySide6.QtCore import Qt

    from desktop.services import transitions
    from desktop.store.models import VariantState
    from desktop.ui.publishing.models import AttentionModel

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Part one", thread=["Part two"], draft=True)
    live = [{"index": 0, "remote_id": "111", "url": "https://example.social/@ann/111"}]
    with ctx.session() as s:
        transitions.move(
            s,
            row.variants[0].id,
            expected={VariantState.DRAFT},
            to=VariantState.PARTIALLY_LIVE,
            values={"remote_parts": live, "last_error": "Part 1 is live; part 2 of 2 was not sent: refused"},
        )
    window = _window(qtbot, ctx)
    page = window.pages["publishing"]
    qtbot.waitUntil(lambda: page.attention.rowCount() == 1, timeout=10_000)
    problem = page.attention.index(0, AttentionModel.STATE)
    assert problem.data() == "Partly live"
    assert "https://example.social/@ann/111" in problem.data(Qt.ItemDataRole.ToolTipRole)
    assert page.attention.index(0, AttentionModel.ERROR).data().startswith("Part 1 is live")
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.ui import theme
    from desktop.ui.pages.publishing import cancel_question

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        for scheme, colors in (("light", theme.LIGHT), ("dark", theme.DARK)):
            app.setPalette(theme._palette(colors))
            app.setStyleSheet(theme.stylesheet(colors))
            for size in ((900, 600), (1280, 800)):
                window.resize(*size)
                qtbot.wait(50)
                assert window.grab().save(
                    str(screenshot_dir / f"publishing-partly-live-{size[0]}x{size[1]}-{scheme}.png")
                )
            box = QMessageBox(QMessageBox.Icon.Question, "Cancel post", cancel_question(page.attention.row_at(0)))
            box.show()
            qtbot.wait(50)
            assert box.grab().save(str(screenshot_dir / f"publishing-cancel-partly-live-{scheme}.png"))
            box.close()
    finally:
        app.setPalette(theme._palette(theme.LIGHT))
        app.setStyleSheet(theme.stylesheet(theme.LIGHT))


def test_cancelling_a_partly_live_thread_says_what_stays_public() -> None:
    from desktop.services.activity import AttentionRow
    from desktop.ui.pages.publishing import cancel_question

    row = AttentionRow(1, 1, 1, "mastodon", "@ann", "partially_live", None, "refused", "Hi", 1, ("https://x/@ann/1",))
    assert "Part 1 is already public" in cancel_question(row) and "https://x/@ann/1" in cancel_question(row)
    unknown = AttentionRow(2, 2, 1, "mastodon", "@ann", "outcome_unknown", None, "?", "Hi", 1)
    assert "may already be on the network" in cancel_question(unknown)
    plain = AttentionRow(3, 3, 1, "mastodon", "@ann", "failed", None, "x", "Hi", 1)
    assert cancel_question(plain) == "Stop the post to @ann? It will not be sent."


def test_a_post_that_went_out_late_is_announced(qtbot: QtBot, ctx: AppContext, masto: MastodonAccount) -> None:
    from datetime import UTC, datetime, timedelta

    from desktop.services import transitions
    from desktop.store.models import VariantState

    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Slept through it", draft=True)
    with ctx.session() as s:  # due 40 minutes ago, while the computer was asleep
        transitions.move(
            s,
            row.variants[0].id,
            expected={VariantState.DRAFT},
            to=VariantState.SCHEDULED,
            values={"scheduled_at": datetime.now(UTC) - timedelta(minutes=40)},
        )
    window = _window(qtbot, ctx)
    announced: list[list] = []
    window.engine.late_published.connect(announced.append)
    window.tray.notify = lambda title, body, warning=False: False  # type: ignore[method-assign]  # no tray here
    _pass(qtbot, window)
    ((outcome,),) = announced
    assert outcome.late.endswith("late") or "after the computer woke" in outcome.late
    assert window.statusBar().currentMessage().startswith("Posted late to")
