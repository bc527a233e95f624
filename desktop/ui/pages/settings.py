"""Settings: appearance and time zone, credential storage, where data lives, publishing, and about.

Every control applies at once: a write reports ``changes(settings=(key,))`` and the main window,
the engine, the tray and every page follow from that. Internals (keyring class, schema revision)
live in Help ▸ Diagnostics, not here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop import __version__
from desktop.services import app_settings
from desktop.services.vault import KeyringStatus
from desktop.ui.changes import SETTINGS, changes
from desktop.ui.errors import explain
from desktop.ui.pages.base import Page
from desktop.ui.settings.background_publishing import BackgroundPublishingSection
from desktop.ui.settings.general import AppearanceAndTimeCard
from desktop.ui.settings.network_apps import NetworkAppsSection
from desktop.ui.settings.publishing_prefs import PublishingPreferences
from desktop.ui.widgets.banner import WarningBanner
from desktop.ui.widgets.card import Card

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.changes import Changes
    from desktop.ui.tasks import TaskRunner


class SettingsPage(Page):
    key = "settings"
    title = "Settings"
    icon_name = "settings"
    subtitle = "How Campaign Desk looks, which time zone it plans in, and how it stores and publishes."
    scrollable = True
    watches = frozenset({SETTINGS})

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(ctx, runner, parent)
        self.general = AppearanceAndTimeCard(ctx, runner, self)
        self.body.addWidget(self.general)

        security = Card("Credentials")
        form = security.form
        self.keyring = QLabel()
        self.keyring.setWordWrap(True)
        form.addRow(self.keyring)
        self.banner = WarningBanner()
        form.addRow(self.banner)
        self.allow_insecure = QCheckBox("Store credentials even though this keyring does not encrypt them")
        self.allow_insecure.setToolTip(
            "Only for machines without a system keyring (servers, CI). "
            "Headless runs can set CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING=1 instead."
        )
        self.allow_insecure.toggled.connect(self._set_allow_insecure)
        form.addRow("", self.allow_insecure)
        self.body.addWidget(security)

        data = Card("Data")
        form = data.form
        # read-only field, not a label: a long path scrolls inside it instead of widening the page
        self.data_dir = QLineEdit(str(ctx.data_dir))
        self.data_dir.setReadOnly(True)
        self.data_dir.setAccessibleName("Data folder")
        self.data_dir.setCursorPosition(0)
        open_button = QPushButton("Open folder")
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(ctx.data_dir))))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_dir, 1)
        folder_row.addWidget(open_button)
        form.addRow("Data folder", folder_row)
        self.body.addWidget(data)

        self.publishing = PublishingPreferences(ctx, runner, self)
        self.body.addWidget(self.publishing)
        self.background = BackgroundPublishingSection(ctx, runner, self)
        self.body.addWidget(self.background)
        self.network_apps = NetworkAppsSection(ctx, runner, self)
        self.body.addWidget(self.network_apps)

        about = Card("About")
        form = about.form
        diagnostics = QPushButton("Diagnostics…")
        diagnostics.setToolTip("Technical facts about this installation, to copy into a bug report.")
        diagnostics.clicked.connect(self._show_diagnostics)
        version_row = QHBoxLayout()
        version_row.addWidget(QLabel(__version__), 1)
        version_row.addWidget(diagnostics)
        form.addRow("Version", version_row)
        self.body.addWidget(about)
        self.body.addStretch(1)

    def refresh(self) -> None:
        # Asking the keyring can wait on D-Bus or a locked vault: never on the GUI thread.
        self.runner.run(
            self.ctx.vault.status,
            on_done=self._show_keyring,
            on_error=self._keyring_failed,
            name="keyring_status",
            owner=self,
        )
        self.general.refresh()
        self.publishing.refresh()
        self.background.refresh()
        self.network_apps.refresh()

    def reveal_network_app(self, network: str) -> None:
        """Scroll to Network apps, to ``network``'s own entry when it has one, and put the cursor
        in its client ID (the connect dialog's "Open Network apps" lands here)."""
        target: QWidget = self.network_apps.apps.get(network) or self.network_apps

        def scroll() -> None:  # once the page is laid out: it may have just been built
            content = self.scroll_area.widget() if self.scroll_area is not None else None
            if self.scroll_area is not None and content is not None:
                bar = self.scroll_area.verticalScrollBar()
                group = self.network_apps
                group_top = group.mapTo(content, group.rect().topLeft()).y()
                top = target.mapTo(content, target.rect().topLeft()).y()
                bottom = top + target.height()
                # The section's own title too when the entry still fits under it; else the entry's heading.
                fits = bottom - group_top <= self.scroll_area.viewport().height()
                bar.setValue(min(bar.maximum(), max(0, group_top - 8 if fits else top - 24)))
            app = self.network_apps.apps.get(network)
            if app is not None:
                app.client_id.setFocus(Qt.FocusReason.OtherFocusReason)

        QTimer.singleShot(0, self, scroll)

    def on_changes(self, change: Changes) -> None:
        # A setting written elsewhere (the tray's Pause, the Publishing page) shows here at once;
        # what this page's own controls wrote is already on screen.
        if change.source in (self, self.general, self.publishing):
            return
        if change.touches(self.watches) and self.isVisible():
            self.general.refresh()
            self.publishing.refresh()

    def _show_keyring(self, status: KeyringStatus) -> None:
        # One sentence: as a plain line when all is well, as the warning banner when not.
        self.keyring.setText(status.sentence)
        self.keyring.setVisible(status.secure)
        self.allow_insecure.setVisible(not status.secure)
        self.allow_insecure.blockSignals(True)
        self.allow_insecure.setChecked(status.allowed and not status.secure)
        self.allow_insecure.blockSignals(False)
        self.banner.show_text("" if status.secure else status.sentence)

    def _keyring_failed(self, exc: Exception) -> None:
        self.keyring.setText(
            "Campaign Desk couldn't ask the system keyring how it stores sign-ins. "
            f"{explain(exc).sentence} Help ▸ Diagnostics has the details."
        )
        self.keyring.show()

    def _show_diagnostics(self) -> None:
        from desktop.ui.help.diagnostics import DiagnosticsDialog

        DiagnosticsDialog(self.ctx, self.runner, self).open()

    def _set_allow_insecure(self, allowed: bool) -> None:
        self.runner.run(
            lambda: app_settings.set_allow_insecure_keyring(self.ctx, allowed),
            on_done=lambda _r: self.refresh(),
            name="allow_insecure_keyring",
            owner=self,
            changes=changes(settings=(app_settings.ALLOW_INSECURE_KEYRING,), source=self),
        )
