"""New or edit campaign: name, colour, dates, goal (words and a number to reach), notes, UTM tags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.services import campaigns as svc
from desktop.services import utm
from desktop.services.metric_names import GOAL_METRICS, label
from desktop.ui import theme
from desktop.ui.changes import CAMPAIGNS, changes
from desktop.ui.errors import Explained, explain

if TYPE_CHECKING:
    from desktop.services.campaigns import CampaignRow
    from desktop.services.context import AppContext
    from desktop.ui.tasks import Task, TaskRunner

UTM_PROMISE = (
    "Links in this campaign's posts get these UTM tags when each post is sent. Empty fields use the "
    "network (utm_source), “social” (utm_medium) and the campaign's name (utm_campaign). Links you "
    "opt out of in the composer, and links that already carry utm_ parameters, stay as written."
)


def campaign_failure(exc: BaseException) -> Explained:
    """A failed campaign task in words: the service's own sentence (a clash, an edit made elsewhere),
    else what happened and what to do, with the database's or system's words under Details."""
    if isinstance(exc, svc.CampaignError):
        return Explained(str(exc))
    explained = explain(exc)
    return Explained(f"The campaign was not changed. {explained.sentence}", explained.details)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _soft_breaks(url: str) -> str:
    """A long link that a label may wrap after ``?`` and ``&``."""
    return url.replace("?", "?\u200b").replace("&", "&\u200b")


def _section(title: str) -> QLabel:
    heading = QLabel(title)
    heading.setProperty("role", "card-title")
    return heading


class CampaignDialog(QDialog):
    """Create a campaign, or edit ``campaign`` (prefilled; saving fails if it changed meanwhile)."""

    created = Signal(object)  # CampaignRow
    saved = Signal(object)  # CampaignRow, after an edit

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        parent: QWidget | None = None,
        campaign: CampaignRow | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.campaign = campaign
        self._tasks: list[Task] = []  # cancelled when the dialog closes, so no result reaches a gone dialog
        self._dates_kept: tuple[Any, Any] | None = None
        self._network = ("mastodon", "Mastodon")  # the example link's network until accounts load
        self.setWindowTitle("Edit campaign" if campaign else "New campaign")
        self.setMinimumWidth(720)
        self._color = QColor(campaign.color if campaign else svc.PALETTE[0])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(12)
        columns = QHBoxLayout()
        columns.setSpacing(28)
        columns.addLayout(self._build_campaign_column(), 3)
        columns.addLayout(self._build_links_column(), 2)
        layout.addLayout(columns)

        self.error = QLabel()
        self.error.setObjectName("campaign-error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton(
            "Save changes" if campaign else "Create campaign", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setProperty("primary", True)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if campaign:
            self._prefill(campaign)
        self._validate()
        self._update_example()
        self._load_networks()
        theme.notifier().changed.connect(self._restyle)
        self._restyle(theme.current())

    def _restyle(self, colors: theme.Colors) -> None:
        """The error's colour follows a theme switch while the dialog is open."""
        self.error.setStyleSheet(f"color: {colors.danger};")
        self._paint_color()

    # --- building -----------------------------------------------------------------------------

    def _build_campaign_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(_section("Campaign"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Spring launch")
        self.name.textChanged.connect(self._validate)
        self.name.textChanged.connect(self._update_example)
        form.addRow("Name", self.name)

        self.color_button = QPushButton()
        self.color_button.setFixedWidth(64)
        self.color_button.setToolTip("The campaign's colour on the calendar and in lists: click to choose")
        self.color_button.setAccessibleName("Campaign colour")
        self.color_button.clicked.connect(self._pick_color)
        self._paint_color()
        form.addRow("Colour", self.color_button)

        self.has_dates = QCheckBox("Runs between two dates")
        today = QDate.currentDate()
        self.start = QDateEdit(today)
        self.end = QDateEdit(today.addDays(30))
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d MMM yyyy")
            d.setEnabled(False)
            d.dateChanged.connect(self._validate)
        self.has_dates.toggled.connect(self.start.setEnabled)
        self.has_dates.toggled.connect(self.end.setEnabled)
        self.has_dates.toggled.connect(self._validate)
        dates = QHBoxLayout()
        dates.setSpacing(8)
        dates.addWidget(self.start, 1)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end, 1)
        form.addRow("", self.has_dates)
        form.addRow("Dates", dates)

        self.goal = QLineEdit()
        self.goal.setPlaceholderText("In your words, e.g. more newsletter sign-ups")
        form.addRow("Goal", self.goal)

        self.has_target = QCheckBox("Measure it: a number to reach")
        self.has_target.setToolTip("A number to reach, counted from the metrics Campaign Desk syncs")
        self.target = QSpinBox()
        self.target.setRange(1, svc.TARGET_MAX)
        self.target.setValue(1000)
        self.target.setGroupSeparatorShown(True)
        self.target.setMinimumWidth(96)
        self.metric_picker = QComboBox()
        for m in GOAL_METRICS:
            self.metric_picker.addItem("followers gained" if m == "followers" else label(m).lower(), m)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target, 2)
        target_row.addWidget(self.metric_picker, 3)
        form.addRow("", self.has_target)
        form.addRow("Target", target_row)

        self.has_by = QCheckBox("Reach it by")
        self.by = QDateEdit(today.addDays(30))
        self.by.setCalendarPopup(True)
        self.by.setDisplayFormat("d MMM yyyy")
        by_row = QHBoxLayout()
        by_row.addWidget(self.has_by)
        by_row.addWidget(self.by, 1)
        form.addRow("", by_row)
        for w in (self.target, self.metric_picker, self.has_by, self.by):
            w.setEnabled(False)
        self.has_target.toggled.connect(self._goal_toggled)
        self.has_by.toggled.connect(self._goal_toggled)
        self.by.dateChanged.connect(self._validate)

        self.progress = QLabel()
        self.progress.setProperty("role", "muted")
        self.progress.setWordWrap(True)
        # a wrapped label in a form row otherwise takes its narrowest width and wraps early
        self.progress.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.progress.hide()
        form.addRow("", self.progress)

        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Briefs, links to assets, who approves…")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(76)
        form.addRow("Notes", self.notes)
        column.addLayout(form)
        column.addStretch(1)
        return column

    def _build_links_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(_section("UTM tags on links"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        self.utm: dict[str, QLineEdit] = {}
        for field in svc.UTM_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(
                {"source": "the network", "medium": "social", "campaign": "from the name"}.get(field, "optional")
            )
            edit.textChanged.connect(self._update_example)
            self.utm[field] = edit
            form.addRow(f"utm_{field}", edit)
        column.addLayout(form)
        self.promise = QLabel(UTM_PROMISE)
        self.promise.setProperty("role", "muted")
        self.promise.setWordWrap(True)
        column.addWidget(self.promise)
        self.example_title = QLabel()
        self.example_title.setProperty("role", "muted")
        column.addWidget(self.example_title)
        self.example = QLabel()
        self.example.setWordWrap(True)
        self.example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.example)
        column.addStretch(1)
        return column

    def _prefill(self, row: CampaignRow) -> None:
        self.name.setText(row.name)
        first, last = row.starts_on or row.ends_on, row.ends_on or row.starts_on
        if first is not None and last is not None:
            self.has_dates.setChecked(True)
            self.start.setDate(_qdate(first))
            self.end.setDate(_qdate(last))
            # A campaign with only a start or an end (set from the command line) keeps it that way
            # unless the user changes the dates here.
            self._dates_kept = (row.starts_on, row.ends_on)
            for d in (self.start, self.end):
                d.dateChanged.connect(self._forget_kept_dates)
        self.goal.setText(row.goal)
        if row.goal_metric and row.goal_target:
            self.has_target.setChecked(True)
            self.target.setValue(row.goal_target)
            self.metric_picker.setCurrentIndex(max(0, self.metric_picker.findData(row.goal_metric)))
            if row.goal_by:
                self.has_by.setChecked(True)
                self.by.setDate(_qdate(row.goal_by))
        if row.progress:
            self.progress.setText(f"Now: {row.progress.sentence}.")
            self.progress.show()
        self.notes.setPlainText(row.notes)
        for field, edit in self.utm.items():
            edit.setText(row.utm.get(field, ""))

    def _load_networks(self) -> None:
        """The example link shows the first connected account's network (read off the GUI thread)."""
        from desktop.services.accounts import list_accounts

        self._run(
            lambda: [(a.network, a.network_name) for a in list_accounts(self.ctx)],
            on_done=self._networks_loaded,
            on_error=lambda _exc: None,  # the example keeps Mastodon: nothing the user must act on
            name="campaign_dialog_networks",
        )

    def _networks_loaded(self, networks: list[tuple[str, str]]) -> None:
        if networks:
            self._network = networks[0]
            self._update_example()

    # --- behaviour ----------------------------------------------------------------------------

    def _forget_kept_dates(self) -> None:
        self._dates_kept = None

    def _goal_toggled(self) -> None:
        on = self.has_target.isChecked()
        for w in (self.target, self.metric_picker, self.has_by):
            w.setEnabled(on)
        self.by.setEnabled(on and self.has_by.isChecked())
        self._validate()

    def _pick_color(self) -> None:
        color = QColorDialog.getColor(self._color, self, "Campaign colour")
        if color.isValid():
            self._color = color
            self._paint_color()

    def _paint_color(self) -> None:
        # a rim in the muted colour, so a colour close to the dialog's background still shows its edge
        self.color_button.setStyleSheet(
            f"background: {self._color.name()}; border-radius: 6px; min-height: 22px;"
            f" border: 1px solid {theme.current().muted};"
        )
        self.color_button.setAccessibleDescription(self._color.name())

    def _update_example(self) -> None:
        network, network_name = self._network
        fields = {"name": self.name.text().strip() or "campaign", **{k: e.text() for k, e in self.utm.items()}}
        self.example_title.setText(f"On {network_name}, {utm.EXAMPLE_URL} goes out as:")
        self.example.setText(_soft_breaks(utm.example_link(fields, network)))

    def _validate(self) -> None:
        problem = ""
        dated = self.has_dates.isChecked()
        if not self.name.text().strip():
            problem = "name"
        elif dated and self.end.date() < self.start.date():
            problem = "The campaign cannot end before it starts."
        elif dated and self.has_target.isChecked() and self.has_by.isChecked() and self.by.date() < self.start.date():
            problem = "The goal's date is before the campaign starts."
        self.create_button.setEnabled(not problem)
        self.error.setText(problem if problem != "name" else "")
        self.error.setVisible(bool(problem) and problem != "name")

    def values(self) -> dict[str, Any]:
        """The campaign as the form says it should be (keyword arguments for the service)."""
        dated = self.has_dates.isChecked()
        measured = self.has_target.isChecked()
        starts_on, ends_on = (self.start.date().toPython(), self.end.date().toPython()) if dated else (None, None)
        if dated and self._dates_kept is not None:
            starts_on, ends_on = self._dates_kept
        return {
            "name": self.name.text(),
            "color": self._color.name(),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "goal": self.goal.text().strip(),
            "goal_metric": self.metric_picker.currentData() if measured else "",
            "goal_target": self.target.value() if measured else None,
            "goal_by": self.by.date().toPython() if measured and self.has_by.isChecked() else None,
            "notes": self.notes.toPlainText().strip(),
            "utm": {k: e.text().strip() for k, e in self.utm.items()},
        }

    def _submit(self) -> None:
        kwargs = self.values()
        self.create_button.setEnabled(False)
        if self.campaign is None:
            name = kwargs.pop("name")
            kwargs["utm"] = {k: v for k, v in kwargs["utm"].items() if v}
            self._run(
                lambda: svc.add_campaign(self.ctx, name, **kwargs),
                on_done=self._done,
                on_error=self._failed,
                name="add_campaign",
                changes=changes(CAMPAIGNS),
            )
        else:
            row = self.campaign
            self._run(
                lambda: svc.edit_campaign(self.ctx, row.id, expected=row, **kwargs),
                on_done=self._done,
                on_error=self._failed,
                name="edit_campaign",
                changes=changes(CAMPAIGNS),
            )

    def _run(self, fn: Callable[[], Any], **callbacks: Any) -> None:
        self._tasks = [t for t in self._tasks if not t.done]
        self._tasks.append(self.runner.run(fn, owner=self, **callbacks))

    def done(self, result: int) -> None:
        for task in self._tasks:
            task.cancel()
        super().done(result)

    def _done(self, row: CampaignRow) -> None:
        (self.saved if self.campaign else self.created).emit(row)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        explained = campaign_failure(exc)
        self.error.setText(explained.sentence)
        self.error.setToolTip(explained.details)
        self.error.show()
        self.create_button.setEnabled(True)

    def keyPressEvent(self, event):  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.create_button.isEnabled():
            return
        super().keyPressEvent(event)
