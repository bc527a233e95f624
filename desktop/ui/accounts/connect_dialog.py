"""Connect an account: pick a network, fill in that provider's own connect form.

The form is built from the provider's declared ``connect_fields``, so a new network (built-in
or plugin) gets its dialog for free. Connecting runs off the GUI thread; on failure the dialog
stays open with everything typed, and the network's own message is shown.

Reconnecting opens the same dialog on the account's network with its non-secret fields
prefilled; ``connect_account`` then updates that account in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

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
from desktop.ui.icons import network_icon
from providers.base import ConnectField, ProviderError

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner


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
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.current().danger};")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

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
        self.error.hide()
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
        self._set_busy(True)
        self.runner.run(
            lambda: svc.connect_account(self.ctx, network, values),
            on_done=self._done,
            on_error=self._failed,
            name="connect_account",
        )

    def _set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText(f"{self._action}ing…" if busy else self._action)
        self.form_host.setEnabled(not busy)
        self.network.setEnabled(not busy and not self.reconnecting)

    def _done(self, row: svc.AccountRow) -> None:
        self._set_busy(False)
        self.connected.emit(row)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        self._validate()
        if isinstance(exc, ProviderError):
            text = exc.message
            if exc.network_message:
                text += f"\n{self.network.currentText()} said: {exc.network_message}"
        else:
            text = str(exc) or type(exc).__name__
        self.error.setText(f"Could not {self._action.lower()}. {text}")
        self.error.show()
