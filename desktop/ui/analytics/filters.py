"""The dashboard's filter bar: which days, which campaign, which accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

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


def campaign_order(campaigns: Sequence[CampaignRow]) -> list[CampaignRow]:
    """Active campaigns first, then the archived ones, each group by name."""
    return sorted(campaigns, key=lambda c: (c.archived, c.name.lower()))


def campaign_label(campaign: CampaignRow) -> str:
    return f"{campaign.name} (archived)" if campaign.archived else campaign.name


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


class FilterBar(QWidget):
    """Emits ``changed`` whenever the user picks another period, campaign or account."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(8)
        # a custom range's dates go on a line of their own: beside the lists they would not fit at 900 px
        self.dates_row = QWidget()
        dates = QHBoxLayout(self.dates_row)
        dates.setContentsMargins(0, 0, 0, 0)
        dates.setSpacing(8)
        self.period = QComboBox()
        self.period.setObjectName("period")
        for days, text in PRESETS:
            self.period.addItem(text, days)
        self.period.addItem("Custom range…", CUSTOM)
        self.period.setCurrentIndex(1)
        self.period.setAccessibleName("Period")
        self.period.setToolTip("Which days the dashboard counts (in your time zone)")
        today = date.today()
        self.start = QDateEdit(_qdate(today - timedelta(days=29)))
        self.end = QDateEdit(_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.dateChanged.connect(self._dates_changed)
        self.start.setAccessibleName("First day")
        self.end.setAccessibleName("Last day")
        self.to_label = QLabel("to")
        self.campaign = QComboBox()
        self.campaign.setObjectName("campaign")
        self.campaign.addItem("All campaigns", None)
        self.campaign.setMinimumContentsLength(12)
        self.campaign.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.campaign.setAccessibleName("Campaign")
        self.campaign.setToolTip("Show one campaign's results and goal progress (active campaigns first)")
        self.account = QComboBox()
        self.account.setObjectName("account")
        self.account.addItem("All accounts", None)
        self.account.setMinimumContentsLength(12)
        self.account.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.account.setAccessibleName("Account")
        self.account.setToolTip("Show one account, or all of them")
        self.external = QCheckBox("Include posts from outside the app")
        self.external.setChecked(True)
        self.external.setToolTip("Posts you published elsewhere, imported so the dashboard shows your whole history")
        for combo in (self.campaign, self.account):  # long names get the room the row has, up to a point
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.setMaximumWidth(360)
        for combo in (self.period, self.campaign, self.account):
            row.addWidget(combo)
        row.addStretch(1)
        self.from_label = QLabel("From")
        for w in (self.from_label, self.start, self.to_label, self.end):
            dates.addWidget(w)
        dates.addStretch(1)
        rows.addLayout(row)
        rows.addWidget(self.dates_row)
        self._show_dates()
        self.period.currentIndexChanged.connect(self._period_changed)
        self.campaign.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.account.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.external.toggled.connect(lambda _on: self.changed.emit())

    # --- what is chosen ---------------------------------------------------------------------

    def days(self) -> int:
        return int(self.period.currentData())

    # The first item ("All …") holds no data: it is told by its index, since reading an empty item's
    # data back as None drops a reference to None in PySide6 6.12 (see the screens test).
    def campaign_id(self) -> int | None:
        return int(self.campaign.currentData()) if self.campaign.currentIndex() > 0 else None

    def account_ids(self) -> tuple[int, ...]:
        return (int(self.account.currentData()),) if self.account.currentIndex() > 0 else ()

    def choice(self) -> FilterChoice:
        """What is picked, as plain values a worker thread may read."""
        first, last = sorted((_pydate(self.start.date()), _pydate(self.end.date())))
        return FilterChoice(self.days(), first, last, self.campaign_id(), self.account_ids(), self.external.isChecked())

    # --- choices from the database ----------------------------------------------------------

    def set_choices(self, campaigns: Sequence[CampaignRow], accounts: Sequence[AccountRow]) -> None:
        """Refill the campaign and account lists, keeping the current choices (no ``changed``)."""
        self._refill(self.campaign, [(None, campaign_label(c), c.id) for c in campaign_order(campaigns)])
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
            combo.setItemData(combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)  # a long name, whole
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
        self.dates_row.setVisible(self.days() == CUSTOM)

    def _period_changed(self) -> None:
        self._show_dates()
        self.changed.emit()

    def _dates_changed(self) -> None:
        if self.days() == CUSTOM:
            self.changed.emit()
