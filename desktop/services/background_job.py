"""Keep publishing when the app is closed: an OS job that runs ``background run`` every minute.

``campaign-desk background run`` is one publishing pass (``publish-due``), then, in the same
process and only after it, the metrics that are due (``sync-metrics --due``), which start no new
request once :data:`METRICS_BUDGET` seconds of the run have passed. One program per minute on
every platform, so each scheduler keeps its one simple definition, and publishing always comes
first and is never held up by metrics: the run ends well inside its minute, and the schedulers
that refuse a second copy while one runs are never made to skip a publishing pass.

One mechanism per OS, each running the job *inside the user's session*, so the OS keyring
(Keychain, Credential Manager, Secret Service) is reachable:

- macOS: a launchd agent (``~/Library/LaunchAgents/app.campaign-desk.publish.plist``) in ``gui/<uid>``.
- Windows: a Task Scheduler task ``\\Campaign Desk\\Publish`` from an XML definition (``schtasks /XML``),
  not ``/TR``: only XML can say "only when the user is logged on" (InteractiveToken), "do not
  start a second copy" (IgnoreNew) and "also on battery" (the ``/TR`` default stops on battery).
  Unfrozen it runs ``pythonw.exe`` and frozen the windowed exe, so no console window flashes.
- Linux: a systemd user service + timer, started by the user's own systemd, which carries the
  session's D-Bus address (Secret Service). Without ``systemctl --user`` (no user session bus),
  a crontab line instead, which sets ``DBUS_SESSION_BUS_ADDRESS`` itself: cron jobs do not get it.

Each catches up after sleep: a run missed while the computer slept starts on wake (systemd
``Persistent=true``, launchd calendar intervals, Task Scheduler ``StartWhenAvailable``); cron
has no catch-up, but it runs every minute, so the first minute after wake publishes what is due.

Every generator returns the exact file contents, so tests can parse them. A run is
safe to run concurrently with the open app (variants are claimed with conditional updates),
and all three schedulers also refuse to start a second copy while one still runs.

No Qt here: the GUI runs :meth:`BackgroundJob.install` & co. through its TaskRunner.
"""

from __future__ import annotations

import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.services.metrics import SyncReport
    from desktop.services.publish_report import PassReport

SYSTEMD = "systemd"
LAUNCHD = "launchd"
SCHTASKS = "schtasks"
CRON = "cron"

JOB_NAME = "campaign-desk-publish"  # systemd unit base name and crontab marker
LAUNCHD_LABEL = "app.campaign-desk.publish"
TASK_NAME = "Campaign Desk\\Publish"
LOG_NAME = "publish-due.log"  # kept from before metrics joined the run: existing installs write here
#: What the OS job runs (after ``--data-dir DIR``): a publishing pass, then the metrics that are due.
JOB_COMMAND = ("background", "run")
#: Seconds after a run starts past which its metrics part starts no new request (the OS job runs
#: every minute; an HTTP request already under way may still take its timeout).
METRICS_BUDGET = 40.0
TASK_XML_NAME = "publish-task.xml"
WINDOWED_EXE = "Campaign Desk.exe"  # the frozen Windows bundle's GUI exe (see build.spec)

DESCRIPTIONS = {
    SYSTEMD: "systemd user timer, every minute",
    LAUNCHD: "launchd agent, every minute",
    SCHTASKS: "Windows Task Scheduler, every minute while you are logged on",
    CRON: "crontab, every minute",
}


#: How to replace an installed job whose definition is older than this version's.
OUTDATED_HINT = "turn the setting off and on, or run campaign-desk background install"


class BackgroundJobError(Exception):
    """Installing, removing or checking the OS job failed: one line, in words for the user."""


# --- the command ---------------------------------------------------------------------------------


def publish_command(
    data_dir: Path | str,
    *,
    executable: str | None = None,
    frozen: bool | None = None,
    platform: str | None = None,
) -> list[str]:
    """The argv the OS job runs: ``background run`` (publishing, then due metrics) on ``data_dir``."""
    exe = executable or sys.executable
    is_frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    windows = (platform or sys.platform) == "win32"
    if is_frozen:
        if windows:  # the windowed exe beside the console one: no console window every minute
            windowed = Path(exe).with_name(WINDOWED_EXE)
            exe = str(windowed) if windowed.exists() else exe
        return [exe, "--data-dir", str(data_dir), *JOB_COMMAND]
    if windows:
        pythonw = Path(exe).with_name("pythonw.exe")
        if Path(exe).name.lower() == "python.exe" and pythonw.exists():
            exe = str(pythonw)
    return [exe, "-m", "desktop", "--data-dir", str(data_dir), *JOB_COMMAND]


