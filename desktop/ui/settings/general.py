"""Settings → Appearance and time: light/dark, and the one time zone every page shows times in.

The appearance is UI state (QSettings, read before the database opens) and applies at once
through :func:`desktop.ui.theme.set_mode`. The zone is an app setting in the DB (the CLI and the
background job plan in it too); saving it reports ``changes(settings=("timezone",))`` so every
page showing times re-renders them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QCompleter, QLabel, QVBoxLayout, QWidget

from desktop.services import app_settings, zones
from desktop.ui import theme
from desktop.ui.changes import changes
from desktop.ui.errors import explain
from desktop.ui.widgets.card import Card

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


def system_choice_label() -> str:
    name = zones.system_zone_name()
    return f"Same as this computer ({zones.zone_label(name)})" if name else "Same as this computer"


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


class AppearanceAndTimeCard(Card):
    """The appearance and time-zone controls; :meth:`refresh` reads the stored zone."""

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__("Appearance and time", parent)
        self.ctx = ctx
        self.runner = runner
        self.setObjectName("appearance-and-time")

        self.appearance = QComboBox()
        self.appearance.setObjectName("appearance")
        self.appearance.setAccessibleName("Appearance")
        for mode in theme.MODES:
            self.appearance.addItem(theme.MODE_LABELS[mode], mode)
        self.appearance.setCurrentIndex(max(0, self.appearance.findData(theme.mode())))
        self.appearance.setToolTip("Light or dark, or follow the system's choice. Applies at once.")
        self.appearance.currentIndexChanged.connect(self._appearance_chosen)
        self.form.addRow("Appearance", self.appearance)

        self.zone = QComboBox()
        self.zone.setObjectName("timezone")
        self.zone.setAccessibleName("Time zone")
        self.zone.setEditable(True)
        self.zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone.setMaxVisibleItems(16)
        self.zone.setMinimumContentsLength(24)
        self.zone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.zone.addItem(system_choice_label(), "")
        self._by_text: dict[str, str] = {_fold(self.zone.itemText(0)): ""}
        for name in zones.offered_zones():
            label = zones.zone_label(name)
            self.zone.addItem(label, name)
            self._by_text[_fold(label)] = name
            self._by_text[_fold(name)] = name
            # "Paris" finds Europe/Paris when it is the only zone of that city name
            self._by_text.setdefault(_fold(label.rsplit("/", 1)[-1]), name)
        completer = QCompleter(self.zone.model(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.zone.setCompleter(completer)
        self.zone.setToolTip(
            "Every time Campaign Desk shows or asks for is in this zone: the calendar, the queue, the "
            "composer and the background job. Type to search, e.g. “New York”."
        )
        self.zone.activated.connect(lambda _i: self._zone_entered())
        line = self.zone.lineEdit()
        assert line is not None
        line.editingFinished.connect(self._zone_entered)

        zone_box = QWidget()
        column = QVBoxLayout(zone_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.zone)
        self.zone_note = QLabel()
        self.zone_note.setObjectName("timezone-note")
        self.zone_note.setWordWrap(True)
        self.zone_note.hide()
        column.addWidget(self.zone_note)
        self.form.addRow("Time zone", zone_box)
        self._saved = ""  # the stored setting ("" = the computer's zone)
        self._restyle(theme.current())
        theme.notifier().changed.connect(self._restyle)

    # --- appearance -----------------------------------------------------------------------------

    def _appearance_chosen(self, _index: int) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.set_mode(app, str(self.appearance.currentData()))

    def _restyle(self, colors: theme.Colors) -> None:
        self._colors = colors
        self.zone_note.setStyleSheet(f"color: {colors.danger if self._note_is_error else colors.muted};")
        # a switch made elsewhere (a test, the system) keeps the control honest
        self.appearance.blockSignals(True)
        self.appearance.setCurrentIndex(max(0, self.appearance.findData(theme.mode())))
        self.appearance.blockSignals(False)

    _note_is_error = False

    def _note(self, text: str, *, error: bool = False) -> None:
        self._note_is_error = error
        self.zone_note.setText(text)
        self.zone_note.setVisible(bool(text))
        self._restyle(theme.current())

    # --- time zone ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.runner.run(
            lambda: str(app_settings.get(self.ctx, app_settings.TIMEZONE) or ""),
            on_done=self._show_zone,
            on_error=lambda exc: self._note(f"Could not read the time zone. {explain(exc).sentence}", error=True),
            name="read_timezone",
            owner=self,
        )

    def _show_zone(self, stored: str) -> None:
        self._saved = zones.canonical(stored)
        i = self.zone.findData(self._saved)
        if i < 0:  # a stored zone this list leaves out (e.g. "Etc/GMT+5"): show it as it is
            self.zone.addItem(zones.zone_label(self._saved), self._saved)
            self._by_text[_fold(self._saved)] = self._saved
            i = self.zone.count() - 1
        self.zone.blockSignals(True)
        self.zone.setCurrentIndex(i)
        self.zone.blockSignals(False)

    def chosen_zone(self) -> str | None:
        """The zone the control names ("" = this computer's), or None when the text is no zone."""
        return self._by_text.get(_fold(self.zone.currentText()))

    def _zone_entered(self) -> None:
        text = self.zone.currentText().strip()
        name = self.chosen_zone()
        if name is None:
            self._note(
                f"“{text}” isn't a time zone Campaign Desk knows. Pick one from the list; typing part of "
                "a city or region (“Paris”, “New York”) finds it.",
                error=True,
            )
            return
        self._note("")
        i = self.zone.findData(name)
        if i >= 0 and self.zone.currentIndex() != i:
            self.zone.blockSignals(True)
            self.zone.setCurrentIndex(i)
            self.zone.blockSignals(False)
        if name == self._saved:
            return
        self._saved = name
        ctx = self.ctx
        self.runner.run(
            lambda: app_settings.put_if_changed(ctx, app_settings.TIMEZONE, name),
            on_done=lambda _changed: self._note(f"Times are now shown in {self._zone_words(name)}."),
            on_error=self._save_failed,
            name="save_timezone",
            owner=self,
            changes=changes(settings=(app_settings.TIMEZONE,), source=self),
        )

    @staticmethod
    def _zone_words(name: str) -> str:
        return zones.zone_label(name) if name else system_choice_label().replace("Same as", "the zone of")

    def _save_failed(self, exc: Exception) -> None:
        self._saved = ""
        self._note(f"The time zone was not saved. {explain(exc).sentence}", error=True)
        self.refresh()
