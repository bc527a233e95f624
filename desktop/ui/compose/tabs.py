"""The tabs over the editor: "Shared" and one per selected account, each account by a short
name (its handle whole in the tooltip and the accessible name), a dot on the logo of every
account whose version differs from the shared post. No scroll arrows: the names stay short."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QTabBar, QWidget

from desktop.services.compose import Target
from desktop.ui import theme
from desktop.ui.compose import style
from desktop.ui.icons import network_icon

#: A tab's name is shortened past this many characters.
TAB_CHARS = 18
SHARED = None  # the shared text's tab key


def tab_names(targets: Sequence[Target]) -> list[str]:
    """Short names for the account tabs: the handle's first word ("news" for
    @news@social.example), with the network ("acme · Bluesky") or the server ("acme@hachyderm")
    where two would read the same."""

    def words(t: Target) -> list[str]:
        return [w for w in re.split(r"[@.]", t.handle.lstrip("@")) if w]

    names = [words(t)[0] if words(t) else t.label for t in targets]
    for attempt in ("network", "server"):
        before = list(names)
        for i, t in enumerate(targets):
            if before.count(before[i]) == 1:
                continue
            first = words(t)[0] if words(t) else t.label
            rest = words(t)[1:]
            if attempt == "network":
                names[i] = f"{first} · {t.network_name}"
            else:
                names[i] = f"{first}@{rest[0]}" if rest else t.label
    return [n if len(n) <= TAB_CHARS else n[: TAB_CHARS - 1] + "…" for n in names]


class AccountTabs(QTabBar):
    """``shown(key)`` when the user picks a tab (key: None for Shared, else an account id)."""

    shown = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDrawBase(False)
        self.setExpanding(False)
        self.setUsesScrollButtons(False)
        self.setElideMode(Qt.TextElideMode.ElideNone)
        self.setIconSize(QSize(16, 16))
        self.setAccessibleName("Shared post and each account's version")
        self._targets: dict[int, Target] = {}
        self._marked: set[int] = set()
        self.currentChanged.connect(lambda i: self.shown.emit(self.tabData(i)))

    def set_accounts(self, targets: Sequence[Target], keep: int | None) -> int | None:
        """Show ``targets``' tabs, ``keep`` selected if it is one of them (else Shared), without
        emitting ``shown``; returns the key selected."""
        self._targets = {t.account_id: t for t in targets}
        self.blockSignals(True)
        while self.count():
            self.removeTab(0)
        self.addTab("Shared")
        self.setTabData(0, SHARED)
        self.setTabToolTip(0, "The text and media every account posts unless you customise it")
        for t, text in zip(targets, tab_names(targets), strict=True):
            i = self.addTab(network_icon(t.network), text)
            self.setTabData(i, t.account_id)
            self.setAccessibleTabName(i, f"{t.network_name} {t.label}")
        self.mark(self._marked)
        index = next((i for i in range(self.count()) if self.tabData(i) == keep), 0)
        self.setCurrentIndex(index)
        self.blockSignals(False)
        key: int | None = self.tabData(index)
        return key

    def mark(self, customised: Collection[int], colors: theme.Colors | None = None) -> None:
        """A dot on the network logo of each account in ``customised``."""
        c = colors or style.colors(self)
        self._marked = set()
        for i in range(1, self.count()):
            t = self._targets[self.tabData(i)]
            overridden = t.account_id in customised
            logo = network_icon(t.network)
            self.setTabIcon(i, style.badged(logo, c.accent, c.base) if overridden else logo)
            state = "customised: differs from the shared post" if overridden else "follows the shared post"
            self.setTabToolTip(i, f"{t.network_name} {t.label} — {state}")
            if overridden:
                self._marked.add(t.account_id)

    def is_marked(self, account_id: int) -> bool:
        return account_id in self._marked

    def select(self, key: int | None) -> None:
        for i in range(self.count()):
            if self.tabData(i) == key:
                self.setCurrentIndex(i)
