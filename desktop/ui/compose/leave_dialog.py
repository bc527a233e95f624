"""Asked before the composer shows another post while this one has something undecided."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


class LeaveDialog(QMessageBox):
    """ "Save as draft" / "Discard" / "Cancel" (Cancel keeps this post in the composer)."""

    def __init__(self, *, new_post: bool, scheduled: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LeaveDialog")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Keep this post?")
        if new_post:
            self.setText("This new post hasn't been scheduled. Keep it as a draft?")
            self.setInformativeText("It is in your drafts for now. “Discard” deletes it; “Cancel” keeps it open here.")
        else:
            self.setText("This post has changes you haven't saved. Save them as a draft?")
            self.setInformativeText(
                ("Saving it as a draft takes it off the schedule until you schedule it again. " if scheduled else "")
                + "“Discard” drops the changes and keeps the post as it was saved; “Cancel” keeps it open here."
            )
        self.save_button = self.addButton("Save as draft", QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = self.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        self.discard_button.setProperty("danger", True)
        self.discard_button.style().unpolish(self.discard_button)  # the property came after polishing
        self.discard_button.style().polish(self.discard_button)
        self.cancel_button = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.save_button)
        self.setEscapeButton(self.cancel_button)
