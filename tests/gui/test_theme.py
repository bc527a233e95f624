"""The theme: WCAG AA contrast of every colour pair it draws, styled inputs, live switching, and icons
that follow the theme."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QEvent, QPoint, QSettings, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QToolButton,
    QToolTip,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.ui import icons, theme

THEMES = {"light": theme.LIGHT, "dark": theme.DARK}


# --- contrast arithmetic and the declared pairs ------------------------------------------------


def test_contrast_is_the_wcag_ratio() -> None:
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#777777") == pytest.approx(1.0)
    assert theme.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


@pytest.mark.parametrize("name", THEMES)
def test_every_declared_pair_reaches_aa(name: str) -> None:
    colors = THEMES[name]
    failing = [
        f"{what}: {fg} on {bg} is {theme.contrast(fg, bg):.2f}:1, needs {need}:1"
        for what, fg, bg, need in theme.contrast_pairs(colors)
        if theme.contrast(fg, bg) < need
    ]
    assert failing == []


@pytest.mark.parametrize("name", THEMES)
def test_the_applied_palette_reaches_aa(qapp: QApplication, name: str) -> None:
    theme.apply(qapp, name)
    palette = qapp.palette()
    role = QPalette.ColorRole
    pairs = [
        (role.WindowText, role.Window),
        (role.Text, role.Base),
        (role.Text, role.AlternateBase),
        (role.ButtonText, role.Button),
        (role.ToolTipText, role.ToolTipBase),
        (role.PlaceholderText, role.Base),
        (role.HighlightedText, role.Highlight),
        (role.Link, role.Base),
        (role.Link, role.Window),
    ]
    for fg, bg in pairs:
        ratio = theme.contrast(palette.color(fg).name(), palette.color(bg).name())
        assert ratio >= theme.TEXT_CONTRAST, f"{fg.name} on {bg.name}: {ratio:.2f}:1"


def _rules(sheet: str) -> list[tuple[str, dict[str, str]]]:
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet):
        decls = {}
        for part in body.split(";"):
            if ":" in part:
                key, value = part.split(":", 1)
                decls[key.strip()] = value.strip()
        rules.append((" ".join(selector.split()), decls))
    return rules


def _color_in(value: str) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}\b", value)
    return found.group(0) if found else None


@pytest.mark.parametrize("name", THEMES)
def test_every_text_colour_in_the_stylesheet_reads_on_its_background(name: str) -> None:
    colors = THEMES[name]
    problems = []
    checked = 0
    for selector, decls in _rules(theme.stylesheet(colors)):
        fg = _color_in(decls.get("color", ""))
        if fg is None or ":disabled" in selector:  # disabled controls are exempt from WCAG 1.4.3
            continue
        own = _color_in(decls.get("background", ""))
        backgrounds = [own] if own else [colors.base, colors.window, colors.alt_base]
        if "Sidebar" in selector or 'nav="true"' in selector:
            backgrounds = [own] if own else [colors.sidebar, colors.sidebar_hover]
        for bg in backgrounds:
            checked += 1
            if theme.contrast(fg, bg) < theme.TEXT_CONTRAST:
                problems.append(f"{selector}: {fg} on {bg} is {theme.contrast(fg, bg):.2f}:1")
    assert checked > 15
    assert problems == []


@pytest.mark.parametrize("name", THEMES)
def test_input_boundaries_and_stylesheet_icons_reach_3_to_1(name: str) -> None:
    colors = THEMES[name]
    sheet = theme.stylesheet(colors)
    problems = []
    for selector, decls in _rules(sheet):
        if ":disabled" in selector or ":off" in selector:
            continue
        if "::indicator" in selector and "border" in decls:
            border = _color_in(decls["border"]) or _color_in(decls.get("border-color", ""))
            if border and theme.contrast(border, colors.base) < theme.GRAPHIC_CONTRAST:
                problems.append(f"{selector}: border {border}")
        image = re.search(r'url\("([^"]+)"\)', decls.get("image", ""))
        if image:
            drawn = _color_in(Path(image.group(1)).read_text())
            assert drawn is not None
            behind = _color_in(decls.get("background", "")) or colors.base
            if theme.contrast(drawn, behind) < theme.GRAPHIC_CONTRAST:
                problems.append(f"{selector}: icon {drawn} on {behind}")
    assert problems == []
    # the tick, the radio dot and the arrows are all there
    for asset in ("tick", "dot", "chevron-down", "chevron-up"):
        assert f"/{asset}-" in sheet


# --- rendered: what a user actually sees -------------------------------------------------------


def _gallery() -> tuple[QWidget, dict[str, QWidget]]:
    root = QWidget()
    grid = QGridLayout(root)
    parts: dict[str, QWidget] = {
        "unticked": QCheckBox("Also post to Bluesky"),
        "ticked": QCheckBox("Add UTM tags"),
        "radio_off": QRadioButton("Next free slot"),
        "radio_on": QRadioButton("At a time"),
        "combo": QComboBox(),
        "date": QDateEdit(QDate(2026, 11, 30)),
        "spin": QSpinBox(),
        "line": QLineEdit(),
        "normal": QPushButton("Duplicate"),
        "primary": QPushButton("Schedule"),
        "danger": QPushButton("Delete post"),
        "danger_off": QPushButton("Delete post"),
    }
    parts["ticked"].setChecked(True)  # type: ignore[attr-defined]
    parts["radio_on"].setChecked(True)  # type: ignore[attr-defined]
    parts["combo"].addItems(["@marketing-team-longhandle@mastodon.social", "Bluesky"])  # type: ignore[attr-defined]
    parts["date"].setCalendarPopup(True)  # type: ignore[attr-defined]
    parts["line"].setPlaceholderText("Search drafts")  # type: ignore[attr-defined]
    parts["primary"].setProperty("primary", True)
    parts["danger"].setProperty("danger", True)
    parts["danger_off"].setProperty("danger", True)
    parts["danger_off"].setEnabled(False)
    for i, widget in enumerate(parts.values()):
        grid.addWidget(widget, i // 4, i % 4)
    root.resize(760, 200)
    return root, parts


def _shown(qtbot: QtBot, qapp: QApplication, name: str) -> tuple[theme.Colors, QWidget, dict[str, QWidget]]:
    colors = theme.apply(qapp, name)
    root, parts = _gallery()
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    return colors, root, parts


def _pixels(image: QImage) -> list[QColor]:
    return [image.pixelColor(x, y) for y in range(image.height()) for x in range(image.width())]


def _best_contrast(widget: QWidget, area: tuple[int, int, int, int], background: str) -> float:
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    x, y, w, h = (round(v * ratio) for v in area)
    return max(theme.contrast(c.name(), background) for c in _pixels(image.copy(x, y, w, h)))


@pytest.mark.parametrize("name", THEMES)
def test_unticked_checkbox_and_radio_are_visible(qtbot: QtBot, qapp: QApplication, name: str) -> None:
    colors, _root, parts = _shown(qtbot, qapp, name)
    for key in ("unticked", "radio_off"):
        widget = parts[key]
        option_rect = widget.style().subElementRect(
            QStyle.SubElement.SE_CheckBoxIndicator
            if isinstance(widget, QCheckBox)
            else QStyle.SubElement.SE_RadioButtonIndicator,
            _option(widget),
            widget,
        )
        r = option_rect
        assert _best_contrast(widget, (r.x(), r.y(), r.width(), r.height()), colors.window) >= 3.0, key


def _option(widget: QWidget):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QStyleOptionButton

    option = QStyleOptionButton()
    option.initFrom(widget)
    return option


@pytest.mark.parametrize("name", THEMES)
def test_ticked_checkbox_draws_the_accent_with_a_light_tick(qtbot: QtBot, qapp: QApplication, name: str) -> None:
    colors, _root, parts = _shown(qtbot, qapp, name)
    box = parts["ticked"]
    image = box.grab().toImage()
    seen = {c.name() for c in _pixels(image)}
    assert colors.accent in seen
    assert colors.on_accent in seen  # the tick, drawn in white on the accent


@pytest.mark.parametrize("name", THEMES)
def test_drop_down_arrow_sits_on_the_field_colour_not_a_sunken_corner(
    qtbot: QtBot, qapp: QApplication, name: str
) -> None:
    colors, _root, parts = _shown(qtbot, qapp, name)
    combo = parts["combo"]
    assert isinstance(combo, QComboBox)
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    arrow = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxArrow, combo
    )
    image = combo.grab().toImage()
    ratio = image.devicePixelRatio()
    # the drop-down's corners are the field's own colour; the arrow inside it reads at 3:1
    for point in (arrow.topLeft() + QPoint(2, 3), arrow.bottomLeft() + QPoint(2, -3)):
        assert image.pixelColor(round(point.x() * ratio), round(point.y() * ratio)).name() == colors.base
    assert _best_contrast(combo, (arrow.x(), arrow.y(), arrow.width(), arrow.height()), colors.base) >= 3.0


@pytest.mark.parametrize("name", THEMES)
def test_danger_button_is_drawn_in_the_danger_colour(qtbot: QtBot, qapp: QApplication, name: str) -> None:
    colors, _root, parts = _shown(qtbot, qapp, name)
    seen = {c.name() for c in _pixels(parts["danger"].grab().toImage())}
    assert colors.danger in seen  # border and words
    seen_off = {c.name() for c in _pixels(parts["danger_off"].grab().toImage())}
    assert colors.danger not in seen_off  # a disabled one does not look live


@pytest.mark.parametrize("name", THEMES)
def test_keyboard_focus_is_visible(qtbot: QtBot, qapp: QApplication, name: str) -> None:
    colors, root, parts = _shown(qtbot, qapp, name)
    root.activateWindow()
    button = parts["normal"]
    before = {c.name() for c in _pixels(button.grab().toImage())}
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    after = {c.name() for c in _pixels(button.grab().toImage())}
    assert colors.accent not in before and colors.accent in after
    assert theme.contrast(colors.accent, colors.base) >= theme.GRAPHIC_CONTRAST


def test_gallery_screenshots_with_a_live_switch(qtbot: QtBot, qapp: QApplication, screenshot_dir: Path) -> None:
    theme.apply(qapp, "light")
    root, parts = _gallery()
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    parts["unticked"].setFocus()
    assert root.grab().save(str(screenshot_dir / "theme-gallery-light.png"))
    theme.apply(qapp, "dark")  # while shown
    qapp.processEvents()
    assert root.grab().save(str(screenshot_dir / "theme-gallery-dark-after-switch.png"))
    image = root.grab().toImage()
    assert image.pixelColor(2, 2).name() == theme.DARK.window


# --- switching at runtime, and remembering the choice ------------------------------------------


def test_apply_at_runtime_changes_palette_stylesheet_and_tells_widgets(qtbot: QtBot, qapp: QApplication) -> None:
    theme.apply(qapp, "light")
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == theme.LIGHT.window
    light_sheet = qapp.styleSheet()

    with qtbot.waitSignal(theme.notifier().changed, timeout=1000) as blocker:
        colors = theme.apply(qapp, "dark")

    assert blocker.args == [theme.DARK]
    assert colors is theme.DARK and theme.current() is theme.DARK and theme.mode() == "dark"
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == theme.DARK.window
    assert qapp.palette().color(QPalette.ColorRole.Text).name() == theme.DARK.text
    assert qapp.styleSheet() != light_sheet and theme.DARK.sidebar in qapp.styleSheet()
    assert theme.LIGHT.sidebar not in qapp.styleSheet()


def test_set_mode_is_remembered_and_read_back(qapp: QApplication) -> None:
    assert theme.saved_mode() == "system"  # nothing chosen yet (per-test QSettings)
    theme.set_mode(qapp, "dark")
    assert QSettings().value("appearance/theme") == "dark"
    assert theme.saved_mode() == "dark"
    assert theme.current() is theme.DARK
    theme.set_mode(qapp, "light")
    assert theme.saved_mode() == "light"
    with pytest.raises(ValueError):
        theme.set_mode(qapp, "sepia")
    assert theme.saved_mode() == "light"
    QSettings().setValue("appearance/theme", "sepia")  # an old or hand-edited value
    assert theme.saved_mode() == "system"


# --- icons that follow the theme --------------------------------------------------------------


def _ink(source: QIcon, size: int = 24) -> set[str]:
    image = source.pixmap(size, size).toImage()
    return {c.name() for c in _pixels(image) if c.alpha() == 255}


def _main_ink(image: QImage) -> str:
    """The most common colour of the drawn (not transparent) pixels."""
    drawn = Counter(c.name() for c in _pixels(image) if c.alpha() >= 100)
    return drawn.most_common(1)[0][0]


def _near(a: str, b: str, tolerance: int = 3) -> bool:
    """Equal colours up to rounding of antialiased edges."""
    ca, cb = QColor(a), QColor(b)
    return max(abs(ca.red() - cb.red()), abs(ca.green() - cb.green()), abs(ca.blue() - cb.blue())) <= tolerance


def test_icons_are_drawn_in_the_colour_asked_for(qapp: QApplication) -> None:
    assert _ink(icons.icon("trash", "#c92a2a")) == {"#c92a2a"}
    theme.apply(qapp, "dark")
    assert _ink(icons.icon("trash")) == {theme.DARK.text}  # default: the theme's text colour now
    assert _ink(icons.themed("trash", "danger")) == {theme.DARK.danger}
    theme.apply(qapp, "light")
    assert _ink(icons.themed("trash", "muted")) == {theme.LIGHT.muted}
    with pytest.raises(ValueError, match="unknown icon colour role"):
        icons.themed("trash", "purple")


def test_retint_on_theme_follows_a_live_switch(qtbot: QtBot, qapp: QApplication) -> None:
    theme.apply(qapp, "light")
    button = QToolButton()
    label = QLabel()
    action = QAction("Delete")
    qtbot.addWidget(button)
    qtbot.addWidget(label)
    icons.retint_on_theme(button, "settings")
    icons.retint_on_theme(label, "warning", role="warning_text", size=18)
    icons.retint_on_theme(action, "trash", role="danger")
    assert _ink(button.icon()) == {theme.LIGHT.text}
    assert _ink(action.icon()) == {theme.LIGHT.danger}
    assert _near(_main_ink(label.pixmap().toImage()), theme.LIGHT.warning_text)

    theme.apply(qapp, "dark")

    assert _ink(button.icon()) == {theme.DARK.text}
    assert _ink(action.icon()) == {theme.DARK.danger}
    assert _near(_main_ink(label.pixmap().toImage()), theme.DARK.warning_text)
    assert label.pixmap().deviceIndependentSize().width() == pytest.approx(18)


def test_retint_replaces_the_previous_link_and_ends_with_the_widget(qtbot: QtBot, qapp: QApplication) -> None:
    theme.apply(qapp, "light")
    button = QToolButton()
    qtbot.addWidget(button)
    icons.retint_on_theme(button, "settings")
    icons.retint_on_theme(button, "trash", role="muted")
    qapp.processEvents()
    theme.apply(qapp, "dark")
    assert _ink(button.icon()) == {theme.DARK.muted}  # the later call wins after a switch too
    links = [c for c in button.children() if c.objectName() == "_campaign_desk_icon_retint"]
    assert len(links) == 1

    gone = QToolButton()
    icons.retint_on_theme(gone, "settings")
    gone.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    theme.apply(qapp, "light")  # no call into a deleted widget
    assert _ink(button.icon()) == {theme.LIGHT.muted}


@pytest.mark.parametrize("name", THEMES)
def test_icon_colours_reach_3_to_1_on_every_surface(name: str) -> None:
    colors = THEMES[name]
    for role in ("text", "muted"):
        for surface in (colors.window, colors.base, colors.alt_base, colors.sidebar, colors.sidebar_hover):
            assert theme.contrast(icons.role_color(role, colors), surface) >= theme.GRAPHIC_CONTRAST


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 (PEP 683)")
def test_switching_themes_many_times_keeps_none_alive(qapp: QApplication) -> None:
    # PySide6 6.12.0 released None once per void call: a few thousand calls (a few dozen theme
    # switches, or an hour of use) and Python aborted with "none_dealloc" (pyproject excludes it).
    theme.apply(qapp, "light")
    before = sys.getrefcount(None)
    for _ in range(20):
        theme.apply(qapp, "dark")
        theme.apply(qapp, "light")
    assert sys.getrefcount(None) >= before - 50


@pytest.mark.parametrize("name", THEMES)
def test_tooltips_read_in_both_themes(qtbot: QtBot, qapp: QApplication, name: str, screenshot_dir: Path) -> None:
    colors, _root, parts = _shown(qtbot, qapp, name)
    button = parts["danger"]
    QToolTip.showText(button.mapToGlobal(QPoint(4, 4)), "Deletes the post from every account", button)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    tip = next(w for w in QApplication.topLevelWidgets() if w.inherits("QTipLabel") and w.isVisible())
    assert tip.grab().save(str(screenshot_dir / f"theme-tooltip-{name}.png"))
    drawn = Counter(c.name() for c in _pixels(tip.grab().toImage()))
    background = drawn.most_common(1)[0][0]
    assert background == colors.base
    # the words: the darkest (light theme) or lightest (dark theme) pixels read at 4.5:1
    assert max(theme.contrast(c, background) for c in drawn) >= theme.TEXT_CONTRAST
    assert colors.text in drawn
    QToolTip.hideText()
