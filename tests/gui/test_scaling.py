"""The main window at 150 % and 200 % (QT_SCALE_FACTOR, read when the QApplication is created, so
each factor runs in its own process on the offscreen platform): every page, with a realistic desk,
at the minimum window size in logical pixels, lays out without overlaps or cut text, and renders
at the factor's device pixel ratio (sharp, not an upscaled 100 % image)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs in the child process: one window, every page, the problems and the grab's pixel ratio as JSON.
_CHILD = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from desktop import ORG_DOMAIN, ORG_NAME

app = QApplication(["campaign-desk-scaling"])
app.setOrganizationName(ORG_NAME)
app.setOrganizationDomain(ORG_DOMAIN)
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])

from desktop.services.context import AppContext
from desktop.ui import theme
from tests.gui.test_layout_sizes import close_window, make_realistic, open_window, page_problems

shots = Path(sys.argv[1])
theme.apply(app, sys.argv[3])
ctx = AppContext.open()
make_realistic(ctx)
window = open_window(ctx, (900, 600))
result = {"size": [window.width(), window.height()], "pages": {}}
for key in window.pages:
    problems = page_problems(window, key)
    pixmap = window.grab()
    pixmap.save(str(shots / f"scaled-{sys.argv[4]}-{key}-{sys.argv[3]}.png"))
    result["pages"][key] = {
        "problems": problems,
        "ratio": pixmap.devicePixelRatio(),
        "pixels": [pixmap.width(), pixmap.height()],
    }
close_window(window)
ctx.close()
print("RESULT " + json.dumps(result))
"""


@pytest.mark.slow
@pytest.mark.parametrize("factor", ["1.5", "2"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_at_the_minimum_size_scaled(
    subprocess_env: dict[str, str], tmp_path: Path, screenshot_dir: Path, factor: str, scheme: str
) -> None:
    env = {**subprocess_env, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": factor, "PYTHONPATH": str(ROOT)}
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    env.pop("QT_AUTO_SCREEN_SCALE_FACTOR", None)
    label = factor.replace(".", "_")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(screenshot_dir), str(tmp_path / "qsettings"), scheme, label],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))

    assert result["size"] == [900, 600]  # logical pixels: the minimum window size
    ratio = float(factor)
    problems = []
    for key, page in result["pages"].items():
        assert page["ratio"] == pytest.approx(ratio), key
        assert page["pixels"] == [round(900 * ratio), round(600 * ratio)], key
        problems += [f"[{key}] {line}" for line in page["problems"]]
    assert problems == [], "\n" + "\n".join(problems)
