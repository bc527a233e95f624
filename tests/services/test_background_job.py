"""The OS job that keeps publishing while the app is closed: generated files, and install/remove.

Generated files are parsed the way the OS tools read them (plistlib, ElementTree, an INI
parser). Install/remove run real OS tools where that is safe: ``systemctl --user`` for real when
this machine has a user session; crontab only through a stand-in ``crontab`` program on a
private PATH with its own spool, since the real one cannot be pointed at a temporary spool.
"""

from __future__ import annotations

import configparser
import plistlib
import shlex
import shutil
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop.services.background_job import (
    CRON,
    LAUNCHD,
    SCHTASKS,
    SYSTEMD,
    TASK_NAME,
    BackgroundJob,
    BackgroundJobError,
    cron_line,
    crontab_has_line,
    crontab_with_line,
    crontab_without_line,
    launchd_plist,
    publish_command,
    schtasks_xml,
    systemd_exec_line,
    systemd_service,
    systemd_timer,
)
from desktop.services.context import AppContext

TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
SPACED_PYTHON = "/opt/My Tools/py/bin/python3"
SPACED_DATA = "/home/ann/Campaign Desk data"

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="stand-in tools are POSIX shell scripts")


def _argv(data_dir: str = SPACED_DATA) -> list[str]:
    return publish_command(data_dir, executable=SPACED_PYTHON, frozen=False, platform="linux")


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(text)
    return parser


def _tool(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)


def _fake_crontab(bin_dir: Path) -> Path:
    """A stand-in ``crontab`` with the real one's -l / - behaviour, on a spool file of its own."""
    spool = bin_dir / "spool"
    _tool(
        bin_dir,
        "crontab",
        f"""spool={shlex.quote(str(spool))}
case "$1" in
  -l) if [ -f "$spool" ]; then cat "$spool"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "$spool" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 1 ;;
esac
""",
    )
    return spool


def _fake_systemctl_without_bus(bin_dir: Path) -> None:
    """What ``systemctl --user`` says in a container or an SSH session without a user manager."""
    _tool(bin_dir, "systemctl", 'echo "Failed to connect to bus: No medium found" >&2\nexit 1\n')


# --- the command ----------------------------------------------------------------------------------


def test_command_runs_this_python_as_a_module_when_unfrozen() -> None:
    assert publish_command("/data", executable="/venv/bin/python", frozen=False, platform="linux") == [
        "/venv/bin/python",
        "-m",
        "desktop",
        "--data-dir",
        "/data",
        "background",
        "run",
    ]


def test_frozen_command_runs_the_bundle_itself() -> None:
    assert publish_command("/data", executable="/opt/campaign-desk/campaign-desk", frozen=True, platform="linux") == [
        "/opt/campaign-desk/campaign-desk",
        "--data-dir",
        "/data",
        "background",
        "run",
    ]


def test_windows_uses_the_console_free_executables(tmp_path: Path) -> None:
    (tmp_path / "python.exe").touch()
    (tmp_path / "pythonw.exe").touch()
    unfrozen = publish_command("D:/data", executable=str(tmp_path / "python.exe"), frozen=False, platform="win32")
    assert unfrozen[0] == str(tmp_path / "pythonw.exe")
    (tmp_path / "campaign-desk.exe").touch()
    (tmp_path / "Campaign Desk.exe").touch()
    frozen = publish_command("D:/data", executable=str(tmp_path / "campaign-desk.exe"), frozen=True, platform="win32")
    assert frozen == [str(tmp_path / "Campaign Desk.exe"), "--data-dir", "D:/data", "background", "run"]


# --- launchd ----------------------------------------------------------------------------------------


def test_launchd_plist_runs_every_minute_in_the_background(tmp_path: Path) -> None:
    log = tmp_path / "publish-due.log"
    plist = plistlib.loads(launchd_plist(_argv(), log).encode("utf-8"))
    assert plist["Label"] == "app.campaign-desk.publish"
    assert plist["ProgramArguments"] == [SPACED_PYTHON, "-m", "desktop", "--data-dir", SPACED_DATA, "background", "run"]
    assert plist["RunAtLoad"] is True
    # every minute by the calendar: launchd runs a calendar interval missed in sleep on wake,
    # while a StartInterval firing missed in sleep is simply lost (launchd.plist(5))
    assert "StartInterval" not in plist
    assert plist["StartCalendarInterval"] == [{"Minute": m} for m in range(60)]
    assert plist["ProcessType"] == "Background"
    assert plist["StandardOutPath"] == plist["StandardErrorPath"] == str(log)


