"""The calendar's toolbar: Today / ‹ / › / period title / Month|Week|List, and the filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.calendar_rows import CalendarFilters
from desktop.ui.icons import network_icon

if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.campaigns import CampaignRow

MODES = ("month", "week", "list")
STATES = (
    ("All states", ""),
    ("Scheduled", "scheduled"),
    ("Published", "published"),
    ("Failed", "failed"),
    ("Drafts", "draft"),
)

_STYLE = """
QPushButton[segment="true"] { border-radius: 0; padding: 5px 14px; margin: 0; }
QPushButton[segment="true"]:checked {
    background: palette(highlight); color: #ffffff; border-color: palette(highlight);
}
QToolButton#CalendarStep { border: 1px solid palette(mid); border-radius: 6px; padding: 2px 9px; font-size: 16px; }
QToolButton#CalendarStep:hover { border-color: palette(highlight); }
QToolButton#CalendarUndo { border: 1px solid palette(mid); border-radius: 6px; padding: 2px 6px; font-size: 15px; }
QToolButton#CalendarUndo:hover { border-color: palette(highlight); }
QLabel#PeriodTitle { font-size: 16px; font-weight: 600; padding-left: 6px; }
"""


class CalendarToolbar(QWidget):
    today_clicked = Signal()
    step = Signal(int)  # -1 previous period, +1 next
    mode_changed = Signal(str)
    filters_changed = Signal(object)  # CalendarFilters

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(_STYLE)
        self.today_button = QPushButton("Today")
        self.today_button.setToolTip("Go to today (Home)")
        self.today_button.clicked.connect(self.today_clicked)
        self.prev_button = self._step_button("‹", "Previous (Page Up)", -1)
        self.next_button = self._step_button("›", "Next (Page Down)", 1)
        self.title = QLabel()
        self.title.setObjectName("PeriodTitle")
        self.title.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        self.mode_buttons: dict[str, QPushButton] = {}
        self.modes = QButtonGroup(self)
        self.modes.setExclusive(True)
        segment = QHBoxLayout()
        segment.setSpacing(0)
        for n, mode in enumerate(MODES):
            button = QPushButton(mode.title())
            button.setCheckable(True)
            button.setProperty("segment", True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            radius = "6px"
            corners = (
                f"border-top-left-radius:{radius};border-bottom-left-radius:{radius};"
                if n == 0
                else (
                    f"border-top-right-radius:{radius};border-bottom-right-radius:{radius};"
                    if n == len(MODES) - 1
                    else ""
                )
            )
            if n:
                corners += "border-left:none;"
            button.setStyleSheet(f"QPushButton {{{corners}}}")
            button.clicked.connect(lambda _c=False, m=mode: self.mode_changed.emit(m))
            self.modes.addButton(button)
            self.mode_buttons[mode] = button
            segment.addWidget(button)
        self.mode_buttons["month"].setChecked(True)

        self.undo_button = QToolButton()
        self.redo_button = QToolButton()
        for undo in (self.undo_button, self.redo_button):
            undo.setObjectName("CalendarUndo")
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.today_button)
        top.addWidget(self.prev_button)
        top.addWidget(self.next_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.undo_button)
        top.addWidget(self.redo_button)
        top.addSpacing(4)
        top.addLayout(segment)

        self.account_filter = QComboBox()
        self.network_filter = QComboBox()
        self.campaign_filter = QComboBox()
        self.state_filter = QComboBox()
        for label, key in STATES:
            self.state_filter.addItem(label, key)
        for combo, tip in (
            (self.account_filter, "Show one account"),
            (self.network_filter, "Show one network"),
            (self.campaign_filter, "Show one campaign"),
            (self.state_filter, "Show one state"),
        ):
            combo.setToolTip(tip)
            combo.setAccessibleName(tip)
            # long handles and campaign names must not push the row past a 900 px window
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
            combo.setMinimumWidth(96)  # below its size hint at 900 px: the combo elides its text
            combo.currentIndexChanged.connect(self._emit_filters)
        #: What the last action did, or why it was refused (the page places it under the views).
        self.status = QLabel()
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        #: Which zone every time on the calendar is in.
        self.zone_label = QLabel()
        self.zone_label.setProperty("role", "muted")
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        for combo in (self.account_filter, self.network_filter, self.campaign_filter, self.state_filter):
            bottom.addWidget(combo)
        bottom.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self.set_options([], [])

    def bind_undo(self, stack: QUndoStack, owner: QWidget) -> tuple[QAction, QAction]:
        """Undo and Redo of ``stack`` as actions of ``owner`` (Ctrl+Z, Ctrl+Shift+Z while the focus
        is in it) on the ↶ ↷ buttons, enabled when there is something to undo or redo."""
        undo = stack.createUndoAction(owner, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = stack.createRedoAction(owner, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)])
        for action, button, glyph, name in (
            (undo, self.undo_button, "↶", "Undo"),
            (redo, self.redo_button, "↷", "Redo"),
        ):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            owner.addAction(action)
            # not setDefaultAction: the action's text grows ("Undo Move to Wed 10 Mar 09:00")
            button.setText(glyph)
            button.setAccessibleName(name)
            button.clicked.connect(action.trigger)

        # the stack's signals carry what changed: the stack itself is not asked (it is gone
        # first when the page goes, and says it has nothing to undo on its way out)
        self._undoable = {self.undo_button: [stack.canUndo(), stack.undoText()]}
        self._undoable[self.redo_button] = [stack.canRedo(), stack.redoText()]
        stack.canUndoChanged.connect(self._can_undo)
        stack.undoTextChanged.connect(self._undo_text)
        stack.canRedoChanged.connect(self._can_redo)
        stack.redoTextChanged.connect(self._redo_text)
        for button in self._undoable:
            self._sync_undo(button)
        return undo, redo

    def _can_undo(self, can: bool) -> None:
        self._sync_undo(self.undo_button, can=can)

    def _undo_text(self, what: str) -> None:
        self._sync_undo(self.undo_button, what=what)

    def _can_redo(self, can: bool) -> None:
        self._sync_undo(self.redo_button, can=can)

    def _redo_text(self, what: str) -> None:
        self._sync_undo(self.redo_button, what=what)

    def _sync_undo(self, button: QToolButton, *, can: bool | None = None, what: str | None = None) -> None:
        """The button is enabled when there is something to undo (redo), which in its tooltip."""
        state = self._undoable[button]
        if can is not None:
            state[0] = can
        if what is not None:
            state[1] = what
        verb, keys = ("Undo", "Ctrl+Z") if button is self.undo_button else ("Redo", "Ctrl+Shift+Z")
        button.setEnabled(bool(state[0]))
        button.setToolTip(f"{verb}: {state[1]} ({keys})" if state[0] and state[1] else f"{verb} ({keys})")

    def _step_button(self, text: str, tip: str, direction: int) -> QToolButton:
        button = QToolButton()
        button.setObjectName("CalendarStep")
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName("Previous month or week" if direction < 0 else "Next month or week")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda: self.step.emit(direction))
        return button

    def set_mode(self, mode: str) -> None:
        self.mode_buttons[mode].setChecked(True)

    def set_options(self, accounts: Sequence[AccountRow], campaigns: Sequence[CampaignRow]) -> None:
        """Fill the filter combos, keeping what is selected where it still exists."""
        keep = (
            self.account_filter.currentData(),
            self.network_filter.currentData(),
            self.campaign_filter.currentData(),
        )
        for combo in (self.account_filter, self.network_filter, self.campaign_filter):
            combo.blockSignals(True)
            combo.clear()
        self.account_filter.addItem("All accounts", None)
        for a in accounts:
            self.account_filter.addItem(network_icon(a.network), a.handle, a.id)
        self.network_filter.addItem("All networks", None)
        for network, name in sorted({(a.network, a.network_name) for a in accounts}):
            self.network_filter.addItem(network_icon(network), name, network)
        self.campaign_filter.addItem("All campaigns", None)
        for c in campaigns:
            self.campaign_filter.addItem(c.name, c.id)
        self.campaign_filter.addItem("No campaign", 0)
        for combo, value in zip((self.account_filter, self.network_filter, self.campaign_filter), keep, strict=True):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def set_zone(self, label: str) -> None:
        self.zone_label.setText(f"Times in {label}")
        self.zone_label.setToolTip("Every time on the calendar is in this zone (change it in Settings)")

    def select_campaign(self, campaign_id: int | None, name: str = "") -> None:
        """Show one campaign (None: all); one not in the list yet (archived) is added."""
        index = self.campaign_filter.findData(campaign_id)
        if index < 0 and campaign_id is not None:
            self.campaign_filter.blockSignals(True)
            self.campaign_filter.insertItem(self.campaign_filter.count() - 1, name, campaign_id)
            self.campaign_filter.blockSignals(False)
            index = self.campaign_filter.findData(campaign_id)
        self.campaign_filter.setCurrentIndex(max(index, 0))

    def filters(self) -> CalendarFilters:
        account = self.account_filter.currentData()
        network = self.network_filter.currentData()
        campaign = self.campaign_filter.currentData()
        state = self.state_filter.currentData()
        return CalendarFilters(
            account_ids=frozenset({account}) if account is not None else frozenset(),
            networks=frozenset({network}) if network else frozenset(),
            campaign_ids=frozenset({campaign}) if campaign is not None else frozenset(),
            states=frozenset({state}) if state else frozenset(),
        )

    def _emit_filters(self) -> None:
        self.filters_changed.emit(self.filters())
