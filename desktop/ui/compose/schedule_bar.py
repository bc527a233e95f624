"""The bottom bar: campaign, when (in the user's zone, named beside the field), how saving
stands, and the actions that save the post. On one row when it fits, else on two."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QSize, Qt, QTime
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.zones import zone_label
from desktop.ui import theme
from desktop.ui.compose.style import glyph


class ScheduleBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ScheduleBar")
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(12, 8, 12, 8)
        self._rows.setSpacing(6)
        self._top = QHBoxLayout()
        self._top.setSpacing(8)
        self._bottom = QHBoxLayout()
        self._bottom.setSpacing(8)
        self._rows.addLayout(self._top)
        self._rows.addLayout(self._bottom)
        self.campaign = QComboBox()
        self.campaign.setMinimumWidth(140)
        self.campaign.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.campaign.setMinimumContentsLength(14)
        self.campaign.setToolTip("Campaign this post belongs to")
        self.campaign.setAccessibleName("Campaign")
        self.campaign.addItem("No campaign", None)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.when.setMinimumWidth(190)
        self.zone_label = QLabel()
        self.zone_label.setProperty("role", "muted")
        self.zone_label.setObjectName("ZoneLabel")
        self.save_state = QLabel()
        self.save_state.setObjectName("SaveState")
        self.save_state.setProperty("role", "muted")
        self.next_slot = QPushButton("Next free slot")
        self.publish_now = QPushButton("Publish now")
        self.save_draft = QPushButton("Save draft")
        self.save_draft.setToolTip("Keep it as a draft (Ctrl+S)")
        self.schedule = QPushButton("Schedule")
        self.schedule.setProperty("primary", True)
        self.schedule.setMinimumWidth(100)
        self.schedule.setCursor(Qt.CursorShape.PointingHandCursor)
        self.buttons = (self.next_slot, self.publish_now, self.save_draft, self.schedule)
        self._two_rows: bool | None = None
        self._arrange(two_rows=False)
        self.zone: tzinfo = ZoneInfo("UTC")
        self.set_zone(datetime.now().astimezone().tzinfo or ZoneInfo("UTC"))
        self.set_at(None)
        self.set_problems("")
        self.restyle(theme.current())

    def restyle(self, c: theme.Colors) -> None:
        self.next_slot.setIcon(glyph("clock", c.text))
        self.publish_now.setIcon(glyph("send", c.text))
        self.save_draft.setIcon(glyph("save", c.text))

    # --- one row or two ---------------------------------------------------------------------------

    def _one_row_width(self) -> int:
        fields = (self.campaign, self.when, self.zone_label)
        widths = [w.sizeHint().width() for w in fields] + [b.sizeHint().width() for b in self.buttons]
        widths.append(self.save_state.sizeHint().width() if self.save_state.text() else 0)
        m = self._rows.contentsMargins()
        return sum(widths) + 8 * (len(widths) + 1) + m.left() + m.right()

    def _arrange(self, *, two_rows: bool) -> None:
        if two_rows == self._two_rows:
            return
        self._two_rows = two_rows
        for layout in (self._top, self._bottom):
            while layout.count():
                layout.takeAt(0)
        for w in (self.campaign, self.when, self.zone_label):
            self._top.addWidget(w)
        self._top.addStretch(1)
        actions = self._bottom if two_rows else self._top
        if two_rows:
            actions.addWidget(self.save_state, 1)
        else:
            actions.addWidget(self.save_state)
        for b in self.buttons:
            actions.addWidget(b)
        self._rows.setSpacing(6 if two_rows else 0)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the two-row arrangement allows, whichever is shown (so the window can
        shrink to where the bar switches to two rows)."""
        m = self._rows.contentsMargins()
        top = sum(w.minimumSizeHint().width() for w in (self.campaign, self.when, self.zone_label)) + 16
        bottom = sum(b.minimumSizeHint().width() for b in self.buttons) + 8 * (len(self.buttons) - 1)
        rows = [b.minimumSizeHint().height() for b in self.buttons] + [self.when.minimumSizeHint().height()]
        height = (2 * max(rows) + 6 if self._two_rows else max(rows)) + m.top() + m.bottom()
        return QSize(max(top, bottom) + m.left() + m.right(), height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange(two_rows=event.size().width() < self._one_row_width())
        super().resizeEvent(event)

    def set_save_state(self, text: str) -> None:
        self.save_state.setText(text)
        self.save_state.setVisible(bool(text))
        self._arrange(two_rows=self.width() < self._one_row_width())

    # --- the time, in the user's zone --------------------------------------------------------------

    def set_zone(self, zone: tzinfo) -> None:
        """Show and read times in ``zone``; the time picked stays the same moment."""
        keep = self.at() if hasattr(self, "zone") and self.when.dateTime().isValid() else None
        self.zone = zone
        name = zone_label(zone)
        self.zone_label.setText(name)
        self.zone_label.setToolTip(f"Times are in {name} (change it in Settings)")
        self.when.setToolTip(f"When to publish, in {name}")
        self.when.setAccessibleName(f"Publish time ({name})")
        if keep is not None:
            self.set_at(keep)

    def at(self) -> datetime:
        """The picked time, in UTC."""
        picked = self.when.dateTime()
        d, t = picked.date(), picked.time()
        naive = datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())
        return naive.replace(tzinfo=self.zone).astimezone(UTC)

    def set_at(self, when: datetime | None) -> None:
        if when is None:
            when = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        local = when.astimezone(self.zone).replace(tzinfo=None)
        self.when.blockSignals(True)
        self.when.setDateTime(QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)))
        self.when.blockSignals(False)

    # --- campaign and state --------------------------------------------------------------------------

    def set_campaigns(self, names: Sequence[str], current: str | None) -> None:
        self.campaign.blockSignals(True)
        self.campaign.clear()
        self.campaign.addItem("No campaign", None)
        for name in names:
            self.campaign.addItem(name, name)
        self.set_campaign(current)
        self.campaign.blockSignals(False)

    def set_campaign(self, name: str | None) -> None:
        blocked = self.campaign.blockSignals(True)
        index = self.campaign.findData(name) if name else 0
        if name and index < 0:
            self.campaign.addItem(name, name)
            index = self.campaign.count() - 1
        self.campaign.setCurrentIndex(max(0, index))
        self.campaign.setToolTip(f"Campaign: {self.campaign.currentText()}")
        self.campaign.blockSignals(blocked)

    def set_problems(self, reason: str) -> None:
        """Disable the buttons that would schedule, with the reason in their tooltips."""
        for b in (self.schedule, self.next_slot, self.publish_now):
            b.setEnabled(not reason)
        self.schedule.setToolTip(reason or "Schedule at the time on the left (Ctrl+Enter)")
        self.next_slot.setToolTip(reason or "Put it in each account's queue at its next free time slot")
        self.publish_now.setToolTip(reason or "Publish as soon as possible")

    def set_busy(self, busy: bool) -> None:
        self.save_draft.setEnabled(not busy)