def test_launchd_plan_puts_the_agent_in_launch_agents_of_the_gui_session(tmp_path: Path) -> None:
    job = BackgroundJob(platform="darwin", home=tmp_path / "home", tool_path=str(tmp_path / "bin"), uid=501)
    _tool(tmp_path / "bin", "launchctl", "exit 0\n")
    plan = job.plan_for(tmp_path / "data")
    (agent,) = plan.files
    assert plan.mechanism == LAUNCHD
    assert agent.path == tmp_path / "home/Library/LaunchAgents/app.campaign-desk.publish.plist"
    assert plistlib.loads(agent.content.encode())["StandardOutPath"] == str(tmp_path / "data/publish-due.log")
    assert plan.install_commands == (("launchctl", "bootstrap", "gui/501", str(agent.path)),)
    assert plan.remove_commands == (("launchctl", "bootout", "gui/501", str(agent.path)),)


# --- Windows Task Scheduler -----------------------------------------------------------------------------


def test_schtasks_xml_runs_the_command_every_minute_only_while_logged_on() -> None:
    argv = [r"C:\Program Files\Python311\pythonw.exe", "-m", "desktop", "--data-dir", r"C:\Users\Ann Lee\Data"]
    argv.extend(["background", "run"])
    # schtasks reads the file as UTF-16 with a byte order mark: parse exactly those bytes
    task = ET.fromstring(schtasks_xml(argv).encode("utf-16"))
    exec_ = task.find("t:Actions/t:Exec", TASK_NS)
    assert exec_ is not None
    assert exec_.findtext("t:Command", namespaces=TASK_NS) == r"C:\Program Files\Python311\pythonw.exe"
    assert (
        exec_.findtext("t:Arguments", namespaces=TASK_NS)
        == r'-m desktop --data-dir "C:\Users\Ann Lee\Data" background run'
    )
    trigger = task.find("t:Triggers/t:TimeTrigger", TASK_NS)
    assert trigger is not None and trigger.findtext("t:Repetition/t:Interval", namespaces=TASK_NS) == "PT1M"
    assert task.findtext("t:Principals/t:Principal/t:LogonType", namespaces=TASK_NS) == "InteractiveToken"
    settings = task.find("t:Settings", TASK_NS)
    assert settings is not None
    assert settings.findtext("t:MultipleInstancesPolicy", namespaces=TASK_NS) == "IgnoreNew"
    assert settings.findtext("t:DisallowStartIfOnBatteries", namespaces=TASK_NS) == "false"
    assert task.findtext("t:RegistrationInfo/t:URI", namespaces=TASK_NS) == "\\" + TASK_NAME


def test_schtasks_plan_registers_the_xml_under_campaign_desk(tmp_path: Path) -> None:
    _tool(tmp_path / "bin", "schtasks", "exit 0\n")
    job = BackgroundJob(platform="win32", tool_path=str(tmp_path / "bin"), executable="C:/Py/python.exe")
    plan = job.plan_for(tmp_path / "data")
    (xml,) = plan.files
    assert plan.mechanism == SCHTASKS and xml.encoding == "utf-16"
    assert plan.install_commands == (
        ("schtasks", "/Create", "/TN", r"Campaign Desk\Publish", "/XML", str(xml.path), "/F"),
    )
    assert plan.remove_commands == (("schtasks", "/Delete", "/TN", r"Campaign Desk\Publish", "/F"),)
    assert plan.command_line.endswith("background run") and "--data-dir" in plan.command_line


# --- systemd user timer --------------------------------------------------------------------------------


def test_systemd_units_are_a_oneshot_service_and_a_persistent_minute_timer() -> None:
    service = _ini(systemd_service(_argv()))
    assert service["Service"]["Type"] == "oneshot"
    assert shlex.split(service["Service"]["ExecStart"]) == _argv()  # systemd splits quoted words like sh does
    assert service["Service"]["ExecStart"].startswith('"/opt/My Tools/py/bin/python3" -m desktop --data-dir "')
    timer = _ini(systemd_timer())
    assert timer["Timer"]["OnCalendar"] == "*-*-* *:*:00"
    assert timer["Timer"]["Persistent"] == "true" and timer["Timer"]["AccuracySec"] == "1s"
    assert timer["Timer"]["Unit"] == "campaign-desk-publish.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_exec_line_escapes_what_systemd_would_expand() -> None:
    assert systemd_exec_line(["/usr/bin/python3", "/data/50% off $HOME"]) == '/usr/bin/python3 "/data/50%% off $$HOME"'
    assert systemd_exec_line(["/p", 'say "hi"']) == '/p "say \\"hi\\""'
    assert systemd_exec_line(["/p", ""]) == '/p ""'