def posix_command_line(argv: list[str]) -> str:
    return shlex.join(argv)


def windows_command_line(argv: list[str]) -> str:
    return subprocess.list2cmdline(argv)


def systemd_exec_line(argv: list[str]) -> str:
    """``ExecStart=`` syntax: double-quote words with spaces or quotes, escape ``\\ " % $``."""
    words = []
    for arg in argv:
        text = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
        words.append(f'"{text}"' if (not text or re.search(r"[\s'\"\\;]", arg)) else text)
    return " ".join(words)


# --- generators: exact file contents -------------------------------------------------------------


def launchd_plist(argv: list[str], log_path: Path, *, label: str = LAUNCHD_LABEL) -> str:
    """The launch agent: every minute and at load, output appended to ``log_path``.

    ``StartCalendarInterval`` (one entry per minute of the hour), not ``StartInterval``:
    launchd.plist(5) says a ``StartInterval`` firing due while the Mac sleeps is missed, whereas
    calendar intervals missed during sleep run once on wake (coalesced into one start).
    """
    data = {
        "Label": label,
        "ProgramArguments": list(argv),
        "StartCalendarInterval": [{"Minute": minute} for minute in range(60)],
        "RunAtLoad": True,
        "ProcessType": "Background",
        "StandardOutPath": str(log_path),
        "StandardErrorPath": str(log_path),
    }
    return plistlib.dumps(data, fmt=plistlib.FMT_XML, sort_keys=False).decode("utf-8")


def schtasks_xml(
    argv: list[str], *, description: str = "Campaign Desk: publish due posts and read due metrics every minute"
) -> str:
    """A Task Scheduler 1.2 definition: every minute, only while the user is logged on."""
    command, arguments = argv[0], windows_command_line(argv[1:])
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{xml_escape(description)}</Description>
    <URI>\\{xml_escape(TASK_NAME)}</URI>
  </RegistrationInfo>
  <Triggers>
    <TimeTrigger>
      <StartBoundary>2000-01-01T00:00:00</StartBoundary>
      <Repetition>
        <Interval>PT1M</Interval>
        <StopAtDurationEnd>false</StopAtDurationEnd>
      </Repetition>
      <Enabled>true</Enabled>
    </TimeTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <ExecutionTimeLimit>PT10M</ExecutionTimeLimit>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{xml_escape(command)}</Command>
      <Arguments>{xml_escape(arguments)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


def systemd_service(argv: list[str]) -> str:
    """A oneshot service: the timer never starts a second one while one is still running."""
    return f"""[Unit]
Description=Campaign Desk: publish due posts, then read due metrics

[Service]
Type=oneshot
ExecStart={systemd_exec_line(argv)}
"""


def systemd_timer(*, name: str = JOB_NAME) -> str:
    return f"""[Unit]
Description=Campaign Desk: publish due posts and read due metrics every minute

[Timer]
OnCalendar=*-*-* *:*:00
Persistent=true
AccuracySec=1s
Unit={name}.service

[Install]
WantedBy=timers.target
"""


def cron_marker(name: str = JOB_NAME) -> str:
    return f"# {name} (Campaign Desk: keep publishing when the app is closed)"


def cron_line(argv: list[str], log_path: Path, *, uid: int, name: str = JOB_NAME) -> str:
    """One crontab line, every minute. Cron jobs get no session bus: point them at the user's."""
    runtime = f"/run/user/{uid}"
    env = f"XDG_RUNTIME_DIR={runtime} DBUS_SESSION_BUS_ADDRESS=unix:path={runtime}/bus"
    command = f"{posix_command_line(argv)} >> {shlex.quote(str(log_path))} 2>&1"
    command = command.replace("%", "\\%")  # cron turns a bare % into a newline
    return f"* * * * * {env} {command} {cron_marker(name)}"


def _is_ours(line: str, name: str) -> bool:
    return line.rstrip().endswith(cron_marker(name))


def crontab_with_line(existing: str, line: str, *, name: str = JOB_NAME) -> str:
    """``existing`` with exactly one line of ours (``line``), every other line untouched."""
    kept = [raw for raw in existing.splitlines() if not _is_ours(raw, name)]
    return "\n".join([*kept, line]) + "\n"


def crontab_without_line(existing: str, *, name: str = JOB_NAME) -> str:
    """``existing`` without our line; every other line untouched."""
    kept = [raw for raw in existing.splitlines() if not _is_ours(raw, name)]
    return "\n".join(kept) + "\n" if kept else ""


def crontab_has_line(existing: str, *, name: str = JOB_NAME) -> bool:
    return any(_is_ours(raw, name) for raw in existing.splitlines())


# --- one run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRun:
    """What one ``background run`` did: the publishing pass, then the metrics pass (None when it
    did not run: ``metrics_note`` says why)."""

    publish: PassReport
    metrics: SyncReport | None
    metrics_note: str = ""
    metrics_failed: bool = False  # the metrics pass itself could not run

    @property
    def ok(self) -> bool:
        metrics_ok = self.metrics.ok if self.metrics is not None else not self.metrics_failed
        return self.publish.ok and metrics_ok

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "publish": self.publish.to_json(),
            "metrics": self.metrics.to_json() if self.metrics is not None else None,
            "metrics_note": self.metrics_note or None,
        }


