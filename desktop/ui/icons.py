"""SVG icons from resources/icons, tinted (their ``currentColor``) for the theme.

- ``icon(name, color=None)``: the icon drawn in ``color``; without one, in the current theme's text
  colour at the time of the call. The result is a plain QIcon: it does not change by itself.
- ``themed(name, role="text")``: the icon in a theme colour by role (any ``theme.Colors`` colour
  field: "text", "muted", "accent", "danger", "on_accent", …), for the theme in use now.
- ``retint_on_theme(target, name, role="text", size=16)``: give a button, tool button, action or
  label the icon now AND again whenever the theme changes at runtime (``theme.notifier().changed``).
  Use this for every icon a widget keeps, so a switch to dark never leaves black icons on dark
  buttons. The link lives in a child object of ``target``, so it ends with the widget. Call it again
  with another name or role to change the icon (the previous link is replaced, not stacked).
- ``network_icon(network)``: the network's own logo in its own colours (not tinted).

Icons drawn in ``text`` or ``muted`` reach 3:1 against every theme background (tests/gui/test_theme.py).
"""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QColor, QIcon
from PySide6.QtWidgets import QAbstractButton, QLabel

from desktop.ui import theme
from desktop.ui.resources import resource, tinted_svg

ROLES = frozenset(f.name for f in fields(theme.Colors) if f.type in ("str", str))
_LINK_NAME = "_campaign_desk_icon_retint"


@lru_cache(maxsize=512)
def _tinted(name: str, color: str) -> QIcon:
    # Qt's SVG icon engine draws the file when the icon is painted, at the size and pixel ratio
    # asked for (and greys it out when disabled): nothing is rendered for a menu never opened.
    if not resource("icons", f"{name}.svg").exists():
        name = "networks/generic"
    return QIcon(str(tinted_svg(name, color)))


def icon(name: str, color: str | None = None) -> QIcon:
    """A line icon from resources/icons/<name>.svg drawn in ``color`` (default: the theme's text colour now)."""
    return _tinted(name, QColor(color or theme.current().text).name())


def role_color(role: str, colors: theme.Colors | None = None) -> str:
    """The colour a role names in ``colors`` (default: the theme in use)."""
    if role not in ROLES:
        raise ValueError(f"unknown icon colour role {role!r} (one of {', '.join(sorted(ROLES))})")
    return str(getattr(colors or theme.current(), role))


def themed(name: str, role: str = "text") -> QIcon:
    """``name`` drawn in the theme's ``role`` colour, for the theme in use now."""
    return icon(name, role_color(role))


IconTarget = QAbstractButton | QAction | QLabel


class _Retint(QObject):
    """Re-applies one icon to its parent on every theme change; dies with the parent."""

    def __init__(self, target: IconTarget, name: str, role: str, size: int) -> None:
        super().__init__(target)
        self.setObjectName(_LINK_NAME)
        self.target, self.name, self.role, self.size = target, name, role, size
        theme.notifier().changed.connect(self.apply)

    def apply(self, colors: theme.Colors | None = None) -> None:
        tinted = icon(self.name, role_color(self.role, colors))
        if isinstance(self.target, QLabel):
            ratio = self.target.devicePixelRatioF()
            self.target.setPixmap(tinted.pixmap(QSize(self.size, self.size), ratio))
        else:
            self.target.setIcon(tinted)


def retint_on_theme(target: IconTarget, name: str, role: str = "text", size: int = 16) -> None:
    """Show ``name`` on ``target`` in the ``role`` colour now and after every theme change.

    ``size`` is the pixmap size for a QLabel (buttons and actions scale the icon themselves)."""
    role_color(role)  # an unknown role fails here, not at the next theme switch
    for old in target.findChildren(_Retint, _LINK_NAME, Qt.FindChildOption.FindDirectChildrenOnly):
        theme.notifier().changed.disconnect(old.apply)
        old.setParent(None)
        old.deleteLater()
    _Retint(target, name, role, size).apply()


def network_icon(network: str) -> QIcon:
    """The network's own logo (resources/icons/networks/<id>.svg), or a neutral globe."""
    return icon(f"networks/{network}")  # a logo keeps its colours; the globe's lines follow the theme


def app_icon() -> QIcon:
    return _tinted("app", "#495057")
