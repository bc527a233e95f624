"""Connect an account: pick a network, fill in that provider's own connect form.

The form is built from the provider's declared ``connect_fields``, so a new network (built-in
or plugin) gets its dialog for free. Connecting runs off the GUI thread; on failure the dialog
stays open with everything typed, and says what happened in a sentence, the network's own
message whole under "Details…". Cancel while connecting stops the work before it stores anything
(the task's token is checked between the network's answer and the save).

Reconnecting opens the same dialog on the account's network with its non-secret fields
prefilled; ``connect_account`` then updates that account in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.services import accounts as svc
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, changes
from desktop.ui.errors import Explained, explain, show_error
from desktop.ui.icons import network_icon
from desktop.ui.widgets.details_row import details_row
from providers.base import ConnectField, ProviderError, Transient

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import CancelToken, Task, TaskRunner


def _server_host(values: Mapping[str, str]) -> str:
    """The host of the first address typed in the form ("mastodon.example"), or ""."""
    for value in values.values():
        if value.startswith(("http://", "https://")):
            return urlsplit(value).netloc
    return ""


def connect_error(exc: Exception, network_name: str, values: Mapping[str, str], action: str) -> Explained:
    """What went wrong while connecting, as a sentence; the network's (or system's) words as details."""
    if isinstance(exc, Transient) and exc.message.startswith("Could not reach"):
        where = _server_host(values) or network_name
        return Explained(
            f"Campaign Desk couldn't reach {where}. Check the address and your internet connection, then try again.",
            exc.network_message or "",
        )
    if isinstance(exc, ProviderError):
        return Explained(f"Could not {action}. {exc.message}", exc.network_message or "")
    explained = explain(exc)
    return Explained(f"Could not {action}. {explained.sentence}", explained.details)


class ConnectDialog(QDialog):
    connected = Signal(object)  # AccountRow

    def __init__(
        self,
        ctx: AppContext,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        network: str | None = None,
        prefill: Mapping[str, str] | None = None,
    ) -> None:
        """``network`` and ``prefill`` reconnect an account: its network is fixed and its
        non-secret fields filled in (secret fields are never prefilled)."""
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.reconnecting = network is not None and prefill is not None
        self._action = "Reconnect" if self.reconnecting else "Connect"
        self._prefill = dict(prefill or {})
        self.setWindowTitle("Reconnect an account" if self.reconnecting else "Connect an account")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(12)

        intro = QLabel(
            "Sign in again to resume this account's posts. Credentials are stored only in your system keyring."
            if self.reconnecting
            else "Choose a network, then sign in. Credentials are stored only in your system keyring."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)

        self.network = QComboBox()
        for cls in ctx.registry:
            self.network.addItem(network_icon(cls.info.id), cls.info.name, cls.info.id)
        top = QFormLayout()
        top.addRow("Network", self.network)
        layout.addLayout(top)

        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addWidget(self.form_host)
        self.inputs: dict[str, QLineEdit] = {}
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setProperty("role", "muted")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.hint)

        self.error = QLabel()
        self.error.setObjectName("connect-error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_row, self.details_button = details_row(
            self.error, self.show_details, "The network's own message, whole"
        )
        self.error_row.hide()
        layout.addWidget(self.error_row)
        self.explained: Explained | None = None
        self.task: Task | None = None
        self._restyle()
        theme.notifier().changed.connect(self._restyle)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(self._action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setProperty("primary", True)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        if network is not None:
            self.select_network(network)
        self.network.setEnabled(not self.reconnecting)
        self.network.currentIndexChanged.connect(self._build_form)
        self._build_form()

    def select_network(self, network: str) -> None:
        i = self.network.findData(network)
        if i >= 0:
            self.network.setCurrentIndex(i)

    def _fields(self) -> tuple[ConnectField, ...]:
        network = self.network.currentData()
        return self.ctx.registry.cls(network).info.connect_fields if network else ()

    def _build_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs.clear()
        hints = []
        for f in self._fields():
            edit = QLineEdit()
            edit.setObjectName(f"field-{f.name}")
            edit.setPlaceholderText(f.placeholder or (f.default or ""))
            if f.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            if f.help:
                edit.setToolTip(f.help)
                if f.secret or f.required:
                    hints.append(f"{f.label}: {f.help}")
            if not f.secret and self._prefill.get(f.name):
                edit.setText(self._prefill[f.name])
            edit.textChanged.connect(self._validate)
            label = f.label if f.required else f"{f.label} (optional)"
            self.form.addRow(label, edit)
            self.inputs[f.name] = edit
        self.hint.setText("\n".join(hints))
        self.hint.setVisible(bool(hints))
        self.error_row.hide()
        self._validate()
        first_empty = next((e for e in self.inputs.values() if not e.text()), None)
        if first_empty is not None:
            first_empty.setFocus()

    def _values(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.inputs.items() if edit.text().strip()}

    def _validate(self) -> None:
        values = self._values()
        ok = all(f.name in values for f in self._fields() if f.required and f.default is None)
        self.connect_button.setEnabled(ok)

    def _submit(self) -> None:
        network = self.network.currentData()
        values = self._values()
        ctx = self.ctx
        self._set_busy(True)
        self.error_row.hide()

        def connect(token: CancelToken) -> svc.AccountRow:
            return svc.connect_account(ctx, network, values, check=token.check)

        self.task = self.runner.run(
            connect,
            on_done=self._done,
            on_error=lambda exc: self._failed(exc, values),
            name="connect_account",
            owner=self,
            changes=changes(ACCOUNTS),
            token=True,
        )

    def reject(self) -> None:
        """Cancel: a connect in flight stops before it stores the account or its credentials."""
        if self.task is not None and not self.task.done:
            self.task.cancel()
        self.task = None
        super().reject()

    def _set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText(f"{self._action}ing…" if busy else self._action)
        self.form_host.setEnabled(not busy)
        self.network.setEnabled(not busy and not self.reconnecting)

    def _done(self, row: svc.AccountRow) -> None:
        self.task = None
        self._set_busy(False)
        self.connected.emit(row)
        self.accept()

    def _failed(self, exc: Exception, values: Mapping[str, str]) -> None:
        self.task = None
        self._set_busy(False)
        self._validate()
        self.explained = connect_error(exc, self.network.currentText(), values, self._action.lower())
        self.error.setText(self.explained.sentence)
        self.details_button.setVisible(bool(self.explained.details))
        self.error_row.show()

    def show_details(self) -> None:
        """The error in a box whose Details show the network's message whole."""
        if self.explained is not None:
            show_error(self, f"{self._action} an account", self.explained)

    def _restyle(self, *_args: object) -> None:
        self.error.setStyleSheet(f"color: {theme.current().danger};")
