"""Settings → Publishing: pause, lateness limit, alt text rule, tray and daily digest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QSpinBox, QWidget

from desktop.services import app_settings
from desktop.services.compose import REQUIRE_ALT_TEXT
from desktop.ui.widgets.card import Card

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


class PublishingPreferences(Card):
    """Each control reads and writes one app setting (in the DB) off the GUI thread."""

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

    def _save(self, key: str, value: Any) -> None:
        if self._loading:
            return
        self.runner.run(lambda: app_settings.put(self.ctx, key, value), name=f"save {key}")

    _loading = False

    def refresh(self) -> None:
        keys = [key for key, _ in self._bindings]
        self.runner.run(lambda: [app_settings.get(self.ctx, k) for k in keys], on_done=self._show)

    def _show(self, values: list[Any]) -> None:
        self._loading = True
        try:
            for (_key, apply), value in zip(self._bindings, values, strict=True):
                apply(value)
        finally:
            self._loading = False
