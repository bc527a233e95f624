"""Connect an account: pick a network, sign in through the browser or fill in its connect form.

Networks with browser sign-in (``ProviderInfo.oauth``) show "Sign in with <Network>": the
browser opens, the dialog says it is waiting (with Cancel), and the account is stored when the
user is back (a picker first when the sign-in gives access to several accounts). Their token
form stays as "Advanced: paste an access token instead". A network that needs the user's own
developer app and has none entered says so, with a button to Settings › Network apps. Networks
not yet available are not offered.

A pasted token that can post as several accounts (the Pages a Facebook user manages) lists them in
the same picker; only the accounts left ticked are stored, and Cancel stores nothing.

The form is built from the provider's declared ``connect_fields``, so a new network (built-in
or plugin) gets its dialog for free. Connecting runs off the GUI thread; on failure the dialog
stays open with everything typed, and says what happened in a sentence, the network's own
message whole under "Details…". Cancel while connecting stops the work before it stores anything
(the task's token is checked between the network's answer and the save).

Reconnecting opens the same dialog on the account's network with its non-secret fields
prefilled; ``connect_account`` then updates that account in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import accounts as svc
from desktop.services import oauth
from desktop.ui import theme
from desktop.ui.changes import ACCOUNTS, changes
from desktop.ui.errors import Explained, explain, show_error
from desktop.ui.icons import network_icon
from desktop.ui.widgets.details_row import details_row
from providers.base import ConnectedAccount, ConnectField, OAuthSpec, ProviderError, Transient

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
    if isinstance(exc, oauth.SignInError):
        return Explained(exc.message, exc.network_message)
    if isinstance(exc, ProviderError):
        return Explained(f"Could not {action}. {exc.message}", exc.network_message or "")
    explained = explain(exc)
    return Explained(f"Could not {action}. {explained.sentence}", explained.details)


class _BrowserOpener(QObject):
    """Opens a URL in the system browser on the GUI thread, whichever thread asks."""

    requested = Signal(str)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.requested.connect(self.open_url)

    @Slot(str)
    def open_url(self, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))


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
        open_browser: Callable[[str], object] | None = None,
    ) -> None:
        """``network`` and ``prefill`` reconnect an account: its network is fixed and its
        non-secret fields filled in (secret fields are never prefilled). ``open_browser`` replaces
        the system browser (tests); it may be called from a worker thread."""
        super().__init__(parent)
        self._opener = _BrowserOpener(self)
        self._open_browser: Callable[[str], object] = open_browser or self._opener.requested.emit
        self.signed_in: oauth.SignIn | None = None
        self.ctx = ctx
        self.runner = runner
        self.reconnecting = network is not None and prefill is not None
        self._action = "Reconnect" if self.reconnecting else "Connect"
        self._prefill = dict(prefill or {})
        self.setWindowTitle("Reconnect an account" if self.reconnecting else "Connect an account")
        self.setMinimumWidth(540)  # one width for every network: the longest form labels leave its fields room
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 18)
        layout.setSpacing(12)

        intro = QLabel(
            "Connect this account again to resume its posts. Credentials are stored only in your system keyring."
            if self.reconnecting
            else "Choose a network, then sign in or paste what it asks for. Credentials are stored only in your "
            "system keyring."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "muted")
        layout.addWidget(intro)

        self.network = QComboBox()
        for cls in ctx.registry:
            if cls.info.available or cls.info.id == network:
                self.network.addItem(network_icon(cls.info.id), cls.info.name, cls.info.id)
        top = QFormLayout()
        top.addRow("Network", self.network)
        layout.addLayout(top)

        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addWidget(self.form_host)

        # the accounts a sign-in or a pasted token can post as, when there are several
        self.picker_host = QWidget()
        picker_box = QVBoxLayout(self.picker_host)
        picker_box.setContentsMargins(0, 0, 0, 0)
        picker_box.setSpacing(8)
        self.picker_label = QLabel()
        self.picker_label.setWordWrap(True)
        self.picker = QListWidget()
        self.picker.setObjectName("account-picker")
        self.picker.itemChanged.connect(lambda _item: self._validate_picker())
        picker_box.addWidget(self.picker_label)
        picker_box.addWidget(self.picker)
        self.picker_host.hide()
        layout.addWidget(self.picker_host)
        self.choices: tuple[ConnectedAccount, ...] = ()

        # browser sign-in: the button, the waiting line, the missing-app line
        self.sign_in_host = QWidget()
        sign_in = QVBoxLayout(self.sign_in_host)
        sign_in.setContentsMargins(0, 0, 0, 0)
        sign_in.setSpacing(8)
        self.sign_in_button = QPushButton()
        self.sign_in_button.setObjectName("sign-in")
        self.sign_in_button.setProperty("primary", True)
        self.sign_in_button.clicked.connect(self._sign_in)
        self.sign_in_note = QLabel()
        self.sign_in_note.setWordWrap(True)
        self.sign_in_note.setProperty("role", "muted")
        sign_in.addWidget(self.sign_in_button, 0, Qt.AlignmentFlag.AlignLeft)
        sign_in.addWidget(self.sign_in_note)
        self.waiting_row = QWidget()
        waiting = QHBoxLayout(self.waiting_row)
        waiting.setContentsMargins(0, 0, 0, 0)
        self.waiting = QLabel("Waiting for you to finish in the browser…")
        self.waiting.setWordWrap(True)
        self.cancel_sign_in = QPushButton("Cancel sign-in")
        self.cancel_sign_in.clicked.connect(self._cancel_sign_in)
        waiting.addWidget(self.waiting, 1)
        waiting.addWidget(self.cancel_sign_in)
        self.waiting_row.hide()
        sign_in.addWidget(self.waiting_row)
        self.missing_row = QWidget()
        missing = QVBoxLayout(self.missing_row)
        missing.setContentsMargins(0, 0, 0, 0)
        missing.setSpacing(8)
        self.missing = QLabel()
        self.missing.setWordWrap(True)
        self.open_network_apps = QPushButton("Open Network apps")
        self.open_network_apps.setToolTip("Settings › Network apps: enter your developer app's details")
        self.open_network_apps.clicked.connect(self._go_to_network_apps)
        missing.addWidget(self.missing)
        missing.addWidget(self.open_network_apps, 0, Qt.AlignmentFlag.AlignLeft)
        self.missing_row.hide()
        sign_in.addWidget(self.missing_row)
        layout.addWidget(self.sign_in_host)
        self.advanced = QCheckBox()
        self.advanced.setObjectName("advanced-token")
        self.advanced.toggled.connect(self._show_mode)
        layout.addWidget(self.advanced)
        self.secret_host = QWidget()
        self.secret_form = QFormLayout(self.secret_host)
        self.secret_form.setContentsMargins(0, 0, 0, 0)
        self.secret_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addWidget(self.secret_host)

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
        layout.addStretch(1)  # a dialog made taller keeps its rows together, the buttons at the bottom
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

    def _spec(self) -> OAuthSpec | None:
        network = self.network.currentData()
        return self.ctx.registry.cls(network).info.oauth if network else None

    def _build_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        while self.secret_form.rowCount():
            self.secret_form.removeRow(0)
        self.inputs.clear()
        self.signed_in = None
        spec = self._spec()
        name = self.network.currentText()
        self.sign_in_button.setText(f"Sign in with {name}")
        self.sign_in_note.setText(
            f"Opens {name} in your browser. Sign in there and allow Campaign Desk to post; "
            "the app never sees your password."
        )
        secret_labels = [f.label.lower() for f in self._fields() if f.secret]
        self.advanced.setText(f"Advanced: paste {' and '.join(secret_labels) or 'credentials'} instead")
        self.advanced.blockSignals(True)
        self.advanced.setChecked(False)
        self.advanced.blockSignals(False)
        self._clear_picker()
        self.missing_row.hide()
        self.sign_in_button.show()
        self.sign_in_note.show()
        if spec is not None and not spec.registers_client:
            self._check_app_credentials()
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
            edit.textChanged.connect(self._inputs_changed)
            label = f.label if f.required else f"{f.label} (optional)"
            if f.secret and spec is not None:
                self.secret_form.addRow(label, edit)
                # a pasted token means the token form, whatever the toggle says
                edit.textChanged.connect(lambda text: self.advanced.setChecked(True) if text else None)
            else:
                self.form.addRow(label, edit)
            self.inputs[f.name] = edit
        self.hint.setText("\n".join(hints))
        self.error_row.hide()
        self._show_mode()
        first_empty = next((e for e in self.inputs.values() if not e.text()), None)
        if first_empty is not None:
            first_empty.setFocus()

    def _values(self) -> dict[str, str]:
        return {name: edit.text().strip() for name, edit in self.inputs.items() if edit.text().strip()}

    def _token_mode(self) -> bool:
        return self._spec() is None or self.advanced.isChecked()

    def _show_mode(self, *_args: object) -> None:
        """Browser sign-in, or the token form (networks without sign-in, or Advanced)."""
        spec = self._spec()
        token = self._token_mode()
        self.sign_in_host.setVisible(not token)
        self.advanced.setVisible(spec is not None and any(f.secret for f in self._fields()))
        self.secret_host.setVisible(token and spec is not None)
        self.hint.setVisible(token and bool(self.hint.text()))
        self.connect_button.setVisible(token)
        self.form_host.setVisible(bool(self.form.rowCount()))
        self._validate()

    def _server_value(self) -> str:
        """What the user typed in the first non-secret field (the server, for Mastodon)."""
        values = self._values()
        return next((values[f.name] for f in self._fields() if not f.secret and f.name in values), "")

    def _inputs_changed(self, *_args: object) -> None:
        if self.choices and self.signed_in is None:  # a new token: the Pages listed were another's
            self._clear_picker()
        self._validate()

    def _validate(self) -> None:
        values = self._values()
        ok = all(f.name in values for f in self._fields() if f.required and f.default is None)
        if self.choices and self.signed_in is None:
            ok = ok and bool(self.chosen_accounts())
        self.connect_button.setEnabled(ok)
        spec = self._spec()
        can_sign_in = spec is not None and self.missing_row.isHidden()
        if spec is not None and oauth.needs_server(spec):
            can_sign_in = can_sign_in and bool(self._server_value())
        self.sign_in_button.setEnabled(can_sign_in and self.task is None)

    # --- browser sign-in -----------------------------------------------------------------------

    def _check_app_credentials(self) -> None:
        network, ctx = self.network.currentData(), self.ctx
        self.runner.run(
            lambda: oauth.app_credentials(ctx, network) is not None,
            on_done=lambda present: self._show_app_credentials(network, present),
            on_error=lambda _exc: None,  # the sign-in itself will say what is wrong
            name="app_credentials",
            owner=self,
        )

    def _show_app_credentials(self, network: str, present: bool) -> None:
        if network != self.network.currentData():
            return
        name = self.network.currentText()
        self.missing.setText(
            f"Signing in to {name} needs your own {name} developer app. Enter its details in "
            "Settings › Network apps, then come back here."
        )
        self.missing_row.setVisible(not present)
        self.sign_in_button.setVisible(present)  # nothing to press until the app is entered
        self.sign_in_note.setVisible(present)
        self._validate()
        self.adjustSize()

    def _go_to_network_apps(self) -> None:
        parent = self.parentWidget()
        window = parent.window() if parent is not None else None
        show_page = getattr(window, "show_page", None)
        if callable(show_page):
            show_page("settings")
            reveal = getattr(getattr(window, "current_page", lambda: None)(), "reveal_network_app", None)
            if callable(reveal):
                reveal(self.network.currentData())
        self.reject()

    def _sign_in(self) -> None:
        if self.signed_in is not None:  # the picker is showing: connect the chosen accounts
            self._save_chosen()
            return
        network, ctx, server = self.network.currentData(), self.ctx, self._server_value()
        open_browser = self._open_browser

        def work(token: CancelToken) -> object:
            result = oauth.sign_in(ctx, network, server_url=server, open_browser=open_browser, cancel=token)
            token.check()
            if len(result.accounts) == 1:
                return [svc.save_connected(ctx, network, result.accounts[0])]
            return result

        self.error_row.hide()
        self._set_waiting(True)
        self.task = self.runner.run(
            work,
            on_done=self._signed_in,
            on_error=lambda exc: self._failed(exc, {"server": server}),
            name="sign_in",
            owner=self,
            changes=changes(ACCOUNTS),
            token=True,
        )

    def _set_waiting(self, waiting: bool) -> None:
        self.waiting_row.setVisible(waiting)
        self.sign_in_button.setVisible(not waiting)
        self.sign_in_note.setVisible(not waiting)
        self.form_host.setEnabled(not waiting)
        self.advanced.setEnabled(not waiting)
        self.network.setEnabled(not waiting and not self.reconnecting)
        self._fit()

    def _fit(self) -> None:
        """Grow to what is shown now (an error, the picker), so nothing is squeezed."""
        for layout in (self.sign_in_host.layout(), self.layout()):
            if layout is not None:
                layout.activate()
        if self.isVisible():
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _cancel_sign_in(self) -> None:
        """Stop waiting for the browser; the dialog stays open to try again."""
        if self.task is not None:
            self.task.cancel()
        self.task = None
        self._set_waiting(False)
        self._validate()

    def _signed_in(self, result: object) -> None:
        self.task = None
        self._set_waiting(False)
        if isinstance(result, oauth.SignIn):
            self.signed_in = result
            self._show_picker(result.accounts, "This sign-in can post as several accounts. Choose the ones to connect:")
            return
        rows: list[svc.AccountRow] = list(result)  # type: ignore[call-overload]
        for row in rows:
            self.connected.emit(row)
        self.accept()

    def _show_picker(self, accounts: tuple[ConnectedAccount, ...], label: str) -> None:
        """The accounts to choose from, all ticked; the sign-in button (after a sign-in) or Connect
        (after a pasted token) then connects the ticked ones."""
        self.choices = tuple(accounts)
        self.picker.clear()
        for i, account in enumerate(self.choices):
            item = QListWidgetItem(f"{account.display_name}  ({account.handle})")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.picker.addItem(item)
        self.picker_label.setText(label)
        # as tall as its rows (a scroll bar past eight), not a big empty box under two Pages
        rows = min(len(self.choices), 8)
        row_height = self.picker.sizeHintForRow(0) if self.choices else 0
        self.picker.setMaximumHeight(row_height * rows + 2 * self.picker.frameWidth() + 8)
        self.picker_host.show()
        if self.signed_in is not None:
            self.sign_in_note.hide()
            self.sign_in_button.setText("Connect the chosen accounts")
        else:
            self.connect_button.setText(self._idle_text())
        self._validate_picker()
        self._fit()

    def _clear_picker(self) -> None:
        self.choices = ()
        self.picker.clear()
        self.picker_host.hide()
        self.connect_button.setText(self._idle_text())

    def _idle_text(self) -> str:
        return "Connect the chosen accounts" if self.choices and self.signed_in is None else self._action

    def chosen_accounts(self) -> list[ConnectedAccount]:
        return [
            self.choices[int(self.picker.item(i).data(Qt.ItemDataRole.UserRole))]
            for i in range(self.picker.count())
            if self.picker.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _validate_picker(self) -> None:
        if self.signed_in is not None:
            self.sign_in_button.setEnabled(bool(self.chosen_accounts()))
        else:
            self._validate()

    def _save_chosen(self) -> None:
        network, ctx, chosen = self.network.currentData(), self.ctx, self.chosen_accounts()
        self.sign_in_button.setEnabled(False)
        if self.signed_in is None:
            self._set_busy(True)
        self.task = self.runner.run(
            lambda: [svc.save_connected(ctx, network, account) for account in chosen],
            on_done=self._signed_in,
            on_error=lambda exc: self._failed(exc, {}),
            name="save_accounts",
            owner=self,
            changes=changes(ACCOUNTS),
        )

    def _submit(self) -> None:
        if self.choices and self.signed_in is None:  # the token's accounts are listed: store the ticked ones
            self.error_row.hide()
            self._save_chosen()
            return
        network = self.network.currentData()
        values = self._values()
        ctx = self.ctx
        self._set_busy(True)
        self.error_row.hide()

        def connect(token: CancelToken) -> svc.AccountRow | svc.AccountChoice:
            return svc.connect_or_choose(ctx, network, values, check=token.check)

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
        self.connect_button.setText(f"{self._action}ing…" if busy else self._idle_text())
        self.picker.setEnabled(not busy)
        self.form_host.setEnabled(not busy)
        self.network.setEnabled(not busy and not self.reconnecting)

    def _done(self, result: svc.AccountRow | svc.AccountChoice) -> None:
        self.task = None
        if isinstance(result, svc.AccountChoice):
            name = self.network.currentText()
            self._show_picker(
                result.accounts,
                f"This token can post as {len(result.accounts)} {name}. Choose the ones to connect:",
            )
            self._set_busy(False)
            self._validate()
            return
        self._set_busy(False)
        self.connected.emit(result)
        self.accept()

    def _failed(self, exc: Exception, values: Mapping[str, str]) -> None:
        self.task = None
        self._set_busy(False)
        self._set_waiting(False)
        if isinstance(exc, oauth.AppCredentialsMissing):
            self._show_app_credentials(self.network.currentData(), False)
        self._validate()
        self.explained = connect_error(exc, self.network.currentText(), values, self._action.lower())
        self.error.setText(self.explained.sentence)
        self.details_button.setVisible(bool(self.explained.details))
        self.error_row.show()
        self._fit()

    def show_details(self) -> None:
        """The error in a box whose Details show the network's message whole."""
        if self.explained is not None:
            show_error(self, f"{self._action} an account", self.explained)

    def _restyle(self, *_args: object) -> None:
        self.error.setStyleSheet(f"color: {theme.current().danger};")
