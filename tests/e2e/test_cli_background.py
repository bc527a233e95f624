"""``campaign-desk background install|remove|status``: the --json shape, exit codes, one-line errors.

The OS tools are found on PATH, so each test gives the command a PATH of its own: an empty one
(no scheduler at all), or one holding a stand-in ``crontab`` with a private spool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.e2e.cli import run_cli
from tests.services.test_background_job import _fake_crontab, _fake_systemctl_without_bus

MECHANISMS = {"systemd", "launchd", "schtasks", "cron", None}


def test_status_json_has_the_documented_shape(subprocess_env: dict[str, str], isolated_home: Path) -> None:
    r = run_cli("background", "status", "--json", env=subprocess_env)
    assert r.code == 0, r.stderr
    data = r.json()
    assert set(data) == {"mechanism", "installed", "command", "files", "detail"}
    assert data["mechanism"] in MECHANISMS and isinstance(data["installed"], bool)
    assert data["command"].endswith("background run") and str(isolated_home.resolve()) in data["command"]
    assert all(isinstance(f, str) for f in data["files"]) and data["detail"]


def test_without_any_scheduler_status_says_why_and_install_fails_in_one_line(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**subprocess_env, "PATH": str(tmp_path / "empty")}
    status = run_cli("background", "status", "--json", env=env)
    assert status.code == 0, status.stderr
    data = status.json()
    assert data["mechanism"] is None and data["installed"] is False and data["files"] == []
    assert "not found" in data["detail"] or "Neither" in data["detail"]

    install = run_cli("background", "install", env=env)
    assert install.code == 1
    (line,) = install.stderr.strip().splitlines()
    assert (
        line.startswith("campaign-desk background: ")
        and line.removeprefix("campaign-desk background: ") == (data["detail"])
    )

    as_json = run_cli("background", "install", "--json", env=env).json()
    assert as_json["ok"] is False and as_json["mechanism"] is None and "background run" in as_json["command"]


@pytest.mark.skipif(sys.platform != "linux", reason="crontab is the Linux fallback")
def test_install_status_remove_through_crontab(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    spool = _fake_crontab(bin_dir)
    _fake_systemctl_without_bus(bin_dir)  # no user session: cron is the way
    spool.write_text("0 3 * * * /usr/local/bin/backup\n", encoding="utf-8")
    env = {**subprocess_env, "PATH": f"{bin_dir}:/usr/bin:/bin"}

    installed = run_cli("background", "install", "--json", env=env)
    assert installed.code == 0, installed.stderr
    assert installed.json()["mechanism"] == "cron" and installed.json()["installed"] is True
    lines = spool.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "0 3 * * * /usr/local/bin/backup" and len(lines) == 2
    assert "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/" in lines[1] and "background run" in lines[1]

    human = run_cli("background", "status", env=env)
    assert human.code == 0 and human.stdout.startswith("Installed (crontab, every minute)")

    removed = run_cli("background", "remove", "--json", env=env)
    assert removed.code == 0 and removed.json()["installed"] is False
    assert spool.read_text(encoding="utf-8") == "0 3 * * * /usr/local/bin/backup\n"
