"""``desktop.__version__``: looked up on first use (not at import), and the same answer
``importlib.metadata`` gives, found by listing the metadata folders along ``sys.path``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import desktop
from desktop import find_version

REPO = Path(__file__).resolve().parents[2]


def test_the_version_is_the_installed_metadata_s() -> None:
    assert find_version() == version("campaign-desk")
    assert desktop.__version__ == version("campaign-desk")


def test_importing_desktop_does_not_import_importlib_metadata() -> None:
    code = (
        "import sys, desktop\n"
        "print('importlib.metadata' in sys.modules)\n"
        "print(desktop.__version__)\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    before, found, after = done.stdout.split()
    assert (before, found, after) == ("False", version("campaign-desk"), "False")


def test_the_first_folder_of_ours_on_the_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = tmp_path / "wheel"
    (wheel / "campaign_desk-9.8.7.dist-info").mkdir(parents=True)
    (wheel / "campaign_tools-1.0.dist-info").mkdir()  # another project's: not ours
    develop = tmp_path / "develop"
    (develop / "campaign_desk.egg-info").mkdir(parents=True)
    (develop / "campaign_desk.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 2.4\nName: campaign-desk\nVersion: 4.5.6\n\nVersion: not a header\n", encoding="utf-8"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path / "gone"), str(develop), str(wheel)])
    assert find_version() == "4.5.6"
    monkeypatch.setattr(sys, "path", [str(wheel), str(develop)])
    assert find_version() == "9.8.7"
    monkeypatch.setattr(sys, "path", [str(tmp_path / "gone")])
    assert find_version() == desktop.FALLBACK_VERSION  # no metadata anywhere


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        desktop.no_such_thing  # noqa: B018
