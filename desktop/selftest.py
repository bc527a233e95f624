"""``campaign-desk --self-test``: check that this installation works, in source form or frozen.

Runs on a throw-away data dir and never touches the user's database, keyring entries or window
settings: opens (and migrates) a fresh database, lists the providers, loads the keyring backend,
checks the Qt plugins the app needs and builds the main window offscreen. Each check is printed
with ``ok`` or ``FAIL``; with ``--json`` one document ``{"ok": ..., "checks": [...]}``.
Exit 0 when every check passes, 1 otherwise. Installers and CI run it against the built bundle,
where a lost data file, hidden import or entry point shows up as a failed check.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

from desktop import __version__

# The OS keyring backend the app relies on per platform, and the modules it needs at runtime.
# keyring finds its backends through the ``keyring.backends`` entry points, which a frozen app
# loses unless keyring's metadata is bundled; these checks catch exactly that.
_PLATFORM_KEYRING: dict[str, tuple[str, tuple[str, ...]]] = {
    "linux": ("keyring.backends.SecretService", ("secretstorage", "jeepney")),
    "darwin": ("keyring.backends.macOS", ("keyring.backends.macOS.api",)),
    "win32": ("keyring.backends.Windows", ("win32ctypes.pywin32.win32cred",)),
}
_NATIVE_QPA = {"linux": "xcb", "darwin": "cocoa", "win32": "windows"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@contextmanager
def _env(**values: str | None) -> Iterator[None]:
    """Temporarily set (or, with None, remove) environment variables."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class SelfTest:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def check(self, name: str, fn: Callable[[], str]) -> bool:
        """Run one check: ``fn`` returns the detail on success and raises on failure."""
        try:
            detail = fn()
            ok = True
        except Exception as exc:
            detail, ok = _one_line(exc), False
        self.checks.append(Check(name, ok, detail))
        return ok

    def fail(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, False, detail))

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


# --- the checks -------------------------------------------------------------------------------


def _check_runtime() -> str:
    frozen = bool(getattr(sys, "frozen", False))
    where = f"frozen bundle at {Path(sys.executable).parent}" if frozen else f"source install, {sys.executable}"
    try:
        metadata.version("campaign-desk")
    except metadata.PackageNotFoundError:
        if frozen:
            raise RuntimeError("the bundle lacks campaign-desk's package metadata (copy_metadata)") from None
        where += "; package not installed, version is the fallback"
    return f"Campaign Desk {__version__}, Python {platform.python_version()} on {platform.platform()}; {where}"


def _check_resources() -> str:
    from desktop.ui.resources import resources_dir

    root = resources_dir()
    icons = root / "icons"
    missing = [name for name in ("app.svg", "calendar.svg", "networks") if not (icons / name).exists()]
    if missing:
        raise FileNotFoundError(f"missing under {icons}: {', '.join(missing)}")
    return f"{sum(1 for _ in icons.rglob('*.svg'))} SVG icons in {root}"


def _check_keyring() -> str:
    import keyring

    from desktop.services.vault import Vault

    backend = keyring.get_keyring()
    status = Vault(backend=backend).status()
    kind = "secure" if status.secure else "not encrypted (allowed only with the user's consent)"
    return f"{status.backend}, {kind}"


def _check_keyring_backends() -> str:
    """The platform's secure backend is bundled, registered as an entry point and importable."""
    key = "linux" if sys.platform.startswith("linux") else sys.platform
    if key not in _PLATFORM_KEYRING:
        return f"no secure backend expected on {sys.platform}"
    module_name, deps = _PLATFORM_KEYRING[key]
    registered = {ep.value for ep in metadata.entry_points(group="keyring.backends")}
    if module_name not in registered:
        raise RuntimeError(f"{module_name} is not registered in the keyring.backends entry points")
    module = importlib.import_module(module_name)
    for dep in deps:
        importlib.import_module(dep)
    try:
        module.Keyring.priority  # noqa: B018 — raises when the backend cannot run here
        usable = "usable here"
    except Exception as exc:
        usable = f"not usable here ({_one_line(exc)})"
    others = [
        name.rsplit(".", 1)[-1]
        for name, _ in _PLATFORM_KEYRING.values()
        if name != module_name and name in registered and _importable(name)
    ]
    extra = f"; also present: {', '.join(others)}" if others else ""
    return f"{module_name} with {', '.join(deps)}: entry point registered, imports, {usable}{extra}"


def _importable(module_name: str) -> bool:
    try:
        importlib.import_module(module_name)
    except Exception:
        return False
    return True


