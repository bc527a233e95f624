"""The dashboard's filter bar: which days, which campaign, which accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from desktop.ui.icons import network_icon

if TYPE_CHECKING:
    from desktop.services.accounts import AccountRow
    from desktop.services.analytics import Period, Scope
    from desktop.services.campaigns import CampaignRow


@dataclass(frozen=True)
class FilterChoice:
    days: int  # 7, 30, 90, or CUSTOM for first..last
    first: date
    last: date
    campaign_id: int | None
    account_ids: tuple[int, ...]
    include_external: bool

    def period(self, zone: ZoneInfo, now: datetime | None = None) -> Period:
        from desktop.services.analytics import Period

        if self.days != CUSTOM:
            return Period.last_days(self.days, now=now, zone=zone)
        return Period.local_days(self.first, self.last, zone)

    def scope(self, zone: ZoneInfo, now: datetime | None = None) -> Scope:
        from desktop.services.analytics import Scope

        return Scope(self.period(zone, now), self.campaign_id, self.account_ids, self.include_external)


PRESETS = ((7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"))
CUSTOM = 0


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


class FilterBar(QWidget):
    """Emits ``changed`` whenever the user picks another period, campaign or account."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.period = QComboBox()
        self.period.setObjectName("period")
        for days, text in PRESETS:
            self.period.addItem(text, days)
        self.period.addItem("Custom range…", CUSTOM)
        self.period.setCurrentIndex(1)
        today = date.today()
        self.start = QDateEdit(_qdate(today - timedelta(days=29)))
        self.end = QDateEdit(_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.dateChanged.connect(self._dates_changed)
        self.to_label = QLabel("to")
        self.campaign = QComboBox()
        self.campaign.setObjectName("campaign")
        self.campaign.addItem("All campaigns", None)
        self.campaign.setMinimumContentsLength(12)
        self.campaign.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.account = QComboBox()
        self.account.setObjectName("account")
        self.account.addItem("All accounts", None)
        self.account.setMinimumContentsLength(12)
        self.account.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.external = QCheckBox("Include posts from outside the app")
        self.external.setChecked(True)
        self.external.setToolTip("Posts you published elsewhere, imported so the dashboard shows your whole history")
        for w in (self.period, self.start, self.to_label, self.end, self.campaign, self.account):
            row.addWidget(w)
        row.addStretch(1)
        self._show_dates()
        self.period.currentIndexChanged.connect(self._period_changed)
        self.campaign.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.account.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.external.toggled.connect(lambda _on: self.changed.emit())

    # --- what is chosen ---------------------------------------------------------------------

    def days(self) -> int:
        return int(self.period.currentData())

    def campaign_id(self) -> int | None:
        value = self.campaign.currentData()
        return int(value) if value is not None else None

    def account_ids(self) -> tuple[int, ...]:
        value = self.account.currentData()
        return () if value is None else (int(value),)

    def choice(self) -> FilterChoice:
        """What is picked, as plain values a worker thread may read."""
        first, last = sorted((_pydate(self.start.date()), _pydate(self.end.date())))
        return FilterChoice(self.days(), first, last, self.campaign_id(), self.account_ids(), self.external.isChecked())

    # --- choices from the database ----------------------------------------------------------

    def set_choices(self, campaigns: Sequence[CampaignRow], accounts: Sequence[AccountRow]) -> None:
        """Refill the campaign and account lists, keeping the current choices (no ``changed``)."""
        self._refill(self.campaign, [(None, c.name, c.id) for c in campaigns])
        self._refill(
            self.account, [(network_icon(a.network), f"{a.handle} · {a.network_name}", a.id) for a in accounts]
        )

    def _refill(self, combo: QComboBox, items: list[tuple[object, str, int]]) -> None:
        keep = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for pic, text, value in items:
            if pic is None:
                combo.addItem(text, value)
            else:
                combo.addItem(pic, text, value)  # type: ignore[call-overload]
        combo.setCurrentIndex(max(0, combo.findData(keep)))
        combo.blockSignals(False)

    def choose_campaign(self, campaign_id: int | None) -> bool:
        index = self.campaign.findData(campaign_id)
        if index < 0:
            return False
        self.campaign.setCurrentIndex(index)
        return True

    # --- reacting ---------------------------------------------------------------------------

    def _show_dates(self) -> None:
        custom = self.days() == CUSTOM
        for w in (self.start, self.to_label, self.end):
            w.setVisible(custom)

    def _period_changed(self) -> None:
        self._show_dates()
        self.changed.emit()

    def _dates_changed(self) -> None:
        if self.days() == CUSTOM:
            self.changed.emit()
