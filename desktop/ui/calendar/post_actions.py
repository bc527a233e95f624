"""What the calendar does to one post from its chip's (or its list row's) menu: open it,
reschedule it, duplicate it, make it recurring, delete it (or a series from it on), each off the
GUI thread and reported to the page's status line."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint
from PySide6.QtWidgets import QMenu, QMessageBox

from desktop.services.calendar_rows import CalendarItem, excerpt
from desktop.ui.calendar.dialogs import RecurringDialog, RescheduleDialog
from desktop.ui.changes import POSTS, changes
from desktop.ui.errors import explain

if TYPE_CHECKING:
    from desktop.services import recurrence
    from desktop.ui.pages.calendar import CalendarPage


class PostActions(QObject):
    """The chip menu and its operations, for ``page`` (its data, model, undo stack and status
    line; what needs the data says so until the data is open)."""

    def __init__(self, page: CalendarPage) -> None:
        super().__init__(page)
        self.page = page
        #: The last "Delete post" question asked (window-modal, not blocking), for tests.
        self.confirm_box: QMessageBox | None = None

    def menu(self, item: CalendarItem) -> QMenu:
        page = self.page
        menu = QMenu(page)
        menu.addAction("Open in composer", lambda: page.open_post.emit(item.post_id))
        reschedule = menu.addAction("Reschedule…", lambda: self.reschedule_dialog(item))
        reschedule.setEnabled(item.movable)
        if not item.movable:
            reschedule.setToolTip(item.why_fixed)
        menu.addSeparator()
        menu.addAction("Duplicate", lambda: self.duplicate(item))
        menu.addAction("Make recurring…", lambda: self.recurring_dialog(item))
        menu.addSeparator()
        menu.addAction("Delete…", lambda: self.confirm_delete(item))
        if item.series_id:
            menu.addAction("Delete this and following…", lambda: self.confirm_delete(item, series=True))
        menu.setToolTipsVisible(True)
        return menu

    def show_menu(self, item: CalendarItem, pos: QPoint) -> None:
        self.menu(item).popup(pos)

    def reschedule_dialog(self, item: CalendarItem) -> RescheduleDialog:
        dialog = RescheduleDialog(item, self.page.model.zone, self.page)
        dialog.accepted.connect(lambda: self.page.request_move(item.variant_id, dialog.value()))
        dialog.open()
        return dialog

    def recurring_dialog(self, item: CalendarItem) -> RecurringDialog:
        dialog = RecurringDialog(item, self.page.model.zone, self.page)
        dialog.accepted.connect(lambda: self.make_recurring(item, *dialog.values()))
        dialog.open()
        return dialog

    def _after_change(self, message: str, *, deleted: bool = False) -> None:
        if deleted:
            self.page.undo_stack.clear()  # earlier moves may refer to posts that are gone
        self.page.show_status(message)
        self.page.model.reload()

    def _failed(self, exc: Exception) -> None:
        self.page.show_status(explain(exc).sentence)

    def duplicate(self, item: CalendarItem) -> None:
        page = self.page
        if not page.data_open():
            return
        from desktop.services import recurrence

        page.runner.run(
            lambda: recurrence.duplicate_post(page.ctx, item.post_id),
            on_done=lambda _id: self._after_change("Duplicated as a draft next to the original."),
            on_error=self._failed,
            owner=page,
            changes=changes(POSTS, source=page),
            name="duplicate_post",
        )

    def make_recurring(self, item: CalendarItem, every: int, unit: str, until: date) -> None:
        page = self.page
        if not page.data_open():
            return
        from desktop.services import recurrence

        page.runner.run(
            lambda: recurrence.make_recurring(page.ctx, item.post_id, every, unit, until),  # type: ignore[arg-type]
            on_done=lambda ids: self._after_change(f"Added {len(ids)} repeat(s) until {until:%d %b %Y}."),
            on_error=self._failed,
            owner=page,
            changes=changes(POSTS, source=page),
            name="make_recurring",
        )

    def confirm_delete(self, item: CalendarItem, *, series: bool = False) -> QMessageBox:
        """Ask first (window-modal, not blocking); deleting happens on Delete."""
        what = "this post and every later repeat of it" if series else "this post (on every account it targets)"
        if item.status == "published":
            note = "\n\nIt stays on the network: it is only removed here."
        elif item.state == "partially_live":
            note = "\n\nPart of this thread is already public; it stays on the network: it is only removed here."
        elif item.state == "outcome_unknown":
            note = "\n\nIt may already be on the network (sending was interrupted); check there."
        else:
            note = ""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete post",
            f"Delete {what}?\n\n“{excerpt(item.text, 160)}”\n{self.page.drafts.when_words(item.when)}{note}",
            QMessageBox.StandardButton.Cancel,
            self.page,
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self.delete(item, series=series) if button is delete else None)
        box.open()
        self.confirm_box = box
        return box

    def delete(self, item: CalendarItem, *, series: bool = False) -> None:
        page = self.page
        if not page.data_open():
            return
        from desktop.services import recurrence

        def work() -> recurrence.Deleted:
            if series and item.series_id:
                return recurrence.delete_series(page.ctx, item.series_id, item.post_id)
            return recurrence.delete_post(page.ctx, item.post_id)

        def deleted(d: recurrence.Deleted) -> None:
            self._after_change(f"Deleted {len(d.post_ids)} post(s). {d.note}".strip(), deleted=True)

        page.runner.run(
            work,
            on_done=deleted,
            on_error=self._failed,
            owner=page,
            changes=changes(POSTS, source=page),
            name="delete_post",
        )
