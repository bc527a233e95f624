"""Start-up as the user feels it (issue 14): the whole ``campaign-desk`` process, from spawn to
the main window's first paint, and to the calendar showing its posts, against a bare PySide6
``QMainWindow`` with one label started the same way.

The app prints a marker line at those moments when ``CAMPAIGN_DESK_BENCH_FIRST_PAINT=1`` or
``CAMPAIGN_DESK_BENCH_FIRST_DATA=1`` is set (desktop/ui/app.py), and quits; with the latter it
first goes on to "idle" (the data attached, every task settled), where the idle RSS is taken.
Each figure is the ratio of medians over 7 runs, the app and the bare window alternated in one
run so both see the same machine load. Targets (tests/bench/conftest.py): first paint ≤ 1.5× the
bare window with an empty and with the large DB, first data ≤ 3× with the large DB, idle RSS
≤ 200 MB.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bench.seeded import seeded_data_dir

pytestmark = pytest.mark.timeout(1800)

RUNS = 7
MARK = "campaign-desk-bench"
LARGE_POSTS = 100_000
LARGE_SNAPSHOTS = 1_000_000

#: The yardstick: the least a PySide6 window costs, marked at its first paint the same way.
BARE_WINDOW = f"""
import os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("Campaign Desk"))
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("{MARK} first-paint", flush=True)
            app.quit()
        return False
painted = Painted()
window.installEventFilter(painted)
window.resize(1180, 760)
window.show()
sys.exit(app.exec())
"""


def _app_command(data_dir: Path) -> list[str]:
    """The real entry point, as the desktop launcher runs it."""
    script = Path(sys.executable).with_name("campaign-desk")
    if script.exists():
        return [str(script), "--data-dir", str(data_dir)]
    return [sys.executable, "-m", "desktop", "--data-dir", str(data_dir)]


def _time_to_mark(
    command: list[str], env: dict[str, str], what: str, rss_at: str | None = None
) -> tuple[float, int | None]:
    """Seconds from spawn to the marker line ``what``, and the RSS (kB) the app reported with it
    (or with the later marker ``rss_at``)."""

    def rss_of(line: str) -> int | None:
        return next((int(w.split("=", 1)[1]) for w in line.split() if w.startswith("rss_kb=")), None)

    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.startswith(f"{MARK} {what}"):
                elapsed = time.perf_counter() - started
                rss = rss_of(line)
                break
        else:
            proc.wait(timeout=60)
            raise AssertionError(f"{command[0]} ended (exit {proc.returncode}) without {what}: {proc.stderr.read()}")
        if rss_at is not None:
            rss = next((rss_of(line) for line in proc.stdout if line.startswith(f"{MARK} {rss_at}")), None)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"{command} exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
    return elapsed, rss


def _alternate(app: Callable[[], float], bare: Callable[[], float]) -> tuple[float, float]:
    """Medians of RUNS runs of each, alternated (one warm-up of each first: the page cache and
    the bytecode)."""
    app()
    bare()
    apps, bares = [], []
    for _ in range(RUNS):
        apps.append(app())
        bares.append(bare())
    return statistics.median(apps), statistics.median(bares)


@pytest.fixture
def env(isolated_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    environment = dict(os.environ)
    environment["QT_QPA_PLATFORM"] = "offscreen"
    # Compiled bytecode, as an installed app has it (pip compiles at install, the bundle ships it):
    # both processes keep theirs in one private folder, written by the warm-up runs, so neither
    # compiles source on every start because this shell says PYTHONDONTWRITEBYTECODE.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.getbasetemp() / "bytecode")
    for key in ("CAMPAIGN_DESK_BENCH_FIRST_PAINT", "CAMPAIGN_DESK_BENCH_FIRST_DATA"):
        environment.pop(key, None)
    return environment


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the generated DB: the app's publisher and lock file write into its data dir."""
    data = seeded_data_dir(posts=LARGE_POSTS, snapshots=LARGE_SNAPSHOTS)
    made = f"generated in {data.seconds:.1f} s" if data.seconds is not None else "cached"
    print(f"\n[bench] dataset {data.data_dir}: {data.variants:,} variants, {data.snapshots:,} snapshots ({made})")
    copy = tmp_path_factory.mktemp("startup-large") / "data"
    copy.mkdir()
    shutil.copy2(data.data_dir / "campaign-desk.db", copy / "campaign-desk.db")
    return copy


def _bare(env: dict[str, str]) -> Callable[[], float]:
    return lambda: _time_to_mark([sys.executable, "-c", BARE_WINDOW], env, "first-paint")[0]


def test_first_paint_with_an_empty_db(env: dict[str, str], tmp_path: Path, bench_record) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "empty"
    marked = env | {"CAMPAIGN_DESK_BENCH_FIRST_PAINT": "1"}
    app_s, bare_s = _alternate(lambda: _time_to_mark(_app_command(data), marked, "first-paint")[0], _bare(env))
    ratio = app_s / bare_s
    print(f"\n[bench] first paint, empty DB: app {app_s * 1000:.0f} ms, bare {bare_s * 1000:.0f} ms, {ratio:.2f}x")
    bench_record("startup_ratio_empty", ratio)


def test_first_paint_and_first_data_with_the_large_db(  # type: ignore[no-untyped-def]
    env: dict[str, str], large_db: Path, bench_record
) -> None:
    painted = env | {"CAMPAIGN_DESK_BENCH_FIRST_PAINT": "1"}
    app_s, bare_s = _alternate(lambda: _time_to_mark(_app_command(large_db), painted, "first-paint")[0], _bare(env))
    print(f"\n[bench] first paint, large DB: app {app_s * 1000:.0f} ms, bare {bare_s * 1000:.0f} ms")
    bench_record("startup_ratio_large", app_s / bare_s)

    with_data = env | {"CAMPAIGN_DESK_BENCH_FIRST_DATA": "1"}
    rss: list[int] = []

    def first_data() -> float:
        seconds, rss_kb = _time_to_mark(_app_command(large_db), with_data, "first-data", rss_at="idle")
        assert rss_kb is not None, "the app reports its RSS at rest (the data attached, every task settled)"
        rss.append(rss_kb)
        return seconds

    data_s, bare_s = _alternate(first_data, _bare(env))
    rss_mb = statistics.median(rss) / 1024
    print(
        f"\n[bench] first data, large DB: app {data_s * 1000:.0f} ms, bare {bare_s * 1000:.0f} ms; RSS {rss_mb:.0f} MB"
    )
    bench_record("first_data_ratio_large", data_s / bare_s)
    bench_record("idle_rss_mb", rss_mb)
