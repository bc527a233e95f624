"""One instance per data folder: a second launch brings the running window forward, a dead
owner's lock is taken over, and an owner that does not answer is never mistaken for gone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QLockFile, QSysInfo, Qt
from PySide6.QtNetwork import QLocalServer
from pytestqt.qtbot import QtBot

from desktop.services.context import AppContext
from desktop.ui.main_window import MainWindow
from desktop.ui.single_instance import LOCK_FILENAME, Claim, SingleInstance, server_name

REPO = Path(__file__).resolve().parents[2]

# Holds data dir argv[1] in another process, says which claim it got, and reports each "show".
HOLDER = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from desktop.ui.single_instance import SingleInstance
app = QCoreApplication([])
instance = SingleInstance(Path(sys.argv[1]))
instance.show_requested.connect(lambda: print("shown", flush=True))
print(instance.acquire().value, "listening" if instance.listening else "deaf", flush=True)
app.exec()
"""


@pytest.fixture
def make_instance() -> Iterator[Callable[[Path], SingleInstance]]:
    made: list[SingleInstance] = []

    def make(data_dir: Path) -> SingleInstance:
        instance = SingleInstance(data_dir)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.release()


def test_second_instance_is_refused_and_brings_the_first_forward(
    qtbot: QtBot, tmp_path: Path, make_instance: Callable[[Path], SingleInstance]
) -> None:
    first = make_instance(tmp_path)
    assert first.acquire() is Claim.OURS
    assert first.listening
    assert (tmp_path / LOCK_FILENAME).exists()

    second = make_instance(tmp_path)
    assert second.acquire() is Claim.HELD
    assert not second.listening
    with qtbot.waitSignal(first.show_requested, timeout=3000):
        assert second.ask_owner_to_show() is True
    # asking again works: the owner keeps listening after answering
    with qtbot.waitSignal(first.show_requested, timeout=3000):
        assert second.ask_owner_to_show() is True


def test_another_data_folder_runs_side_by_side(tmp_path: Path, make_instance: Callable[[Path], SingleInstance]) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    one.mkdir()
    other.mkdir()
    assert server_name(one) != server_name(other)
    assert len(server_name(one)) < 40  # macOS caps the whole socket path near 104 bytes
    assert make_instance(one).acquire() is Claim.OURS
    assert make_instance(other).acquire() is Claim.OURS


def test_releasing_lets_a_new_instance_take_over(
    qtbot: QtBot, tmp_path: Path, make_instance: Callable[[Path], SingleInstance]
) -> None:
    first = make_instance(tmp_path)
    assert first.acquire() is Claim.OURS
    first.release()
    assert not (tmp_path / LOCK_FILENAME).exists()
    successor = make_instance(tmp_path)
    assert successor.acquire() is Claim.OURS
    assert successor.listening
    with qtbot.waitSignal(successor.show_requested, timeout=3000):
        assert make_instance(tmp_path).ask_owner_to_show() is True


def test_a_lock_left_by_a_dead_process_is_taken_over(
    tmp_path: Path, make_instance: Callable[[Path], SingleInstance]
) -> None:
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    # QLockFile's own format: pid, app name, host name
    host = QSysInfo.machineHostName()
    (tmp_path / LOCK_FILENAME).write_text(f"{dead_pid.pid}\npython\n{host}\n")
    instance = make_instance(tmp_path)
    assert instance.acquire() is Claim.OURS
    assert instance.listening
    assert (tmp_path / LOCK_FILENAME).read_text().split("\n")[0] == str(os.getpid())


def test_an_owner_that_does_not_answer_is_reported_not_replaced(
    tmp_path: Path, make_instance: Callable[[Path], SingleInstance]
) -> None:
    # a live owner holds the lock but its socket is not there (hung before listening)
    hung = QLockFile(str(tmp_path / LOCK_FILENAME))
    hung.setStaleLockTime(0)
    assert hung.tryLock(0)
    try:
        second = make_instance(tmp_path)
        assert second.acquire() is Claim.HELD
        clock = QElapsedTimer()
        clock.start()
        assert second.ask_owner_to_show(timeout_ms=600) is False
        assert 500 <= clock.elapsed() < 3000  # it retried until the deadline, then gave up

        # a socket that accepts but never answers (an owner whose event loop is stuck)
        mute = QLocalServer()
        QLocalServer.removeServer(second.name)
        assert mute.listen(second.name)
        try:
            clock.restart()
            assert second.ask_owner_to_show(timeout_ms=600) is False
            assert clock.elapsed() < 3000
        finally:
            mute.close()
        assert (tmp_path / LOCK_FILENAME).exists()  # never taken from a live owner
    finally:
        hung.unlock()


def test_show_brings_a_window_hidden_to_the_tray_forward(
    qtbot: QtBot, ctx: AppContext, make_instance: Callable[[Path], SingleInstance]
) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    first = make_instance(ctx.data_dir)
    assert first.acquire() is Claim.OURS
    first.show_requested.connect(window.bring_to_front)  # as run_gui wires it
    window.showMinimized()
    window.hide()  # closed to the tray
    assert not window.isVisible()
    assert make_instance(ctx.data_dir).ask_owner_to_show() is True
    qtbot.waitUntil(window.isVisible, timeout=3000)
    assert not window.windowState() & Qt.WindowState.WindowMinimized


def test_another_process_owns_the_folder_until_it_is_killed(
    qtbot: QtBot, tmp_path: Path, make_instance: Callable[[Path], SingleInstance]
) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ours listening"
        second = make_instance(tmp_path)
        assert second.acquire() is Claim.HELD
        assert second.ask_owner_to_show() is True
        assert holder.stdout.readline().strip() == "shown"

        holder.kill()  # SIGKILL, a crash: no unlock, and on Unix the socket file is left behind
        holder.wait(timeout=10)
        assert (tmp_path / LOCK_FILENAME).exists()
        successor = make_instance(tmp_path)
        assert successor.acquire() is Claim.OURS
        assert successor.listening
        with qtbot.waitSignal(successor.show_requested, timeout=3000):
            assert make_instance(tmp_path).ask_owner_to_show() is True
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=10)