def run_job(ctx: AppContext, *, budget: float = METRICS_BUDGET, clock: Any = time.monotonic) -> JobRun:
    """One run of the OS job: a publishing pass, then the due metrics within ``budget`` seconds
    of the start. A publishing pass that cannot run raises (as ``publish-due`` does); a metrics
    pass that cannot run is reported, never at publishing's expense."""
    from desktop.services.metrics import sync_metrics
    from desktop.services.publisher import Publisher

    started = clock()
    publish = Publisher(ctx, kind="cli").run_once()
    if clock() - started >= budget:
        return JobRun(publish, None, "Publishing took the run's time; due metrics wait for the next run.")
    try:
        metrics = sync_metrics(ctx, manual=False, cancel=lambda: clock() - started >= budget)
    except Exception as exc:  # the DB is busy or broken: publishing's report still goes out
        from desktop.store.database import describe_db_error

        return JobRun(publish, None, f"Metrics could not be read: {describe_db_error(exc, ctx.db.path)}", True)
    return JobRun(publish, metrics)


# --- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobFile:
    path: Path
    content: str
    encoding: str = "utf-8"


@dataclass(frozen=True)
class JobPlan:
    """What would be installed on this machine, and how."""

    mechanism: str | None  # SYSTEMD, LAUNCHD, SCHTASKS, CRON; None when nothing can run it
    description: str  # e.g. "systemd user timer, every minute"
    argv: tuple[str, ...]
    command_line: str  # ``argv`` quoted for this OS: what the user is shown
    files: tuple[JobFile, ...] = ()
    install_commands: tuple[tuple[str, ...], ...] = ()
    remove_commands: tuple[tuple[str, ...], ...] = ()
    log_path: Path | None = None
    cron_line: str = ""
    unavailable: str = ""  # why mechanism is None

    def to_json(self) -> dict[str, Any]:
        return {
            "mechanism": self.mechanism,
            "description": self.description,
            "command": self.command_line,
            "files": [str(f.path) for f in self.files],
            "install_commands": [shlex.join(c) for c in self.install_commands],
            "remove_commands": [shlex.join(c) for c in self.remove_commands],
            "log": str(self.log_path) if self.log_path else None,
        }


@dataclass(frozen=True)
class JobStatus:
    installed: bool
    detail: str


@dataclass
class _Probe:
    ok: bool
    detail: str = ""