def test_systemd_plan_writes_units_into_the_given_config_dir(tmp_path: Path) -> None:
    job = BackgroundJob(platform="linux", config_dir=tmp_path / "config")
    plan = job.plan_systemd(_argv())
    assert [f.path for f in plan.files] == [
        tmp_path / "config/systemd/user/campaign-desk-publish.service",
        tmp_path / "config/systemd/user/campaign-desk-publish.timer",
    ]
    assert plan.install_commands == (
        ("systemctl", "--user", "daemon-reload"),
        ("systemctl", "--user", "enable", "--now", "campaign-desk-publish.timer"),
    )
    assert plan.remove_commands[0] == ("systemctl", "--user", "disable", "--now", "campaign-desk-publish.timer")
    assert plan.description == "systemd user timer, every minute"


@posix_only
def test_systemd_install_writes_the_units_and_enables_the_timer(tmp_path: Path) -> None:
    """Through a stand-in systemctl that records its calls, so the file writing is checked anywhere."""
    bin_dir, calls, enabled = tmp_path / "bin", tmp_path / "calls", tmp_path / "enabled"
    _tool(
        bin_dir,
        "systemctl",
        f"""echo "$*" >> {shlex.quote(str(calls))}
case "$2" in
  enable) touch {shlex.quote(str(enabled))} ;;
  disable) rm -f {shlex.quote(str(enabled))} ;;
  is-enabled|is-active) if [ -f {shlex.quote(str(enabled))} ]; then echo on; else echo off; exit 1; fi ;;
esac
""",
    )
    job = BackgroundJob(platform="linux", config_dir=tmp_path / "config", tool_path=str(bin_dir))
    plan = job.plan_for(tmp_path / "my data")
    assert plan.mechanism == SYSTEMD

    status = job.install(plan)

    assert status.installed
    service = _ini((tmp_path / "config/systemd/user/campaign-desk-publish.service").read_text(encoding="utf-8"))
    assert shlex.split(service["Service"]["ExecStart"])[-4:] == [
        "--data-dir",
        str(tmp_path / "my data"),
        "background",
        "run",
    ]
    changes = [c for c in calls.read_text().splitlines() if not c.startswith("--user is-")]
    assert changes == [
        "--user show-environment",
        "--user daemon-reload",
        "--user enable --now campaign-desk-publish.timer",
    ]
    calls.unlink()

    status = job.remove(plan)

    assert not status.installed
    assert not any(f.path.exists() for f in plan.files)
    changes = [c for c in calls.read_text().splitlines() if not c.startswith("--user is-")]
    assert changes == ["--user disable --now campaign-desk-publish.timer", "--user daemon-reload"]


def _user_systemd() -> str:
    if sys.platform != "linux" or shutil.which("systemctl") is None:
        return "not Linux or no systemctl"
    probe = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"systemctl --user does not work here: {probe.stderr.strip() or probe.returncode}"
    return ""


@pytest.mark.skipif(bool(_user_systemd()), reason=_user_systemd() or "systemctl --user works")
def test_systemd_install_and_remove_for_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The user's real unit dir (the only one the user manager reads), under a unit name of its own.
    monkeypatch.delenv("XDG_CONFIG_HOME")  # the autouse fixture's tmp dir is not what systemd reads
    job = BackgroundJob(platform="linux", name=f"campaign-desk-test-{uuid.uuid4().hex[:8]}")
    plan = job.plan_for(tmp_path / "data")
    assert plan.mechanism == SYSTEMD
    try:
        assert job.install(plan).installed
        listed = subprocess.run(
            ["systemctl", "--user", "list-timers", "--all", f"{job.name}.timer"], capture_output=True, text=True
        )
        assert f"{job.name}.timer" in listed.stdout
    finally:
        status = job.remove(plan)
    assert not status.installed
    assert not any(f.path.exists() for f in plan.files)


# --- crontab ----------------------------------------------------------------------------------------


