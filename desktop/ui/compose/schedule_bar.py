"""The bottom bar: campaign, when (in the user's zone), and the actions that save the post."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.services.zones import zone_label
from desktop.ui.compose.style import colors, glyph


class ScheduleBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ScheduleBar")
        c = colors(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 10, 12, 10)
        row.setSpacing(8)
        self.campaign = QComboBox()
        self.campaign.setMinimumWidth(150)
        self.campaign.setToolTip("Campaign this post belongs to")
        self.campaign.addItem("No campaign", None)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.when.setMinimumWidth(190)
        self.zone_label = QLabel()
        self.zone_label.setProperty("role", "muted")
        self.next_slot = QPushButton(glyph("clock", c.text), "Next free slot")
        self.next_slot.setToolTip("Put it in each account's queue at its next free time slot")
        self.publish_now = QPushButton(glyph("send", c.text), "Publish now")
        self.save_draft = QPushButton(glyph("save", c.text), "Save draft")
        self.schedule = QPushButton("Schedule")
        self.schedule.setProperty("primary", True)
        self.schedule.setMinimumWidth(110)
        self.schedule.setCursor(Qt.CursorShape.PointingHandCursor)
        row.addWidget(self.campaign)
        row.addSpacing(8)
        row.addWidget(self.when)
        row.addWidget(self.zone_label)
        row.addStretch(1)
        for b in (self.next_slot, self.publish_now, self.save_draft, self.schedule):
            row.addWidget(b)
        self.zone = "UTC"
        self.set_zone("")
        self.set_at(None)

    def set_zone(self, zone: str) -> None:
        """Show and read times in ``zone`` (IANA name; empty: the system's)."""
        local = datetime.now().astimezone().tzinfo
        self.zone = zone or getattr(local, "key", None) or str(local)
        self.zone_label.setText(self.zone.split("/")[-1].replace("_", " "))
        self.zone_label.setToolTip(f"Times are in {zone_label(self.zone)}")

    def _tz(self):  # type: ignore[no-untyped-def]
        try:
            return ZoneInfo(self.zone)
        except (KeyError, ValueError):
            return datetime.now().astimezone().tzinfo

    def at(self) -> datetime:
        """The picked time, in UTC."""
        naive = self.when.dateTime().toPython().replace(second=0, microsecond=0)
        return naive.replace(tzinfo=self._tz()).astimezone(UTC)

    def set_at(self, when: datetime | None) -> None:
        if when is None:
            when = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        local = when.astimezone(self._tz()).replace(tzinfo=None)
        self.when.setDateTime(QDateTime(local.date(), local.time()))

    def set_campaigns(self, names: Sequence[str], current: str | None) -> None:
        self.campaign.blockSignals(True)
        self.campaign.clear()
        self.campaign.addItem("No campaign", None)
        for name in names:
            self.campaign.addItem(name, name)
        self.set_campaign(current)
        self.campaign.blockSignals(False)

    def set_campaign(self, name: str | None) -> None:
        index = self.campaign.findData(name) if name else 0
        if name and index < 0:
            self.campaign.addItem(name, name)
            index = self.campaign.count() - 1
        self.campaign.setCurrentIndex(max(0, index))

    def set_problems(self, reason: str) -> None:
        """Disable the buttons that would schedule, with the reason in their tooltips."""
        for b in (self.schedule, self.next_slot, self.publish_now):
            b.setEnabled(not reason)
        self.schedule.setToolTip(reason or "Schedule at the time on the left (Ctrl+Enter)")
        self.next_slot.setToolTip(reason or "Put it in each account's queue at its next free time slot")
        self.publish_now.setToolTip(reason or "Publish as soon as possible")
