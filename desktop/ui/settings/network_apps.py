"""Settings › Network apps: the developer app the user created on each network that requires one.

Listed: every available network with browser sign-in whose apps cannot register themselves
(``OAuthSpec.registers_client`` False). Each shows how to create the app (the network's own help
and a link), the exact redirect URI to register (with Copy), and the client id (and secret where
the network insists). The id is kept in the app's settings; the secret only in the keyring, and
it is never shown again: an empty secret field keeps the saved one.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop.services import oauth
from desktop.ui.changes import changes
from desktop.ui.errors import explain
from desktop.ui.widgets.card import Card

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner
    from providers.base import OAuthSpec


@dataclass(frozen=True)
class _Saved:
    client_id: str
    has_secret: bool


class _NetworkApp(QWidget):
    """One network's developer app: help, redirect URI, client id and secret, Save."""

    def __init__(self, section: NetworkAppsSection, network: str, name: str, spec: OAuthSpec) -> None:
        super().__init__()
        self.section = section
        self.network = network
        self.name = name
        self.spec = spec
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        title = QLabel(name)
        title.setProperty("role", "heading")
        title.setStyleSheet("font-weight: 600;")
        form.addRow(title)
        help_text = html.escape(spec.developer_app_help or f"Create a developer app on {name}.")
        if spec.developer_app_url:
            url = html.escape(spec.developer_app_url, quote=True)
            help_text += f' <a href="{url}">Open {html.escape(name)}\'s developer site</a>'
        self.help = QLabel(help_text)
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.help.setOpenExternalLinks(True)
        self.help.setProperty("role", "muted")
        form.addRow(self.help)

        self.redirect = QLineEdit(oauth.redirect_uri_to_register(spec))
        self.redirect.setReadOnly(True)
        self.redirect.setAccessibleName(f"{name} redirect URI")
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the redirect URI, to paste into the developer app's settings")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.redirect.text()))
        row = QHBoxLayout()
        row.addWidget(self.redirect, 1)
        row.addWidget(copy)
        form.addRow("Redirect URI", row)

        self.client_id = QLineEdit()
        self.client_id.setObjectName(f"client-id-{network}")
        self.client_id.setPlaceholderText("From the developer app's OAuth 2.0 settings")
        form.addRow("Client ID", self.client_id)
        self.client_secret = QLineEdit()
        self.client_secret.setObjectName(f"client-secret-{network}")
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        # Shown for every network: one that does not insist on a secret (X's "Native App") still
        # takes one for a confidential client (X's "Web App"), and the sign-in then sends it.
        self.optional_secret = "" if spec.client_secret_required else "Only if your developer app has one"
        self.client_secret.setPlaceholderText(self.optional_secret)
        form.addRow("Client secret" if spec.client_secret_required else "Client secret\n(optional)", self.client_secret)
        self.save = QPushButton("Save")
        self.save.clicked.connect(self._save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "muted")
        save_row = QHBoxLayout()
        save_row.addWidget(self.save)
        save_row.addWidget(self.status, 1)
        form.addRow("", save_row)

    def show_saved(self, saved: _Saved | None) -> None:
        self.client_id.setText(saved.client_id if saved else "")
        self.client_secret.clear()
        self.client_secret.setPlaceholderText(
            "Saved in your keyring (type a new one to replace it)"
            if saved and saved.has_secret
            else self.optional_secret
        )
        self.status.setText("Saved." if saved else "Not set up yet.")

    def _save(self) -> None:
        ctx, network = self.section.ctx, self.network
        client_id, secret = self.client_id.text().strip(), self.client_secret.text().strip()
        if not client_id:
            self.status.setText("Enter the client ID first.")
            return

        def save() -> _Saved:
            keep = secret or ((oauth.app_credentials(ctx, network) or oauth.AppCredentials("")).client_secret)
            oauth.save_app_credentials(ctx, network, oauth.AppCredentials(client_id, keep))
            return _Saved(client_id, bool(keep))

        self.save.setEnabled(False)
        self.section.runner.run(
            save,
            on_done=self._saved,
            on_error=self._failed,
            name="save_network_app",
            owner=self,
            changes=changes(settings=(f"oauth_app:{network}",), source=self.section),
        )

    def _saved(self, saved: _Saved) -> None:
        self.save.setEnabled(True)
        self.show_saved(saved)

    def _failed(self, exc: Exception) -> None:
        self.save.setEnabled(True)
        self.status.setText(f"Not saved. {explain(exc).sentence}")


class NetworkAppsSection(Card):
    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__("Network apps", parent)
        self.ctx = ctx
        self.runner = runner
        intro = QLabel(
            "Some networks only let you sign in through a developer app of your own. Create it on the "
            "network's developer site, register the redirect URI shown, and enter its details here. "
            "Secrets are kept in your system keyring only."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        self.form.addRow(intro)
        self.apps: dict[str, _NetworkApp] = {}
        for cls in ctx.registry:
            info = cls.info
            if info.oauth is None or not info.available or info.oauth.registers_client:
                continue
            app = _NetworkApp(self, info.id, info.name, info.oauth)
            self.apps[info.id] = app
            self.form.addRow(app)
        if not self.apps:
            none = QLabel("None of the networks you can connect needs a developer app of your own.")
            none.setWordWrap(True)
            self.form.addRow(none)

    def refresh(self) -> None:
        ctx, networks = self.ctx, list(self.apps)

        def load() -> dict[str, _Saved | None]:
            out: dict[str, _Saved | None] = {}
            for network in networks:
                creds = oauth.app_credentials(ctx, network)
                out[network] = _Saved(creds.client_id, bool(creds.client_secret)) if creds else None
            return out

        if networks:
            self.runner.run(load, on_done=self._show, name="load_network_apps", owner=self)

    def _show(self, saved: dict[str, _Saved | None]) -> None:
        for network, value in saved.items():
            if network in self.apps:
                self.apps[network].show_saved(value)
