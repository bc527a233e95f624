"""Errors as the user reads them: a sentence about what happened and what to do, with the
network's (or the system's) own words whole under "Details".

``explain(exc)`` turns any exception into an :class:`Explained`; ``show_error`` shows one in a
message box whose Details button reveals the full text. Internals (class names, errno, stack
traces) never appear in the sentence; they go to the log and to Details at most.
"""

from __future__ import annotations

import errno as errno_codes
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

UNEXPECTED = (
    "Something unexpected went wrong. Try again; if it keeps happening, Help ▸ Diagnostics has the details to send us."
)


@dataclass(frozen=True)
class Explained:
    sentence: str
    details: str = ""


def _own_words(exc: BaseException) -> bool:
    """Our services and providers raise errors whose text is already a sentence for the user."""
    module = type(exc).__module__ or ""
    return module.startswith(("desktop.services", "desktop.store", "providers"))


def explain(exc: BaseException) -> Explained:
    from providers.base import ProviderError

    if isinstance(exc, ProviderError):
        return Explained(exc.message, exc.network_message or "")
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a dependency
        httpx = None  # type: ignore[assignment]
    if httpx is not None:
        if isinstance(exc, httpx.TimeoutException):
            return Explained("The server took too long to answer. Check your connection and try again.", str(exc))
        if isinstance(exc, httpx.ConnectError | httpx.NetworkError):
            return Explained(
                "Campaign Desk couldn't reach the server. Check the address and your internet connection, "
                "then try again.",
                str(exc),
            )
        if isinstance(exc, httpx.HTTPError):
            return Explained("The request to the network failed. Try again in a moment.", str(exc))
    if (type(exc).__module__ or "").startswith("sqlalchemy"):
        if "locked" in str(exc).lower():
            return Explained(
                "The data file is busy (another Campaign Desk window or the background job is writing). "
                "Try again in a moment.",
                str(exc),
            )
        return Explained(
            "Campaign Desk couldn't read or save its data. Try again; if it keeps happening, "
            "Help ▸ Diagnostics has the details to send us.",
            str(exc),
        )
    if _own_words(exc) and str(exc):
        return Explained(str(exc))
    if isinstance(exc, PermissionError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else " the file"
        return Explained(f"Campaign Desk isn't allowed to use{where}. Check its permissions.", str(exc))
    if isinstance(exc, FileNotFoundError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else " the file"
        return Explained(f"Campaign Desk couldn't find{where}. It may have been moved or deleted.", str(exc))
    if isinstance(exc, OSError) and exc.errno == errno_codes.ENOSPC:
        return Explained("The disk is full. Free some space and try again.", str(exc))
    if isinstance(exc, ConnectionError):
        return Explained(
            "Campaign Desk couldn't reach the server. Check your internet connection, then try again.", str(exc)
        )
    return Explained(UNEXPECTED, f"{type(exc).__name__}: {exc}")


def show_error(
    parent: QWidget | None, title: str, error: BaseException | Explained, *, modal: bool = False
) -> QMessageBox:
    """A warning box with the sentence, and the whole message under Details when there is one."""
    explained = error if isinstance(error, Explained) else explain(error)
    box = QMessageBox(QMessageBox.Icon.Warning, title, explained.sentence, QMessageBox.StandardButton.Ok, parent)
    if explained.details and explained.details != explained.sentence:
        box.setDetailedText(explained.details)
    box.setObjectName("ErrorBox")
    if modal:
        box.exec()
    else:
        box.open()
    return box
