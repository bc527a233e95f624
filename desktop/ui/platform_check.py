"""Before the first window on Linux: are the X11 libraries Qt's xcb plugin needs installed?

Without them Qt prints "could not load the Qt platform plugin "xcb" … Reinstalling the
application may fix this problem", which sends the user the wrong way. This module loads the
plugin (as Qt is about to) and only when that fails asks the dynamic linker (``ldd``) which
libraries it cannot find — plus ``libxcb-cursor.so.0``, which Qt 6.5+ loads by hand — and turns
the answer into the packages to install. It does not import QtGui or QtWidgets, so it can run
before the QApplication exists.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

#: Library file → Debian/Ubuntu package (the names the README's requirements list too).
DEBIAN_PACKAGES: Mapping[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

#: Loaded by Qt at run time (dlopen), so ldd cannot see it missing.
RUNTIME_LOADED = ("libxcb-cursor.so.0",)

_NOT_FOUND = r"^\s*(\S+)\s*=>\s*not found"


def xcb_plugin() -> Path | None:
    """Qt's xcb platform plugin inside the installed (or bundled) PySide6, if there is one."""
    try:
        import PySide6
    except ImportError:  # pragma: no cover - the app cannot run at all then
        return None
    path = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def wants_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will try the xcb plugin: on Linux with a display, unless told otherwise."""
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return False  # Qt takes its Wayland plugin
    return bool(env.get("DISPLAY"))


def _ldd_missing(plugin: Path) -> list[str]:
    """What the linker cannot find for ``plugin``. If the plugin loads, nothing (Qt loads the
    same file next, so this costs no more than it will anyway); only when it does not, ``ldd``
    (a process, tens of milliseconds) lists every library it lacks."""
    if _loadable(str(plugin)):
        return []
    import re
    import shutil
    import subprocess

    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return re.findall(_NOT_FOUND, out, re.MULTILINE)


def _loadable(name: str) -> bool:
    import ctypes

    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_libraries(
    plugin: Path,
    *,
    linked: Callable[[Path], Sequence[str]] = _ldd_missing,
    loadable: Callable[[str], bool] = _loadable,
) -> list[str]:
    """The libraries the xcb plugin needs and the system lacks, each once, in a stable order."""
    missing = list(dict.fromkeys(linked(plugin)))
    missing += [name for name in RUNTIME_LOADED if name not in missing and not loadable(name)]
    return missing


def install_advice(missing: Sequence[str]) -> str:
    """What to tell the user: which libraries are missing and the one command that installs them."""
    packages = list(dict.fromkeys(DEBIAN_PACKAGES.get(name, "") for name in missing if name in DEBIAN_PACKAGES))
    unknown = [name for name in missing if name not in DEBIAN_PACKAGES]
    lines = [
        "Campaign Desk cannot open its window: this computer lacks X11 libraries that Qt needs "
        f"({', '.join(missing)}).",
    ]
    if packages:
        lines.append("On Debian or Ubuntu, install them with:")
        lines.append(f"    sudo apt-get install {' '.join(packages)}")
    if unknown:
        lines.append(
            f"Also install the package that provides {', '.join(unknown)} (your distribution's package search)."
        )
    lines.append("Reinstalling Campaign Desk will not help. The command line works without them.")
    return "\n".join(lines)


def check_before_window(env: Mapping[str, str] | None = None) -> str | None:
    """None when the window can open as far as libraries go; else the advice to print."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux") or not wants_xcb(env):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    return install_advice(missing) if missing else None