def test_cron_line_reaches_the_session_bus_and_logs_to_the_data_dir(tmp_path: Path) -> None:
    line = cron_line(_argv("/data/50% done"), Path("/data/50% done/publish-due.log"), uid=1000)
    schedule, command = line[:10], line[10:]
    assert schedule == "* * * * * "
    assert command.startswith("XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus ")
    assert "'/opt/My Tools/py/bin/python3' -m desktop --data-dir '/data/50\\% done' background run" in command
    assert ">> '/data/50\\% done/publish-due.log' 2>&1 # campaign-desk-publish" in command
    # what the shell runs once cron has turned \% back into %
    shell_words = shlex.split(command.replace("\\%", "%"), comments=True)
    assert shell_words[2:9] == _argv("/data/50% done")


def test_crontab_text_keeps_other_lines_and_holds_exactly_one_of_ours() -> None:
    others = "MAILTO=ann@example.com\n# backups\n0 3 * * * /usr/local/bin/backup --all\n"
    ours = cron_line(_argv(), Path("/l.log"), uid=1000)
    once = crontab_with_line(others, ours)
    twice = crontab_with_line(once, ours)
    assert once == twice == others + ours + "\n"
    assert crontab_has_line(once) and not crontab_has_line(others)
    assert crontab_without_line(twice) == others
    assert crontab_with_line("", ours) == ours + "\n"
    assert crontab_without_line(ours + "\n") == ""


