"""Background results that die with the widget that asked for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget


def owned(owner: QWidget, callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """``callback``, dropped if ``owner`` was destroyed before the task settled (a closed dialog)."""

    def deliver(value: Any) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return deliver
