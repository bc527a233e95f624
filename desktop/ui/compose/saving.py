"""The composer's saving: autosave a draft, restore it, open a post to edit, schedule it.

Unsaved work is never lost: a new post or a draft is saved as a draft in the store a few
seconds after each change; edits to an already scheduled post are kept in QSettings until the
user schedules them, so they never go live unasked. When the page is hidden (or the app quits)
with a save still pending, the document is also written to QSettings at once (no DB wait),
and restored from there next time.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer

from desktop.services import compose
from desktop.services.compose import ComposeDoc, When
from desktop.services.posts import PostError, PostRejected
from desktop.services.transitions import Conflict

if TYPE_CHECKING:
    from desktop.ui.compose.composer import Composer

DRAFT_KEY = "compose/draft_id"
UNSAVED_KEY = "compose/unsaved"
TOAST_MS = 4000


class SaveOps:
    """Mixed into :class:`Composer`."""

    # --- autosave -----------------------------------------------------------------------------

    def autosave_now(self: Composer) -> None:
        self._autosave_timer.stop()
        if self.doc.is_empty() and self.doc.post_id is None:
            return
        if self.doc.status != "draft":
            QSettings().setValue(UNSAVED_KEY, json.dumps(self.doc.to_json()))
            return
        self._save_in_background(lambda _id: None)

    def _save_in_background(self: Composer, then: Any) -> None:
        if self._saving:  # one save at a time, so a new post is never created twice
            self._after_save.append(lambda: self._save_in_background(then))
            return
        self._saving = True
        doc = copy.deepcopy(self.doc)

        def done(post_id: int) -> None:
            self._saving = False
            if self.doc.post_id is None and doc.post_id is None:
                self.doc.post_id = post_id
            if self.doc.post_id == post_id:
                self.doc.versions = dict(doc.versions)  # what this save wrote: the next save builds on it
            settings = QSettings()
            settings.setValue(DRAFT_KEY, post_id)
            if not self._autosave_timer.isActive():
                settings.remove(UNSAVED_KEY)  # the store has the latest: no recovery copy needed
            self.draft_saved.emit(post_id)
            then(post_id)
            self._drain()

        def failed(exc: Exception) -> None:
            self._saving = False
            self.show_notice(f"The draft could not be saved: {exc}")
            self._drain()

        self.runner.run(lambda: compose.save_draft(self.ctx, doc), on_done=done, on_error=failed, name="autosave")

    def _drain(self: Composer) -> None:
        waiting, self._after_save = self._after_save, []
        for fn in waiting:
            fn()

    def flush_autosave(self: Composer) -> None:
        """Save now what a pending autosave would have saved (the page is being left): a
        recovery copy in QSettings at once, and the draft in the background."""
        if self._autosave_timer.isActive():
            settings = QSettings()
            settings.setValue(UNSAVED_KEY, json.dumps(self.doc.to_json()))
            settings.sync()
            self.autosave_now()

    def hideEvent(self: Composer, event: Any) -> None:
        self.flush_autosave()
        super().hideEvent(event)  # type: ignore[misc]

    def restore_unsaved(self: Composer) -> None:
        """Reopen what the user was writing when the composer was last left."""
        if not self.doc.is_empty() or self.doc.post_id is not None:
            return  # the user already opened something
        settings = QSettings()
        unsaved = settings.value(UNSAVED_KEY)
        if unsaved:
            try:
                self.set_doc(ComposeDoc.from_json(json.loads(str(unsaved))))
            except (ValueError, KeyError, TypeError):
                settings.remove(UNSAVED_KEY)
            else:
                if self.doc.status != "draft":
                    self.show_notice("Restored your unsaved changes to a scheduled post.")
                return
        draft_id = settings.value(DRAFT_KEY)
        if draft_id:
            self.open_post(int(draft_id), quiet=True)

    # --- opening ---------------------------------------------------------------------------------

    def open_post(self: Composer, post_id: int, *, quiet: bool = False) -> None:
        """Load a draft, scheduled or failed post to edit it."""
        self.flush_autosave()

        def done(doc: ComposeDoc) -> None:
            if quiet and (doc.status != "draft" or not self.doc.is_empty() or self.doc.post_id is not None):
                if doc.status != "draft":
                    QSettings().remove(DRAFT_KEY)
                return
            self.set_doc(doc)
            if doc.status != "draft":
                self.show_notice(f"Editing a {doc.status.replace('_', ' ')} post. Schedule it again to save changes.")

        def failed(exc: Exception) -> None:
            if quiet:
                QSettings().remove(DRAFT_KEY)
            else:
                self.show_notice(str(exc))

        self.runner.run(lambda: compose.load_post(self.ctx, post_id), on_done=done, on_error=failed, name="load_post")

    def new_post(self: Composer) -> None:
        """Start over with an empty post (same accounts selected)."""
        self._autosave_timer.stop()
        settings = QSettings()
        settings.remove(DRAFT_KEY)
        settings.remove(UNSAVED_KEY)
        self.media_model.warnings.clear()
        self.show_notice("")
        self.set_doc(ComposeDoc(account_ids=[a for a in self.doc.account_ids if a not in self.doc.locked]))

    # --- saving and scheduling ---------------------------------------------------------------------

    def save_draft(self: Composer) -> None:
        self._autosave_timer.stop()
        if self.doc.status != "draft":
            self.doc.status = "draft"  # the user chose: take it off the schedule
        self._save_in_background(lambda _id: self.show_toast("Draft saved"))

    def schedule_at_time(self: Composer) -> None:
        self.commit(When(at=self.bar.at()))

    def commit(self: Composer, when: When) -> None:
        """Schedule (or queue, or publish now) every variant; refused with the reason if invalid."""
        reason = self.reason()
        if reason:
            self.problems_label.setVisible(True)
            self.show_notice(f"Not scheduled yet — {self.refusal_hint()}")
            return
        if self._saving:
            self._after_save.append(lambda: self.commit(when))
            return
        self._autosave_timer.stop()
        self._saving = True
        doc = copy.deepcopy(self.doc)

        def done(post_id: int) -> None:
            self._saving = False
            what = "Publishing now" if when.now else "Added to the queue" if when.next_slot else "Scheduled"
            if when.at is not None:
                local = when.at.astimezone(self.bar._tz())
                what += f" for {local:%a %d %b, %H:%M}"
            n = len(doc.account_ids)
            self.show_toast(f"✓ {what} on {n} account{'s' if n != 1 else ''}")
            self.new_post()
            self.scheduled.emit(post_id)
            self._drain()

        def failed(exc: Exception) -> None:
            self._saving = False
            if isinstance(exc, PostRejected | PostError | Conflict):
                self.show_notice(f"Not scheduled — {exc}")
            else:
                self.show_notice(f"Something went wrong while scheduling: {exc}")
            self._drain()

        self.runner.run(lambda: compose.schedule(self.ctx, doc, when), on_done=done, on_error=failed, name="schedule")

    def refusal_hint(self: Composer) -> str:
        """One line on what to do about the problems listed under the editor."""
        n = sum(len(p) for p in self.problems.values()) or 1
        first = "fix the problem listed below" if n == 1 else f"fix the {n} problems listed below"
        too_long = [a for a, found in self.problems.items() if any(p.code == "too_long" for p in found)]
        if too_long and all(self.targets[a].threads for a in too_long):
            return f"{first}. Tip: “Split at limit” turns a long text into a thread."
        return f"{first}."

    def show_toast(self: Composer, text: str) -> None:
        self.toast.setText(text)
        self.toast.show()
        QTimer.singleShot(TOAST_MS, self.toast.hide)
