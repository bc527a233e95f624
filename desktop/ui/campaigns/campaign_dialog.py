"""New campaign: name, colour, optional dates, goal and UTM defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import campaigns as svc
from desktop.ui import theme

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class CampaignDialog(QDialog):
    created = Signal(object)  # CampaignRow

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.setWindowTitle("New campaign")
        self.setMinimumWidth(440)
        self._color = QColor(svc.PALETTE[0])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Spring launch")
        self.name.textChanged.connect(self._validate)
        form.addRow("Name", self.name)

        self.color_button = QPushButton()
        self.color_button.setFixedWidth(64)
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
        dates.addWidget(self.start)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end)
        form.addRow("", self.has_dates)
        form.addRow("Dates", dates)

        self.goal = QLineEdit()
        self.goal.setPlaceholderText("What success looks like, e.g. 500 sign-ups")
        form.addRow("Goal", self.goal)

        self.utm: dict[str, QLineEdit] = {}
        for field in svc.UTM_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(
                {"source": "e.g. social", "medium": "e.g. organic", "campaign": "e.g. spring-launch"}.get(
                    field, "optional"
                )
            )
            self.utm[field] = edit
            form.addRow(f"utm_{field}", edit)
        layout.addLayout(form)
        note = QLabel("Links in this campaign's posts get these UTM parameters automatically.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        layout.addWidget(note)

        self.error = QLabel()
        self.error.setStyleSheet(f"color: {theme.current().danger};")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton("Create campaign", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setProperty("primary", True)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._validate()

    def _pick_color(self) -> None:
        color = QColorDialog.getColor(self._color, self, "Campaign colour")
        if color.isValid():
            self._color = color
            self._paint_color()

    def _paint_color(self) -> None:
        self.color_button.setStyleSheet(
            f"background: {self._color.name()}; border-radius: 6px; min-height: 22px; border: none;"
        )

    def _validate(self) -> None:
        problem = ""
        if not self.name.text().strip():
            problem = "name"
        elif self.has_dates.isChecked() and self.end.date() < self.start.date():
            problem = "The campaign cannot end before it starts."
        self.create_button.setEnabled(not problem)
        self.error.setText(problem if problem != "name" else "")
        self.error.setVisible(bool(problem) and problem != "name")

    def _submit(self) -> None:
        kwargs = {
            "color": self._color.name(),
            "goal": self.goal.text().strip(),
            "utm": {k: e.text().strip() for k, e in self.utm.items() if e.text().strip()},
        }
        if self.has_dates.isChecked():
            kwargs["starts_on"] = self.start.date().toPython()
            kwargs["ends_on"] = self.end.date().toPython()
        name = self.name.text()
        self.create_button.setEnabled(False)
        self.runner.run(
            lambda: svc.add_campaign(self.ctx, name, **kwargs),  # type: ignore[arg-type]
            on_done=self._done,
            on_error=self._failed,
        )

    def _done(self, row: svc.CampaignRow) -> None:
        self.created.emit(row)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.error.setText(str(exc))
        self.error.show()
        self.create_button.setEnabled(True)

    def keyPressEvent(self, event):  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.create_button.isEnabled():
            return
        super().keyPressEvent(event)
