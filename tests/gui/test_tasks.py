"""The task runner: owner-bound results, cancel tokens, default error display, change reports."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.changes import ACCOUNTS, POSTS, SETTINGS, Changes, changes
from desktop.ui.tasks import CancelToken, TaskCancelled, TaskRunner


def test_a_result_for_a_destroyed_owner_is_dropped_but_its_change_is_reported(qtbot: QtBot) -> None:
    runner = TaskRunner()
    owner = QWidget()
    started, release = threading.Event(), threading.Event()
    delivered: list[object] = []
    reported: list[Changes] = []
    runner.changed.connect(reported.append)

    def save() -> str:
        started.set()
        release.wait(5)
        return "saved"

    runner.run(save, on_done=delivered.append, owner=owner, changes=changes(POSTS))
    assert started.wait(5)  # (a task cancelled before it starts never runs, so changes nothing)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=2000)
    release.set()
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=5000)
    assert delivered == []  # no callback on a deleted widget
    assert [c.kinds for c in reported] == [frozenset({POSTS})]  # the write happened all the same


def _alive(obj: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_a_token_lets_the_work_stop_before_it_commits(qtbot: QtBot) -> None:
    runner = TaskRunner()
    started, release = threading.Event(), threading.Event()
    steps: list[str] = []

    def work(token: CancelToken) -> str:
        started.set()
        release.wait(5)
        token.check()  # raises: the user pressed Cancel
        steps.append("committed")
        return "done"

    done: list[object] = []
    errors: list[object] = []
    task = runner.run(work, token=True, on_done=done.append, on_error=errors.append)
    assert started.wait(5)
    task.cancel()
    release.set()
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=5000)
    assert steps == [] and done == [] and errors == []


def test_a_failure_without_on_error_is_shown_by_default(qtbot: QtBot) -> None:
    runner = TaskRunner()
    with qtbot.waitSignal(runner.unhandled_error, timeout=5000) as blocker:
        runner.run(lambda: 1 / 0, name="divide")
    name, exc = blocker.args
    assert name == "divide" and isinstance(exc, ZeroDivisionError)


def test_a_cancelled_task_is_not_reported_as_a_failure(qtbot: QtBot) -> None:
    runner = TaskRunner()
    reported: list[object] = []
    runner.unhandled_error.connect(lambda *a: reported.append(a))

    def work(token: CancelToken) -> None:
        raise TaskCancelled("x")

    runner.run(work, token=True)
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=5000)
    assert reported == []


def test_changes_name_their_kinds_and_settings() -> None:
    c = changes(ACCOUNTS) | changes(settings=("close_to_tray",))
    assert c.kinds == {ACCOUNTS, SETTINGS} and c.settings == {"close_to_tray"}
    assert c.touches({SETTINGS}) and not c.touches({POSTS})
    try:
        changes("postz")
    except ValueError as exc:
        assert "postz" in str(exc)
    else:
        raise AssertionError("an unknown kind must be refused")
