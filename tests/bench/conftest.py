"""Benchmarks get a real store in the test's data dir (see tests/conftest.py), and report their
headline figures through ``bench_record``: ``make bench`` prints them as a table and writes them
to ``bench-results.json`` at the repository root (numbers only, one key per figure)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.services.context import AppContext

REPO = Path(__file__).resolve().parents[2]
RESULTS_FILE = REPO / "bench-results.json"

#: The figures ``make bench`` must produce, with the target each is held to: (limit, "max"|"min").
#: A key without a target is reported only.
TARGETS: dict[str, tuple[float, str] | None] = {
    "startup_ratio_empty": (1.5, "max"),
    "startup_ratio_large": (1.5, "max"),
    "first_data_ratio_large": (3.0, "max"),
    "cli_version_s": (0.15, "max"),
    "cli_publish_due_idle_s": (0.5, "max"),
    "calendar_month_switch_ms": (50.0, "max"),
    "calendar_open_ms": None,
    "composer_keystroke_ms": (5.0, "max"),
    "publish_fanout_ratio": (1.3, "max"),
    "publish_duplicates": (0.0, "max"),
    "dashboard_90d_ms": (300.0, "max"),
    "export_rows_per_s": None,
    "idle_rss_mb": (200.0, "max"),
}

_results: dict[str, float] = {}


@pytest.fixture
def bench_record() -> Callable[[str, float], None]:
    """``bench_record(key, value)``: one headline figure for bench-results.json."""

    def record(key: str, value: float) -> None:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{key}: {value} is not a number")
        _results[key] = round(value, 4)

    return record


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _results:
        return
    previous: dict[str, float] = {}
    if RESULTS_FILE.exists():  # a partial run (-k) keeps the other figures of the last full run
        try:
            loaded = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
            previous = {k: float(v) for k, v in loaded.items() if isinstance(v, int | float)}
        except (OSError, ValueError):
            previous = {}
    RESULTS_FILE.write_text(json.dumps(previous | _results, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _results:
        return
    tr = terminalreporter
    tr.section("bench results (bench-results.json)")
    width = max(len(k) for k in TARGETS | _results)
    for key in sorted(_results, key=lambda k: (k not in TARGETS, list(TARGETS).index(k) if k in TARGETS else 0, k)):
        value = _results[key]
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            limit, kind = target
            ok = value <= limit if kind == "max" else value >= limit
            verdict = f"{'ok  ' if ok else 'OVER'} target {'≤' if kind == 'max' else '≥'} {limit:g}"
        tr.write_line(f"{key:<{width}}  {value:>12.4g}  {verdict}")
    missing = [k for k in TARGETS if k not in _results]
    if missing:
        tr.write_line(f"not measured in this run: {', '.join(missing)}")


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    yield context
    context.close()
