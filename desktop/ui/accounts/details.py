"""The selected account's card under the Accounts table: where it lives, its limits, its metrics."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.services.account_details import AccountDetails
from desktop.services.accounts import AccountRow
from desktop.ui import theme

PLACEHOLDER = "Select an account to see its server, its limits and the metrics it can provide."


def describe_metrics(names: Sequence[str]) -> str:
    """("likes", "reposts") -> "Likes, reposts"."""
    text = ", ".join(n.replace("_", " ") for n in names)
    return text[:1].upper() + text[1:]


def describe_limits(details: AccountDetails) -> str:
    lim = details.limits
    parts = [f"{lim.max_chars:,} characters"]
    parts.append(f"{lim.max_media} media" if lim.max_media else "no media")
    if lim.max_parts > 1:
        parts.append(f"threads up to {lim.max_parts}")
    return " · ".join(parts)


class WrappingLabel(QLabel):
    """A word-wrapped label that asks for the height its lines need at its width (a form inside
    nested layouts otherwise keeps it one line high and cuts the rest off)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def _fit(self) -> None:
        needed = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)


def _value() -> QLabel:
    label = WrappingLabel()
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)  # a narrow window wraps "500 characters · 4 media · threads up to 25"
    return label


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(6)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)  # values take the width
    return form


class AccountDetailsPanel(QFrame):
    """Shows one account; ``action_row`` is a row the page fills with that account's buttons
    (shown only while an account is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        # Bold card title; the rest of the look comes from the theme's card role.
        self.setStyleSheet('QLabel[role="card-title"] { font-weight: 600; }')
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 14)
        outer.setSpacing(10)

        self.title = QLabel(PLACEHOLDER)
        self.title.setWordWrap(True)
        outer.addWidget(self.title)

        self.content = QWidget()
        columns = QHBoxLayout(self.content)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(28)
        left, right = _form(), _form()
        # the handle is the card's title; the facts get the width so they read on one line
        self.server, self.name = _value(), _value()
        left.addRow("Server", self.server)
        left.addRow("Name", self.name)
        self.limits, self.post_metrics, self.account_metrics = _value(), _value(), _value()
        right.addRow("Limits", self.limits)
        right.addRow("Post metrics", self.post_metrics)
        right.addRow("Account metrics", self.account_metrics)
        self._right = right
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        outer.addWidget(self.content)

        self.note = _value()
        self.note.setWordWrap(True)
        outer.addWidget(self.note)
        self._retint(theme.current())
        theme.notifier().changed.connect(self._retint)

        # Below the facts, so a narrow window never squeezes the title or the values.
        self.actions_host = QWidget()
        self.action_row = QHBoxLayout(self.actions_host)
        self.action_row.setContentsMargins(0, 4, 0, 0)
        self.action_row.setSpacing(8)
        outer.addWidget(self.actions_host)
        self.clear()

    def clear(self) -> None:
        """Nothing selected."""
        self.shown_id: int | None = None
        self.title.setText(PLACEHOLDER)
        self.title.setProperty("role", "muted")
        self._restyle(self.title)
        self.content.hide()
        self.note.hide()
        self.actions_host.hide()

    def show_row(self, row: AccountRow) -> None:
        """What the table already knows, at once; limits and metrics follow from ``show_details``."""
        self.shown_id = row.id
        self.title.setText(f"{row.handle}  ·  {row.network_name}")
        self.title.setProperty("role", "card-title")
        self._restyle(self.title)
        self.server.setText(row.server_url or "—")
        self.name.setText(row.display_name or "—")
        for label in (self.limits, self.post_metrics, self.account_metrics):
            label.setText("…")
        self.note.hide()
        self.content.show()
        self.actions_host.show()

    def show_details(self, details: AccountDetails) -> None:
        self.show_row(details.account)
        self.limits.setText(describe_limits(details))
        caps = details.capabilities
        self.post_metrics.setText(describe_metrics(caps.post_metrics) or "None")
        self.account_metrics.setText(describe_metrics(caps.account_metrics) or "None")
        # Why it needs reconnecting (the network's words) comes before what that means for metrics.
        problem = details.account.status_detail if details.account.status != "connected" else ""
        note = "\n".join(t for t in (problem, caps.note) if t)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _retint(self, colors: theme.Colors) -> None:
        self.note.setStyleSheet(f"color: {colors.warning_text};")

    @staticmethod
    def _restyle(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
