"""Finding files under resources/, in a source tree or a frozen bundle."""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path


@cache  # resolving walks the path's links: once is enough
def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


_tinted_dir: Path | None = None


def tinted_svg(name: str, color: str) -> Path:
    """resources/icons/<name>.svg with its ``currentColor`` drawn in ``color`` ("#rrggbb"), as a
    file Qt's SVG icon engine and a style sheet's ``url()`` can load. The files live in a folder
    of this process's own in the temp dir, removed at exit; each is written once."""
    global _tinted_dir
    if _tinted_dir is None:
        _tinted_dir = Path(tempfile.mkdtemp(prefix="campaign-desk-icons-"))
        atexit.register(shutil.rmtree, _tinted_dir, True)
    path = _tinted_dir / f"{name.replace('/', '--')}-{color.lstrip('#')}.svg"
    if not path.exists():
        data = resource("icons", f"{name}.svg").read_text(encoding="utf-8")
        path.write_text(data.replace("currentColor", color), encoding="utf-8")
    return path
