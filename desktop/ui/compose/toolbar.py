"""The row under the editor: media, emoji, snippets, thread parts and the first comment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QMenu, QPlainTextEdit, QToolButton, QWidget

from desktop.services import snippets
from desktop.services.snippets import Snippet
from desktop.ui.compose.style import colors, glyph

if TYPE_CHECKING:
    from desktop.ui.compose.composer import Composer

EMOJI = [
    "😀",
    "😂",
    "😍",
    "🥳",
    "🤔",
    "👍",
    "👏",
    "🙌",
    "🙏",
    "💪",
    "🔥",
    "✨",
    "🎉",
    "🚀",
    "💡",
    "📣",
    "📅",
    "✅",
    "❤️",
    "💯",
    "👉",
    "🌍",
    "🇫🇷",
    "👨\u200d👩\u200d👧",
]


class ComposeToolbar(QWidget):
    def __init__(self, composer: Composer) -> None:
        super().__init__(composer)
        self.composer = composer
        c = colors(composer)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 2, 14, 0)
        row.setSpacing(2)

        def tool(name: str, tip: str, text: str = "") -> QToolButton:
            b = QToolButton()
            b.setProperty("tool", True)
            b.setIcon(glyph(name, c.text))
            b.setToolTip(tip)
            if text:
                b.setText(text)
                b.setToolButtonStyle(b.toolButtonStyle().ToolButtonTextBesideIcon)
            row.addWidget(b)
            return b

        self.media_button = tool("image", "Add images or a video (or drop / paste them into the text)", "Media")
        self.media_button.clicked.connect(composer.choose_media)
        self.emoji_button = tool("smile", "Insert an emoji")
        self.emoji_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        emoji_menu = QMenu(self.emoji_button)
        for e in EMOJI:
            emoji_menu.addAction(e, lambda e=e: self.insert(e))
        self.emoji_button.setMenu(emoji_menu)
        self.snippet_button = tool("snippet", "Insert a saved snippet or hashtag group")
        self.snippet_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.snippet_button.setMenu(QMenu(self.snippet_button))
        self.part_button = tool("thread", "Add a part to the thread", "Add part")
        self.part_button.clicked.connect(lambda: composer.editor.add_part())
        self.split_button = tool("split", "Cut the text into parts that fit the strictest network", "Split at limit")
        self.split_button.clicked.connect(composer.split_at_limit)
        self.comment_button = tool("comment", "A reply posted right after the post (where the network allows)")
        self.comment_button.setText("First comment")
        self.comment_button.setToolButtonStyle(self.part_button.toolButtonStyle())
        self.comment_button.setCheckable(True)
        row.addStretch(1)
        self.comment_editor = QPlainTextEdit()
        self.comment_editor.setPlaceholderText("First comment: posted as a reply right after the post…")
        self.comment_editor.setFixedHeight(64)
        self.comment_editor.hide()
        self.comment_button.toggled.connect(self._comment_toggled)
        self.comment_editor.textChanged.connect(self._comment_changed)
        self.snippets: list[Snippet] = []

    def insert(self, text: str) -> None:
        editor = self.composer.editor.current_editor()
        if not editor.isReadOnly():
            editor.insert_at_cursor(text)
            editor.setFocus()

    def sync(self, composer: Composer) -> None:
        threaded = any(composer.targets[a].threads for a in composer.doc.account_ids if a in composer.targets)
        for b in (self.part_button, self.split_button):
            b.setEnabled(threaded or not composer.doc.account_ids)
            if not b.isEnabled():
                b.setToolTip("None of the selected networks supports threads.")

    # --- snippets ------------------------------------------------------------------------------

    def set_snippets(self, found: Sequence[Snippet]) -> None:
        self.snippets = list(found)
        menu = self.snippet_button.menu()
        menu.clear()
        groups = [s for s in self.snippets if s.is_hashtags]
        texts = [s for s in self.snippets if not s.is_hashtags]
        for title, items in (("Snippets", texts), ("Hashtag groups", groups)):
            if items:
                menu.addSection(title)
                for s in items:
                    preview = s.text if len(s.text) < 48 else s.text[:46] + "…"
                    action = menu.addAction(f"{s.name}  —  {preview}")
                    action.triggered.connect(lambda _=False, s=s: self.insert(s.text))
        if not self.snippets:
            empty = menu.addAction("No snippets yet")
            empty.setEnabled(False)
        menu.addSeparator()
        menu.addAction("Save selected text as a snippet…", self.save_selection)
        if self.snippets:
            remove = menu.addMenu("Remove a snippet")
            for s in self.snippets:
                remove.addAction(s.name, lambda name=s.name: self._remove(name))

    def _remove(self, name: str) -> None:
        self._run(lambda: snippets.remove_snippet(self.composer.ctx, name))

    def save_selection(self) -> None:
        text = self.composer.editor.current_editor().textCursor().selectedText().replace("\u2029", "\n")
        if not text.strip():
            self.composer.show_notice("Select some text first, then save it as a snippet.")
            return
        name, ok = QInputDialog.getText(self, "Save snippet", "Name for this snippet:")
        if ok and name.strip():
            self._run(lambda: snippets.add_snippet(self.composer.ctx, name, text))

    def _run(self, fn) -> None:  # type: ignore[no-untyped-def]
        ctx = self.composer.ctx

        def work() -> list[Snippet]:
            fn()
            return snippets.list_snippets(ctx)

        self.composer.runner.run(work, on_done=self.set_snippets, on_error=lambda e: self.composer.show_notice(str(e)))

    # --- first comment ---------------------------------------------------------------------------

    def _comment_toggled(self, on: bool) -> None:
        self.comment_editor.setVisible(on)
        if on:
            self.comment_editor.setFocus()
        elif self.comment_editor.toPlainText():
            self.comment_editor.clear()

    def _comment_changed(self) -> None:
        self.composer.doc.first_comment = self.comment_editor.toPlainText()
        self.composer._touch()
