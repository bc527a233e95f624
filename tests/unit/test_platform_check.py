"""Before the first window on Linux: missing X11 libraries are named with the command that
installs them, instead of Qt's "reinstalling the application may fix this problem"."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop import cli
from desktop.ui import platform_check
from desktop.ui.platform_check import install_advice, missing_libraries, wants_xcb


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DISPLAY": ":0"}, True),
        ({}, False),  # no display at all: nothing to check
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, True),
    ],
)
def test_xcb_is_checked_only_when_qt_will_use_it(env: dict[str, str], expected: bool) -> None:
    assert wants_xcb(env) is expected


def test_missing_libraries_come_from_the_linker_plus_the_one_qt_loads_by_hand(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    found = missing_libraries(
        plugin,
        linked=lambda p: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-icccm.so.4"],
        loadable=lambda name: name != "libxcb-cursor.so.0",
    )
    assert found == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"]
    assert missing_libraries(plugin, linked=lambda p: [], loadable=lambda name: True) == []


def test_the_advice_names_the_libraries_and_one_install_command() -> None:
    advice = install_advice(["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0", "libfoo.so.9"])
    lines = advice.splitlines()
    assert lines[0] == (
        "Campaign Desk cannot open its window: this computer lacks X11 libraries that Qt needs "
        "(libxcb-icccm.so.4, libxcb-keysyms.so.1, libxcb-cursor.so.0, libfoo.so.9)."
    )
    assert "    sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0" in lines
    assert any("libfoo.so.9" in line and "package search" in line for line in lines[2:])
    assert "Reinstalling" in lines[-1] and "will not help" in lines[-1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux only")
def test_the_real_plugin_is_found_and_the_linker_answers() -> None:
    plugin = platform_check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    # whatever this machine has installed, every name reported is a library file name
    assert all(".so" in name for name in missing_libraries(plugin))


def test_the_app_stops_with_the_advice_before_creating_a_window(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb plugin is Linux only")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "missing_libraries", lambda plugin: ["libxcb-cursor.so.0"])
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install libxcb-cursor0" in err
