"""Campaigns: named groups of posts with dates, colour, goal and UTM defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPushButton, QStackedWidget, QTableView

from desktop.services import campaigns as svc
from desktop.services.campaigns import CampaignRow
from desktop.ui.campaigns.campaign_dialog import CampaignDialog
from desktop.ui.campaigns.model import CampaignsModel
from desktop.ui.icons import icon
from desktop.ui.pages.base import Page
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.table_model import SORT_ROLE

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class CampaignsPage(Page):
    key = "campaigns"
    title = "Campaigns"
    icon_name = "campaigns"
    subtitle = "Group posts to plan them together and compare their results."

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self.new_button = QPushButton(icon("plus", "#ffffff"), "New campaign")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.open_new_dialog)
        self.header_actions.addWidget(self.new_button)

        self.model = CampaignsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CampaignsModel.GOAL, QHeaderView.ResizeMode.Stretch)

        self.empty = EmptyState(
            "campaigns",
            "No campaigns yet",
            "A campaign groups posts under one name, with dates, a colour on the calendar, a goal, "
            "and UTM parameters added to its links.",
            "Create a campaign",
            self.open_new_dialog,
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        self.body.addWidget(self.stack, 1)

    def refresh(self) -> None:
        self.runner.run(lambda: svc.list_campaigns(self.ctx), on_done=self._show, name="list_campaigns")

    def _show(self, rows: list[CampaignRow]) -> None:
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.table if rows else self.empty)

    def open_new_dialog(self) -> CampaignDialog:
        dialog = CampaignDialog(self.ctx, self.runner, self)
        dialog.created.connect(lambda _row: self.refresh())
        dialog.open()
        return dialog