@contextmanager
def collect_errors() -> Iterator[list[str]]:
    """Exceptions raised in Qt slots (which Qt only prints) and errors logged, as one-line descriptions."""
    errors: list[str] = []
    previous_hook = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        where = traceback.extract_tb(tb)[-1] if tb else None
        at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
        errors.append(f"{_one_line(exc)}{at}")
        previous_hook(kind, exc, tb)

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(f"logged by {record.name}: {record.getMessage()}")

    recorder = Recorder(level=logging.ERROR)
    root = logging.getLogger()
    sys.excepthook = hook
    root.addHandler(recorder)
    try:
        yield errors
    finally:
        root.removeHandler(recorder)
        sys.excepthook = previous_hook


# --- running ----------------------------------------------------------------------------------


def _prepare_qt(tmp: Path) -> Any:
    """The QApplication, offscreen unless the caller chose a platform, with settings kept in ``tmp``."""
    from desktop.ui import selftest_qt

    return selftest_qt.prepare_application(tmp)


def collect(tmp: Path) -> SelfTest:
    from desktop.services.context import AppContext
    from desktop.store.database import MIGRATIONS, head_revision

    test = SelfTest()
    test.check("runtime", _check_runtime)
    test.check("resources", _check_resources)

    ctx: Any = None

    def open_db() -> str:
        nonlocal ctx
        ctx = AppContext.open(tmp / "data")
        version, head = ctx.db.schema_version(), head_revision()
        if version != head:
            raise RuntimeError(f"schema at {version}, expected {head}")
        scripts = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
        return f"SQLite in a temp dir migrated to {version} (head); {len(scripts)} migration scripts in {MIGRATIONS}"

    test.check("database", open_db)
    try:
        if ctx is None:
            test.fail("providers", "skipped: the database did not open")
        else:
            test.check("providers", lambda: _check_providers(ctx))
        test.check("keyring", _check_keyring)
        test.check("keyring backends", _check_keyring_backends)
        qt_ready = test.check("qt application", lambda: _describe_app(_prepare_qt(tmp)))
        if qt_ready:
            # Qt lives under desktop/ui (the layer rules): the checks that need it are there
            from desktop.ui import selftest_qt

            test.check("qt plugins", lambda: selftest_qt.check_plugins(_NATIVE_QPA))
            test.check("qt charts", selftest_qt.check_charts)
        if ctx is None or not qt_ready:
            test.fail("main window", "skipped: " + ("the database did not open" if ctx is None else "no Qt"))
        else:
            test.check("main window", lambda: selftest_qt.check_window(ctx))
    finally:
        if ctx is not None:
            ctx.close()
    return test


def _check_providers(ctx: Any) -> str:
    from providers.registry import BUILTINS

    ids = ctx.registry.ids()
    if ctx.registry.broken:
        broken = "; ".join(f"{b.name} ({b.source}): {b.error}" for b in ctx.registry.broken)
        raise RuntimeError(f"broken: {broken}; loaded: {', '.join(ids) or 'none'}")
    missing = [name for name, _ in BUILTINS if name not in ids]
    if missing:
        raise RuntimeError(f"built-in providers missing: {', '.join(missing)}")
    return ", ".join(f"{cls.info.id} ({cls.info.name})" for cls in ctx.registry)


def _describe_app(app: Any) -> str:
    return f"{app.applicationName()} {app.applicationVersion()} on the {app.platformName()} platform"


def run_self_test(as_json: bool) -> int:
    """Run every check on a temporary data dir; print the results; 0 if all passed, else 1."""
    # A shared PostgreSQL from the environment must not be touched: the self-test uses its own SQLite.
    with (
        tempfile.TemporaryDirectory(prefix="campaign-desk-selftest-", ignore_cleanup_errors=True) as tmp,
        _env(CAMPAIGN_DESK_DB_URL=None),
    ):
        test = collect(Path(tmp))
    if as_json:
        doc = {"ok": test.ok, "checks": [asdict(c) for c in test.checks]}
        print(json.dumps(doc, indent=2))
    else:
        width = max(len(c.name) for c in test.checks)
        print(f"Campaign Desk {__version__} self-test")
        for c in test.checks:
            print(f"  {'ok  ' if c.ok else 'FAIL'}  {c.name:<{width}}  {c.detail}")
        failed = sum(not c.ok for c in test.checks)
        if failed:
            print(f"{failed} of {len(test.checks)} checks failed.")
        else:
            print(f"All {len(test.checks)} checks passed.")
    sys.stdout.flush()
    return 0 if test.ok else 1
