"""What the composer keeps outside the store so nothing typed is lost when the app closes:
the last new post autosave stored (to reopen the composer on it) and a recovery copy of edits
not yet saved. UI state, so QSettings (readable before the database opens)."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

from desktop.services.compose import ComposeDoc

DRAFT_KEY = "compose/draft_id"
UNSAVED_KEY = "compose/unsaved"


def keep_copy(doc: ComposeDoc) -> None:
    """Write ``doc`` as the recovery copy, at once (no database wait)."""
    settings = QSettings()
    settings.setValue(UNSAVED_KEY, json.dumps(doc.to_json()))
    settings.sync()


def read_copy() -> ComposeDoc | None:
    """The recovery copy, if there is a readable one (an unreadable one is dropped)."""
    settings = QSettings()
    unsaved = settings.value(UNSAVED_KEY)
    if not unsaved:
        return None
    try:
        return ComposeDoc.from_json(json.loads(str(unsaved)))
    except (ValueError, KeyError, TypeError):
        settings.remove(UNSAVED_KEY)
        return None


def forget_copy() -> None:
    QSettings().remove(UNSAVED_KEY)


def remember_draft(post_id: int) -> None:
    QSettings().setValue(DRAFT_KEY, post_id)


def remembered_draft() -> int | None:
    value = QSettings().value(DRAFT_KEY)
    try:
        return int(str(value)) if value else None
    except ValueError:
        return None


def forget_draft() -> None:
    QSettings().remove(DRAFT_KEY)