@posix_only
def test_crontab_install_and_remove_through_the_crontab_program(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    spool = _fake_crontab(bin_dir)
    _fake_systemctl_without_bus(bin_dir)
    others = "# mine\n*/5 * * * * /usr/bin/true\n"
    spool.write_text(others, encoding="utf-8")
    job = BackgroundJob(platform="linux", tool_path=str(bin_dir), uid=1000)
    plan = job.plan_for(tmp_path / "data")
    assert plan.mechanism == CRON and not job.status(plan).installed

    assert job.install(plan).installed
    job.install(plan)  # again: still one line of ours

    assert spool.read_text(encoding="utf-8") == others + plan.cron_line + "\n"
    assert not job.remove(plan).installed
    assert spool.read_text(encoding="utf-8") == others


@posix_only
def test_crontab_install_starts_a_crontab_for_a_user_without_one(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    spool = _fake_crontab(bin_dir)
    job = BackgroundJob(platform="linux", tool_path=str(bin_dir), uid=1000)  # no systemctl at all
    plan = job.plan_for(tmp_path / "data")
    job.install(plan)
    assert spool.read_text(encoding="utf-8") == plan.cron_line + "\n"


@posix_only
def test_a_job_installed_by_an_earlier_version_is_called_older_until_installed_again(tmp_path: Path) -> None:
    """Before metrics joined the run, the job ran ``publish-due`` alone: it still publishes, and
    status says to install it again so that it reads metrics too."""
    bin_dir = tmp_path / "bin"
    spool = _fake_crontab(bin_dir)
    job = BackgroundJob(platform="linux", tool_path=str(bin_dir), uid=1000, executable="/py", frozen=False)
    plan = job.plan_for(tmp_path / "data")
    old_argv = ["/py", "-m", "desktop", "--data-dir", str(tmp_path / "data"), "publish-due"]
    spool.write_text(cron_line(old_argv, tmp_path / "data/publish-due.log", uid=1000) + "\n", encoding="utf-8")

    status = job.status(plan)
    assert status.installed and "older command" in status.detail and "background install" in status.detail

    job.install(plan)
    assert job.status(plan).detail == "In your crontab; runs every minute."


def test_an_older_unit_file_is_called_older(tmp_path: Path) -> None:
    job = BackgroundJob(platform="linux", config_dir=tmp_path / "config", executable="/py", frozen=False)
    plan = job.plan_systemd(["/py", "-m", "desktop", "--data-dir", "/d", "background", "run"])
    service = plan.files[0]
    service.path.parent.mkdir(parents=True)
    service.path.write_text(service.content.replace("background run", "publish-due"), encoding="utf-8")
    assert job._outdated(plan)
    service.path.write_text(service.content, encoding="utf-8")
    assert not job._outdated(plan)


# --- choosing, and saying why not -------------------------------------------------------------------


@posix_only
def test_without_a_user_session_or_crontab_it_says_so_in_one_line(tmp_path: Path) -> None:
    _fake_systemctl_without_bus(tmp_path / "bin")
    job = BackgroundJob(platform="linux", tool_path=str(tmp_path / "bin"))
    plan = job.plan_for(tmp_path / "data")
    assert plan.mechanism is None
    assert plan.command_line.endswith("background run")  # still shown, to schedule by hand
    assert "Failed to connect to bus" in plan.unavailable and "crontab" in plan.unavailable
    assert job.status(plan).installed is False
    with pytest.raises(BackgroundJobError) as caught:
        job.install(plan)
    assert "\n" not in str(caught.value) and "Neither a systemd user session" in str(caught.value)


@posix_only
def test_a_failing_systemctl_becomes_a_clear_error(tmp_path: Path) -> None:
    """The user session went away between planning and installing (e.g. the SSH login ended)."""
    bin_dir = tmp_path / "bin"
    job = BackgroundJob(platform="linux", config_dir=tmp_path / "config", tool_path=str(bin_dir))
    plan = job.plan_systemd(_argv())
    _fake_systemctl_without_bus(bin_dir)
    with pytest.raises(BackgroundJobError) as caught:
        job.install(plan)
    assert str(caught.value) == (
        "systemctl --user is not available: no user session bus (are you logged in to a desktop session?) "
        "[Failed to connect to bus: No medium found]"
    )


def test_plan_uses_the_contexts_data_dir(ctx: AppContext, tmp_path: Path) -> None:
    job = BackgroundJob(platform="darwin", home=tmp_path, tool_path=str(tmp_path / "empty"), executable="/py")
    plan = job.plan(ctx)
    assert plan.argv == ("/py", "-m", "desktop", "--data-dir", str(ctx.data_dir), "background", "run")
    assert plan.mechanism is None and plan.unavailable == "launchctl was not found."


# --- catching up after sleep -----------------------------------------------------------------------------


def test_every_mechanism_catches_up_a_run_missed_while_asleep(tmp_path: Path) -> None:
    """systemd Persistent=true, launchd calendar intervals, Task Scheduler StartWhenAvailable."""
    assert _ini(systemd_timer())["Timer"]["Persistent"] == "true"
    plist = plistlib.loads(launchd_plist(_argv(), tmp_path / "log").encode("utf-8"))
    assert len(plist["StartCalendarInterval"]) == 60 and "StartInterval" not in plist
    task = ET.fromstring(schtasks_xml(_argv()).encode("utf-16"))
    assert task.findtext("t:Settings/t:StartWhenAvailable", namespaces=TASK_NS) == "true"


def test_the_docs_say_how_each_mechanism_catches_up() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "background-publishing.md").read_text(encoding="utf-8")
    for words in ("Persistent=true", "StartCalendarInterval", "StartWhenAvailable", "cron has no catch-up"):
        assert words in docs


def test_wake_time_from_macos_and_the_linux_kernel_journal() -> None:
    from datetime import UTC, datetime

    from desktop.services.background_job import parse_darwin_waketime, parse_journal_wake

    assert parse_darwin_waketime("{ sec = 1767258000, usec = 412000 } Thu Jan  1 09:00:00 2026\n") == datetime(
        2026, 1, 1, 9, 0, tzinfo=UTC
    )
    assert parse_darwin_waketime("{ sec = 0, usec = 0 }") is None
    assert parse_darwin_waketime("") is None
    journal = (
        "1767250000.123456 laptop kernel: PM: suspend entry (deep)\n"
        "1767254400.500000 laptop kernel: PM: suspend exit\n"
        "1767258000.000000 laptop kernel: PM: hibernation exit\n"
    )
    assert parse_journal_wake(journal) == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert parse_journal_wake("-- No entries --") is None


@posix_only
def test_last_wake_time_asks_the_os_and_survives_a_missing_or_failing_tool(tmp_path: Path, monkeypatch) -> None:
    from datetime import UTC, datetime

    from desktop.services.background_job import last_wake_time

    _tool(tmp_path / "bin", "sysctl", 'echo "{ sec = 1767258000, usec = 0 } Thu Jan  1 09:00:00 2026"\n')
    _tool(tmp_path / "bin", "journalctl", "exit 1\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert last_wake_time(platform="darwin") == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert last_wake_time(platform="linux") is None  # journal not readable: unknown, not an error
    assert last_wake_time(platform="win32") is None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert last_wake_time(platform="darwin") is None
