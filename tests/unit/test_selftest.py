"""``campaign-desk --self-test`` from the source install: every check passes, and failures are reported."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import selftest

EXPECTED = [
    "runtime",
    "resources",
    "database",
    "providers",
    "keyring",
    "keyring backends",
    "qt application",
    "qt plugins",
    "qt charts",
    "main window",
]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_json_report_lists_every_check_and_passes(subprocess_env: dict[str, str], isolated_home: Path) -> None:
    proc = run("--self-test", "--json", env=subprocess_env)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True
    assert [c["name"] for c in doc["checks"]] == EXPECTED
    assert all(c["ok"] and c["detail"] for c in doc["checks"])
    details = {c["name"]: c["detail"] for c in doc["checks"]}
    assert "bluesky" in details["providers"] and "mastodon" in details["providers"]
    assert "(head)" in details["database"]
    assert "keyrings.alt.file.PlaintextKeyring" in details["keyring"]  # the tests' backend, via the env
    # the self-test works on its own temp dir, never on the user's data dir
    assert list(isolated_home.iterdir()) == []


def test_human_report_runs_offscreen_without_a_display(subprocess_env: dict[str, str]) -> None:
    env = {k: v for k, v in subprocess_env.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}

    proc = run("--self-test", env=env)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Campaign Desk ") and lines[0].endswith("self-test")
    assert all(line.lstrip().startswith("ok") for line in lines[1:-1])
    assert "on the offscreen platform" in proc.stdout
    assert lines[-1] == f"All {len(EXPECTED)} checks passed."


def test_a_failing_check_is_reported_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Migrations that cannot be found: the database check fails, and the checks needing it are skipped.
    monkeypatch.setattr("desktop.store.database.MIGRATIONS", tmp_path / "no-migrations")
    monkeypatch.setattr(selftest, "_prepare_qt", _no_qt)

    code = selftest.run_self_test(as_json=True)

    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    by_name = {c["name"]: c for c in doc["checks"]}
    assert by_name["database"]["ok"] is False
    assert by_name["providers"] == {"name": "providers", "ok": False, "detail": "skipped: the database did not open"}
    assert by_name["main window"]["ok"] is False
    assert by_name["resources"]["ok"] is True


def test_human_report_marks_failures(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> str:
        raise RuntimeError("secretstorage missing\nsecond line is dropped")

    monkeypatch.setattr(selftest, "_check_keyring_backends", broken)
    monkeypatch.setattr(selftest, "_prepare_qt", _no_qt)

    assert selftest.run_self_test(as_json=False) == 1

    out = capsys.readouterr().out
    assert "FAIL  keyring backends  RuntimeError: secretstorage missing\n" in out
    assert "second line" not in out
    assert out.rstrip().endswith(f"3 of {len(EXPECTED) - 2} checks failed.")  # backends, qt application, window


def _no_qt(_tmp: Path) -> object:
    raise RuntimeError("no Qt in this test")


@pytest.mark.qt_no_exception_capture
def test_errors_raised_in_qt_slots_or_logged_are_collected(qapp: object) -> None:
    from PySide6.QtCore import QCoreApplication, QTimer

    def slot() -> None:
        raise KeyError("publishing")

    with selftest.collect_errors() as errors:
        QTimer.singleShot(0, slot)
        QCoreApplication.processEvents()
        logging.getLogger("desktop.ui.tasks").error("background task load failed")

    assert len(errors) == 2
    assert errors[0].startswith("KeyError: 'publishing' at test_selftest.py:")
    assert errors[1] == "logged by desktop.ui.tasks: background task load failed"
    assert not any(type(h).__name__ == "Recorder" for h in logging.getLogger().handlers)  # removed again