@dataclass
class BackgroundJob:
    """Plans, installs, removes and checks the OS job. Everything machine-specific is injectable."""

    platform: str = field(default_factory=lambda: sys.platform)
    home: Path = field(default_factory=Path.home)
    config_dir: Path | None = None  # Linux: $XDG_CONFIG_HOME, else ~/.config
    tool_path: str | None = None  # where to find systemctl/crontab/launchctl/schtasks (default $PATH)
    executable: str | None = None
    frozen: bool | None = None
    uid: int | None = None
    name: str = JOB_NAME
    timeout: float = 30.0

    # --- planning ------------------------------------------------------------------------------

    def plan(self, ctx: AppContext) -> JobPlan:
        """Which mechanism this OS uses, its files and commands. May run ``systemctl --user``."""
        return self.plan_for(ctx.data_dir)

    def plan_for(self, data_dir: Path) -> JobPlan:
        argv = publish_command(data_dir, executable=self.executable, frozen=self.frozen, platform=self.platform)
        log_path = Path(data_dir) / LOG_NAME
        if self.platform == "darwin":
            return self._plan_launchd(argv, log_path)
        if self.platform == "win32":
            return self._plan_schtasks(argv, Path(data_dir))
        systemd = self._probe_systemd()
        if systemd.ok:
            return self.plan_systemd(argv)
        if self._which("crontab"):
            return self.plan_cron(argv, log_path)
        return JobPlan(
            None,
            "not available",
            tuple(argv),
            posix_command_line(argv),
            log_path=log_path,
            unavailable=(
                f"Neither a systemd user session ({systemd.detail}) nor crontab is available, so nothing "
                "can run publishing while the app is closed."
            ),
        )

    def _uid(self) -> int:
        if self.uid is not None:
            return self.uid
        getuid = getattr(os, "getuid", None)
        return int(getuid()) if getuid else 0

    def _plan_launchd(self, argv: list[str], log_path: Path) -> JobPlan:
        plist = self.home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        domain = f"gui/{self._uid()}"
        return JobPlan(
            LAUNCHD if self._which("launchctl") else None,
            DESCRIPTIONS[LAUNCHD],
            tuple(argv),
            posix_command_line(argv),
            files=(JobFile(plist, launchd_plist(argv, log_path)),),
            install_commands=(("launchctl", "bootstrap", domain, str(plist)),),
            remove_commands=(("launchctl", "bootout", domain, str(plist)),),
            log_path=log_path,
            unavailable="" if self._which("launchctl") else "launchctl was not found.",
        )

    def _plan_schtasks(self, argv: list[str], data_dir: Path) -> JobPlan:
        xml_path = data_dir / TASK_XML_NAME
        found = self._which("schtasks")
        return JobPlan(
            SCHTASKS if found else None,
            DESCRIPTIONS[SCHTASKS],
            tuple(argv),
            windows_command_line(argv),
            # schtasks reads task XML reliably only as UTF-16 with a byte order mark
            files=(JobFile(xml_path, schtasks_xml(argv), encoding="utf-16"),),
            install_commands=(("schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(xml_path), "/F"),),
            remove_commands=(("schtasks", "/Delete", "/TN", TASK_NAME, "/F"),),
            unavailable="" if found else "schtasks was not found.",
        )

    def systemd_unit_dir(self) -> Path:
        base = self.config_dir
        if base is None:
            xdg = os.environ.get("XDG_CONFIG_HOME")
            base = Path(xdg) if xdg else self.home / ".config"
        return base / "systemd" / "user"

    def plan_systemd(self, argv: list[str]) -> JobPlan:
        units = self.systemd_unit_dir()
        timer = f"{self.name}.timer"
        return JobPlan(
            SYSTEMD,
            DESCRIPTIONS[SYSTEMD],
            tuple(argv),
            posix_command_line(argv),
            files=(
                JobFile(units / f"{self.name}.service", systemd_service(argv)),
                JobFile(units / timer, systemd_timer(name=self.name)),
            ),
            install_commands=(
                ("systemctl", "--user", "daemon-reload"),
                ("systemctl", "--user", "enable", "--now", timer),
            ),
            remove_commands=(
                ("systemctl", "--user", "disable", "--now", timer),
                ("systemctl", "--user", "daemon-reload"),
            ),
        )

    def plan_cron(self, argv: list[str], log_path: Path) -> JobPlan:
        return JobPlan(
            CRON,
            DESCRIPTIONS[CRON],
            tuple(argv),
            posix_command_line(argv),
            install_commands=(("crontab", "-l"), ("crontab", "-")),
            remove_commands=(("crontab", "-l"), ("crontab", "-")),
            log_path=log_path,
            cron_line=cron_line(argv, log_path, uid=self._uid(), name=self.name),
        )

    # --- doing ---------------------------------------------------------------------------------

    def install(self, plan: JobPlan) -> JobStatus:
        """Write the files and register the job with the OS. Replaces an earlier install."""
        self._require(plan)
        if plan.mechanism == CRON:
            self._write_crontab(crontab_with_line(self._read_crontab(), plan.cron_line, name=self.name))
            return self.status(plan)
        for f in plan.files:
            try:
                f.path.parent.mkdir(parents=True, exist_ok=True)
                f.path.write_text(f.content, encoding=f.encoding)
            except OSError as exc:
                raise BackgroundJobError(f"Could not write {f.path}: {exc.strerror or exc}") from exc
        if plan.mechanism == LAUNCHD:
            # bootstrap refuses a label that is already loaded: unload the old one first
            self._run(plan.remove_commands[0], check=False)
        for command in plan.install_commands:
            self._run(command)
        return self.status(plan)

    def remove(self, plan: JobPlan) -> JobStatus:
        """Unregister the job and delete its files. Removing what is not installed is fine."""
        self._require(plan)
        if plan.mechanism == CRON:
            current = self._read_crontab()
            if crontab_has_line(current, name=self.name):
                self._write_crontab(crontab_without_line(current, name=self.name))
            return self.status(plan)
        # unregister (no error if the OS does not know it), delete the files, then reload
        unregister, *after = plan.remove_commands
        self._run(unregister, check=self.status(plan).installed)
        for f in plan.files:
            try:
                f.path.unlink(missing_ok=True)
            except OSError as exc:
                raise BackgroundJobError(f"Could not delete {f.path}: {exc.strerror or exc}") from exc
        for command in after:
            self._run(command)
        return self.status(plan)

    def status(self, plan: JobPlan) -> JobStatus:
        """Whether the OS has the job, and a line saying what it knows (and whether what is
        installed runs another command than this version's, e.g. ``publish-due`` alone)."""
        status = self._status(plan)
        if status.installed and self._outdated(plan):
            return JobStatus(
                True, f"{status.detail} It runs an older command: install it again to update it ({OUTDATED_HINT})."
            )
        return status

    def _outdated(self, plan: JobPlan) -> bool:
        if plan.mechanism == CRON:
            ours = [line for line in self._read_crontab().splitlines() if _is_ours(line, self.name)]
            return bool(ours) and ours != [plan.cron_line]
        for f in plan.files:
            try:
                if f.path.exists() and f.path.read_text(encoding=f.encoding) != f.content:
                    return True
            except (OSError, UnicodeError):
                return False  # unreadable: say nothing rather than guess
        return False

    def _status(self, plan: JobPlan) -> JobStatus:
        if plan.mechanism is None:
            return JobStatus(False, plan.unavailable)
        if plan.mechanism == CRON:
            if crontab_has_line(self._read_crontab(), name=self.name):
                return JobStatus(True, "In your crontab; runs every minute.")
            return JobStatus(False, "Not in your crontab.")
        if plan.mechanism == SYSTEMD:
            timer = f"{self.name}.timer"
            enabled = self._run(("systemctl", "--user", "is-enabled", timer), check=False)
            active = self._run(("systemctl", "--user", "is-active", timer), check=False)
            on = enabled.returncode == 0 and active.returncode == 0
            if on:
                return JobStatus(True, "Runs every minute (a systemd user timer).")
            if enabled.stdout.strip() in ("", "not-found"):
                return JobStatus(False, "Not set up: there is no systemd user timer for it.")
            return JobStatus(False, "Set up, but its systemd user timer is stopped; turn it on again to restart it.")
        if plan.mechanism == LAUNCHD:
            loaded = self._run(("launchctl", "print", f"gui/{self._uid()}/{LAUNCHD_LABEL}"), check=False)
            if loaded.returncode == 0:
                return JobStatus(True, "Loaded in launchd; runs every minute.")
            return JobStatus(False, "Not loaded in launchd.")
        query = self._run(("schtasks", "/Query", "/TN", TASK_NAME), check=False)
        if query.returncode == 0:
            return JobStatus(True, f"Task {TASK_NAME} is registered; runs every minute while you are logged on.")
        return JobStatus(False, f"No task {TASK_NAME}.")

    # --- the OS tools --------------------------------------------------------------------------

    def _require(self, plan: JobPlan) -> None:
        if plan.mechanism is None:
            raise BackgroundJobError(plan.unavailable)

    def _which(self, tool: str) -> str | None:
        return shutil.which(tool, path=self.tool_path)

    def _probe_systemd(self) -> _Probe:
        if not self._which("systemctl"):
            return _Probe(False, "systemctl was not found")
        try:
            result = self._run(("systemctl", "--user", "show-environment"), check=False)
        except BackgroundJobError as exc:
            return _Probe(False, str(exc))
        if result.returncode == 0:
            return _Probe(True)
        return _Probe(False, f"systemctl --user: {_first_line(result.stderr) or f'exit {result.returncode}'}")

    def _run(
        self, command: tuple[str, ...], *, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        tool = self._which(command[0])
        shown = shlex.join(command)
        if tool is None:
            raise BackgroundJobError(f"{command[0]} was not found, so '{shown}' cannot run.")
        try:
            result = subprocess.run(
                [tool, *command[1:]],
                input=stdin if stdin is not None else "",
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BackgroundJobError(f"'{shown}' did not finish within {self.timeout:g} s.") from exc
        except OSError as exc:
            raise BackgroundJobError(f"Could not run '{shown}': {exc.strerror or exc}") from exc
        if check and result.returncode != 0:
            raise BackgroundJobError(_explain(command, result))
        return result

    def _read_crontab(self) -> str:
        result = self._run(("crontab", "-l"), check=False)
        if result.returncode == 0:
            return result.stdout
        if "no crontab" in result.stderr.lower():
            return ""
        raise BackgroundJobError(_explain(("crontab", "-l"), result))

    def _write_crontab(self, text: str) -> None:
        self._run(("crontab", "-"), stdin=text)


# --- when the computer last woke --------------------------------------------------------------------

_WAKE_CACHE_SECONDS = 60.0
_wake_cache: tuple[float, datetime | None] | None = None


def parse_darwin_waketime(text: str) -> datetime | None:
    """``sysctl -n kern.waketime`` → ``{ sec = 1767258000, usec = 0 } Thu Jan  1 09:00:00 2026``."""
    match = re.search(r"sec\s*=\s*(\d+)", text)
    if not match or int(match.group(1)) == 0:
        return None
    return datetime.fromtimestamp(int(match.group(1)), UTC)


def parse_journal_wake(text: str) -> datetime | None:
    """The newest kernel "PM: suspend exit" line of ``journalctl -k -o short-unix``."""
    found = None
    for line in text.splitlines():
        match = re.match(r"\s*(\d+(?:\.\d+)?)\s.*PM: (?:suspend|hibernation) exit", line)
        if match:
            found = datetime.fromtimestamp(float(match.group(1)), UTC)
    return found


def last_wake_time(*, platform: str | None = None, timeout: float = 2.0) -> datetime | None:
    """When this computer last woke from sleep, where the OS says without special rights
    (macOS ``kern.waketime``; Linux's kernel journal when readable); else None. Cached a minute.

    Lets the log say a post went out late "after the computer woke" rather than guessing.
    """
    global _wake_cache
    now = time.monotonic()
    if platform is None and _wake_cache is not None and now - _wake_cache[0] < _WAKE_CACHE_SECONDS:
        return _wake_cache[1]
    which = platform or sys.platform
    if which == "darwin":
        command, parse = ["sysctl", "-n", "kern.waketime"], parse_darwin_waketime
    elif which.startswith("linux"):
        command = ["journalctl", "-k", "-b", "-o", "short-unix", "--no-pager", "-g", "PM: (suspend|hibernation) exit"]
        parse = parse_journal_wake
    else:
        return None
    woke: datetime | None = None
    if shutil.which(command[0]):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
            woke = parse(result.stdout) if result.returncode == 0 else None
        except (OSError, subprocess.SubprocessError, ValueError, OverflowError):
            woke = None
    if platform is None:
        _wake_cache = (now, woke)
    return woke


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _explain(command: tuple[str, ...], result: subprocess.CompletedProcess[str]) -> str:
    """One line for a failed OS tool, with a hint for the failure users actually meet."""
    said = _first_line(result.stderr) or _first_line(result.stdout) or f"exit status {result.returncode}"
    if command[:2] == ("systemctl", "--user") and re.search(r"bus|XDG_RUNTIME_DIR", said, re.IGNORECASE):
        return (
            f"systemctl --user is not available: no user session bus (are you logged in to a desktop session?) [{said}]"
        )
    return f"'{shlex.join(command)}' failed: {said}"
