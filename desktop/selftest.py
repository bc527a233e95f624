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
import time
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


def _check_qt_plugins() -> str:
    from PySide6.QtCore import QLibraryInfo  # noqa: TID251 — a Qt check, run only by the self-test
    from PySide6.QtGui import QGuiApplication, QImageReader  # noqa: TID251

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    platforms = sorted(p.name for p in (plugins / "platforms").glob("*") if p.is_file())
    native = _NATIVE_QPA.get("linux" if sys.platform.startswith("linux") else sys.platform)
    if native and not any(native in name for name in platforms):
        raise FileNotFoundError(f"no {native} platform plugin in {plugins / 'platforms'} (found {platforms})")
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = [f for f in ("svg", "png") if f not in formats]
    if missing:
        raise RuntimeError(f"image formats missing: {', '.join(missing)} (have {', '.join(sorted(formats))})")
    styles_dir = plugins / "styles"
    styles = sorted(p.name for p in styles_dir.glob("*")) if styles_dir.is_dir() else []
    return (
        f"platform {QGuiApplication.platformName()} (available: {', '.join(platforms)}); "
        f"images: {', '.join(sorted(formats))}; style plugins: {', '.join(styles) or 'built-in only'}"
    )


def _check_charts() -> str:
    from PySide6 import QtCharts  # noqa: TID251 — analytics charts; a missing module shows up here

    return f"QtCharts {QtCharts.__name__} imports"


def _check_window(ctx: Any) -> str:
    """Build, show and render the main window; let its start-up work finish; fail on any error it raised."""
    from PySide6.QtWidgets import QApplication  # noqa: TID251

    from desktop.ui.main_window import MainWindow

    with _collect_errors() as errors:
        window = MainWindow(ctx)
        try:
            window.show()
            _settle(window)
            pixmap = window.grab()
            page = window.current_page().key
        finally:
            window.runner.cancel_all()
            window.runner.wait(5000)
            window.hide()  # not close(): that would save window state
            window.deleteLater()
            QApplication.processEvents()
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RuntimeError(f"error while the window loaded: {errors[0]}{more}")
    if pixmap.isNull() or pixmap.width() < 100:
        raise RuntimeError("the window rendered nothing")
    return f"{len(window.pages)} pages, showing {page!r}, rendered {pixmap.width()}x{pixmap.height()}"


def _settle(window: Any, timeout: float = 15.0) -> None:
    """Process events until the window's background tasks have delivered their results."""
    from PySide6.QtWidgets import QApplication  # noqa: TID251

    deadline = time.monotonic() + timeout
    QApplication.processEvents()
    while window.runner.pending() and time.monotonic() < deadline:
        window.runner.wait(50)
        QApplication.processEvents()
    QApplication.processEvents()


@contextmanager
def _collect_errors() -> Iterator[list[str]]:
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
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never flash a window on the user's screen
    from PySide6.QtCore import QSettings  # noqa: TID251

    from desktop.ui.app import make_application

    app = make_application(["campaign-desk", "--self-test"])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    return app


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
            test.check("qt plugins", _check_qt_plugins)
            test.check("qt charts", _check_charts)
        if ctx is None or not qt_ready:
            test.fail("main window", "skipped: " + ("the database did not open" if ctx is None else "no Qt"))
        else:
            test.check("main window", lambda: _check_window(ctx))
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
