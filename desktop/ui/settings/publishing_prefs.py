"""Settings → Publishing: pause, lateness limit, alt text rule, tray and daily digest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QLabel, QSpinBox, QWidget

from desktop.services import app_settings
from desktop.services.compose import REQUIRE_ALT_TEXT
from desktop.ui import theme
from desktop.ui.changes import changes
from desktop.ui.errors import explain
from desktop.ui.widgets.card import Card

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class PublishingPreferences(Card):
    """Each control reads and writes one app setting (in the DB) off the GUI thread; a write
    reports ``changes(settings=(key,))``, so the engine, the tray and the Publishing page follow at once."""

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__("Publishing", parent)
        self.ctx = ctx
        self.runner = runner
        form = self.form

        self.paused = QCheckBox("Pause all publishing")
        self.paused.setToolTip("Nothing is sent, by the app or by the background job, until you resume.")
        self.give_up = QSpinBox()
        self.give_up.setRange(0, 168)
        self.give_up.setMaximumWidth(260)
        self.give_up.setSuffix(" hours late")
        self.give_up.setSpecialValueText("Never hold back late posts")
        self.give_up.setToolTip(
            "A post that is more than this late (the computer was off, say) is not sent without you: "
            "it waits under Publishing → Needs your attention."
        )
        self.require_alt = QCheckBox("Require alt text on every image")
        self.close_to_tray = QCheckBox("Keep running in the system tray when the window is closed")
        self.digest = QCheckBox("Show a daily summary at 9:00")
        form.addRow("", self.paused)
        form.addRow("Hold back posts more than", self.give_up)
        form.addRow("", self.require_alt)
        form.addRow("", self.close_to_tray)
        form.addRow("", self.digest)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        form.addRow(self.error)
        self._restyle(theme.current())
        theme.notifier().changed.connect(self._restyle)

        self._bindings: list[tuple[str, Callable[[Any], None]]] = []
        self._bind_check(self.paused, app_settings.PUBLISHING_PAUSED)
        self._bind_check(self.require_alt, REQUIRE_ALT_TEXT)
        self._bind_check(self.close_to_tray, app_settings.CLOSE_TO_TRAY)
        self._bind_check(self.digest, app_settings.DAILY_DIGEST)
        self._bindings.append((app_settings.GIVE_UP_HOURS, lambda v: self.give_up.setValue(int(v or 0))))
        self.give_up.valueChanged.connect(lambda v: self._save(app_settings.GIVE_UP_HOURS, int(v)))

    def _bind_check(self, box: QCheckBox, key: str) -> None:
        self._bindings.append((key, lambda v: box.setChecked(bool(v))))
        box.toggled.connect(lambda on: self._save(key, bool(on)))

    def _restyle(self, colors: theme.Colors) -> None:
        self.error.setStyleSheet(f"color: {colors.danger};")

    def _save(self, key: str, value: Any) -> None:
        if self._loading:
            return
        self.error.hide()
        ctx = self.ctx
        self.runner.run(
            lambda: app_settings.put(ctx, key, value),
            on_error=self._save_failed,
            name=f"save {key}",
            owner=self,
            changes=changes(settings=(key,), source=self),
        )

    def _save_failed(self, exc: Exception) -> None:
        self.error.setText(f"The setting was not saved. {explain(exc).sentence}")
        self.error.show()
        self.refresh()  # show what is stored

    _loading = False

    def refresh(self) -> None:
        keys = [key for key, _ in self._bindings]
        ctx = self.ctx
        self.runner.run(
            lambda: [app_settings.get(ctx, k) for k in keys],
            on_done=self._show,
            on_error=self._save_failed_read,
            name="read publishing settings",
            owner=self,
        )

    def _save_failed_read(self, exc: Exception) -> None:
        self.error.setText(f"Could not read the publishing settings. {explain(exc).sentence}")
        self.error.show()

    def _show(self, values: list[Any]) -> None:
        self._loading = True
        try:
            for (_key, apply), value in zip(self._bindings, values, strict=True):
                apply(value)
        finally:
            self._loading = False
