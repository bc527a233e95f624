"""Campaign Desk: the desktop app (Qt UI, services and local store).

``desktop.__version__`` is looked up on first use, not at import: ``importlib.metadata`` costs
tens of milliseconds to import and scan, and the window's first paint does not need it.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "Campaign Desk"
APP_ID = "campaign-desk"
ORG_NAME = "Campaign Desk"
ORG_DOMAIN = "campaign-desk.app"

#: When no installed metadata says otherwise (a bare source tree, a bundle without metadata).
FALLBACK_VERSION = "0.1.0"
_DIST = "campaign_desk"  # the distribution's name as metadata folders spell it (PEP 503/427)


def _metadata_version(folder: str, name: str) -> str | None:
    """The version a ``*.dist-info`` / ``*.egg-info`` folder of ours names, or None if not ours."""
    stem, dot, kind = name.rpartition(".")
    if not dot or kind not in ("dist-info", "egg-info"):
        return None
    project, _, version = stem.partition("-")
    if project.lower().replace("-", "_").replace(".", "_") != _DIST:
        return None
    if kind == "dist-info" and version:
        return version
    try:  # an egg-info folder (setuptools' develop mode) may not name its version: read it
        with open(os.path.join(folder, name, "PKG-INFO"), encoding="utf-8") as info:
            for line in info:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip() or None
                if not line.strip():
                    break  # the headers end at the first blank line
    except OSError:
        pass
    return version or None


def find_version() -> str:
    """The installed version, found as ``importlib.metadata.version("campaign-desk")`` finds it
    (the first metadata folder of ours along ``sys.path``) by listing those folders; falls back to
    ``importlib.metadata`` for distributions that are not plain folders (zips, custom finders)."""
    for entry in sys.path:
        folder = entry or "."
        try:
            names = sorted(os.listdir(folder))
        except OSError:  # not a directory (a zip, a path hook's marker) or gone
            continue
        for name in names:
            version = _metadata_version(folder, name)
            if version is not None:
                return version
    try:
        from importlib import metadata

        return metadata.version("campaign-desk")
    except Exception:  # no metadata anywhere: a source tree that was never installed
        return FALLBACK_VERSION


def __getattr__(name: str) -> str:
    if name == "__version__":
        value = find_version()
        globals()["__version__"] = value  # later look-ups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
