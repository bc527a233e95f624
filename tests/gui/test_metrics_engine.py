"""The in-app metrics engine: passes run off the GUI thread and report by signal."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from desktop.services import posts
from desktop.services.context import AppContext
from desktop.services.metrics import SyncReport
from desktop.services.publisher import Publisher
from desktop.store.models import MetricLatest
from desktop.ui.analytics.engine import MetricsEngine
from tests.servers.mastodon import MastodonMockServer, connect_mastodon


def test_sync_now_runs_off_the_gui_thread_and_reports(
    qtbot: Any, ctx: AppContext, mastodon_server: MastodonMockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = connect_mastodon(ctx, mastodon_server)
    row = posts.schedule_post(ctx, account_ids=[account.id], text="engine", now=True)
    Publisher(ctx).run_once()
    threads: list[threading.Thread] = []
    import desktop.services.metrics as metrics

    real = metrics.sync_metrics

    def spy(*args: Any, **kw: Any) -> SyncReport:
        threads.append(threading.current_thread())
        return real(*args, **kw)

    monkeypatch.setattr(metrics, "sync_metrics", spy)
    engine = MetricsEngine(ctx)
    with qtbot.waitSignal(engine.sync_started, timeout=1000):
        engine.sync_now()
    assert engine.running and engine.manual
    engine.sync_now()  # ignored while one runs
    with qtbot.waitSignal(engine.sync_finished, timeout=60_000) as blocker:
        pass
    report = blocker.args[0]
    assert isinstance(report, SyncReport) and report.manual and report.posts == 1
    assert engine.last_report is report and not engine.running
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    with ctx.session() as s:
        assert s.scalars(select(MetricLatest).where(MetricLatest.variant_id == row.variants[0].id)).all()


def test_a_pass_that_cannot_run_is_reported(qtbot: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    import desktop.services.metrics as metrics

    def broken(*_a: Any, **_k: Any) -> SyncReport:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(metrics, "sync_metrics", broken)
    engine = MetricsEngine(ctx)
    with qtbot.waitSignal(engine.sync_failed, timeout=10_000) as blocker:
        engine.sync_now()
    assert str(blocker.args[0]) == "database is locked" and not engine.running


def test_scheduled_passes_follow_the_timer_and_stop(qtbot: Any, ctx: AppContext) -> None:
    engine = MetricsEngine(ctx, interval_ms=50)
    finished: list[SyncReport] = []
    engine.sync_finished.connect(finished.append)
    engine.start()
    qtbot.waitUntil(lambda: len(finished) >= 2, timeout=10_000)
    assert all(not r.manual for r in finished)  # the timer's passes follow the cadence
    engine.stop()
    assert not engine.timer.isActive()
    engine.wait(5000)


def test_the_main_window_runs_the_engine_and_stops_it_on_quit(qtbot: Any, ctx: AppContext) -> None:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(ctx, start_publishing=True)
    qtbot.addWidget(window)
    engine = window.metrics_engine
    assert isinstance(engine, MetricsEngine) and engine.timer.isActive()
    assert engine.timer.interval() == 15 * 60_000
    window.quit()
    assert not engine.timer.isActive() and not engine.running
