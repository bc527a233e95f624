"""The row under the editor: media, emoji, snippets, thread parts and the first comment.

Buttons show their words when the row has room and only their icons when it does not (the
tooltip and the accessible name always say what they do)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPlainTextEdit, QToolButton, QWidget

from desktop.services.snippets import Snippet
from desktop.ui import theme
from desktop.ui.compose.style import glyph

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
    """Emits what the user asked for; the composer does it."""

    media_requested = Signal()
    part_requested = Signal()
    split_requested = Signal()
    insert_requested = Signal(str)
    save_snippet_requested = Signal()
    remove_snippet_requested = Signal(str)
    comment_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = self._row = QHBoxLayout(self)
        row.setContentsMargins(10, 2, 14, 0)
        row.setSpacing(2)
        self._glyphs: dict[QToolButton, str] = {}
        self._worded: list[QToolButton] = []

        def tool(name: str, label: str, tip: str, *, worded: bool = True) -> QToolButton:
            b = QToolButton()
            b.setProperty("tool", True)
            b.setToolTip(tip)
            b.setAccessibleName(label)
            b.setText(label)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self._glyphs[b] = name
            if worded:
                self._worded.append(b)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            row.addWidget(b)
            return b

        self.media_button = tool("image", "Media", "Add images or a video (or drop / paste them into the text)")
        self.media_button.clicked.connect(self.media_requested)
        self.emoji_button = tool("smile", "Emoji", "Insert an emoji")
        self.emoji_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        emoji_menu = QMenu(self.emoji_button)
        for e in EMOJI:
            emoji_menu.addAction(e).triggered.connect(partial(self.insert_requested.emit, e))
        self.emoji_button.setMenu(emoji_menu)
        self.snippet_button = tool("snippet", "Snippets", "Insert a saved snippet or hashtag group")
        self.snippet_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.snippet_button.setMenu(QMenu(self.snippet_button))
        self.part_button = tool("thread", "Add part", "Add a part to the thread")
        self.part_button.clicked.connect(self.part_requested)
        self.split_button = tool("split", "Split at limit", "Cut the text into parts that fit the strictest network")
        self.split_button.clicked.connect(self.split_requested)
        self.comment_button = tool(
            "comment", "First comment", "A reply posted right after the post (where the network allows)"
        )
        self.comment_button.setCheckable(True)
        row.addStretch(1)
        self.comment_editor = QPlainTextEdit()
        self.comment_editor.setPlaceholderText("First comment: posted as a reply right after the post…")
        self.comment_editor.setAccessibleName("First comment")
        self.comment_editor.setTabChangesFocus(True)
        self.comment_editor.setFixedHeight(64)
        self.comment_editor.hide()
        self.comment_button.toggled.connect(self._comment_toggled)
        self.comment_editor.textChanged.connect(lambda: self.comment_changed.emit(self.comment_editor.toPlainText()))
        self.snippets: list[Snippet] = []
        self._level_widths: list[tuple[int, list[QToolButton]]] = []
        self._icons_only = False
        self.restyle(theme.current())

    def restyle(self, c: theme.Colors) -> None:
        for b, name in self._glyphs.items():
            b.setIcon(glyph(name, c.text))
        self._level_widths = []  # fonts and paddings may differ: measured again

    # --- narrow: fewer words, then icons only ------------------------------------------------------

    #: Dropped first when the row is short of room (their icons say enough with the tooltip).
    _FIRST_TO_GO = ("smile", "snippet")

    def _width_for(self, worded: list[QToolButton]) -> int:
        """The row's width with ``worded`` showing their words and the rest icons only."""
        was = {b: b.toolButtonStyle() for b in self._glyphs}
        for b in self._glyphs:
            b.setToolButtonStyle(
                Qt.ToolButtonStyle.ToolButtonTextBesideIcon if b in worded else Qt.ToolButtonStyle.ToolButtonIconOnly
            )
        m = self._row.contentsMargins()
        width = sum(b.sizeHint().width() + self._row.spacing() for b in self._glyphs) + m.left() + m.right()
        for b, style in was.items():
            b.setToolButtonStyle(style)
        return width

    def _levels(self) -> list[tuple[int, list[QToolButton]]]:
        """(width needed, buttons with words) from the most words to none."""
        if not self._level_widths:
            all_words = list(self._worded)
            fewer = [b for b in all_words if self._glyphs[b] not in self._FIRST_TO_GO]
            self._level_widths = [(self._width_for(w), w) for w in (all_words, fewer, [])]
        return self._level_widths

    def _fit(self, width: int) -> None:
        levels = self._levels()
        worded = next((w for need, w in levels if need <= width), [])
        self._icons_only = not worded
        for b in self._glyphs:
            b.setToolButtonStyle(
                Qt.ToolButtonStyle.ToolButtonTextBesideIcon if b in worded else Qt.ToolButtonStyle.ToolButtonIconOnly
            )

    def minimumSizeHint(self) -> QSize:
        """As narrow as icons only (the words come back when there is room)."""
        return QSize(self._levels()[-1][0], super().minimumSizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._level_widths = []  # a style sheet changes the buttons' padding
        super().changeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)

    def buttons(self) -> list[QToolButton]:
        return list(self._glyphs)

    def icons_only(self) -> bool:
        return self._icons_only

    def set_threads(self, threaded: bool) -> None:
        """Thread buttons only where a selected network takes threads."""
        self.part_button.setEnabled(threaded)
        self.split_button.setEnabled(threaded)
        none = "None of the selected networks supports threads."
        self.part_button.setToolTip("Add a part to the thread" if threaded else none)
        self.split_button.setToolTip("Cut the text into parts that fit the strictest network" if threaded else none)

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
                    action.triggered.connect(lambda _=False, s=s: self.insert_requested.emit(s.text))
        if not self.snippets:
            empty = menu.addAction("No snippets yet")
            empty.setEnabled(False)
        menu.addSeparator()
        menu.addAction("Save selected text as a snippet…", self.save_snippet_requested.emit)
        if self.snippets:
            remove = menu.addMenu("Remove a snippet")
            for s in self.snippets:
                remove.addAction(s.name).triggered.connect(partial(self.remove_snippet_requested.emit, s.name))

    # --- first comment ---------------------------------------------------------------------------

    def set_comment(self, text: str) -> None:
        self.comment_editor.blockSignals(True)
        self.comment_editor.setPlainText(text)
        self.comment_editor.blockSignals(False)
        self.comment_button.blockSignals(True)
        self.comment_button.setChecked(bool(text))
        self.comment_button.blockSignals(False)
        self.comment_editor.setVisible(bool(text))

    def _comment_toggled(self, on: bool) -> None:
        self.comment_editor.setVisible(on)
        if on:
            self.comment_editor.setFocus()
        elif self.comment_editor.toPlainText():
            self.comment_editor.clear()
