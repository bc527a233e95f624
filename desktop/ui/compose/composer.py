"""The composer widget: accounts, shared text and media, per-account tabs, preview, schedule.

The state and the operations live in :class:`~desktop.ui.compose.controller.ComposeController`;
this widget assembles the pieces (chips, tabs, editor, media strip, toolbar, links row,
preview, schedule bar), renders from the controller's signals and calls its public methods.
Counters follow every keystroke (providers' ``measure`` only: cheap); validation and preview
follow 150 ms after typing stops.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QHideEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.services import compose, snippets
from desktop.services.compose import ComposeDoc, MediaRef, Target
from desktop.ui import theme
from desktop.ui.compose import style
from desktop.ui.compose.chips import AccountChips
from desktop.ui.compose.controller import SHARED, ComposeController, Key
from desktop.ui.compose.editor import ThreadEditor, local_files
from desktop.ui.compose.leave_dialog import LeaveDialog
from desktop.ui.compose.links import LinksRow
from desktop.ui.compose.media import AltTextDialog, MediaModel, MediaStrip
from desktop.ui.compose.preview import PreviewPane
from desktop.ui.compose.schedule_bar import ScheduleBar
from desktop.ui.compose.tabs import AccountTabs
from desktop.ui.compose.toolbar import ComposeToolbar

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

FILE_FILTER = "Images and videos (*.png *.jpg *.jpeg *.gif *.webp *.avif *.heic *.mp4 *.mov *.webm);;All files (*)"
TOAST_MS = 4000


class Composer(QWidget):
    """Write once, tailor per account, schedule. Emits ``scheduled(post_id)`` on success."""

    scheduled = Signal(int)
    draft_saved = Signal(int)
    connect_requested = Signal()

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.controller = ComposeController(ctx, runner, self)
        self.current: Key = SHARED
        self.leave_dialog: LeaveDialog | None = None
        self._colors: theme.Colors | None = None
        self._build()
        self.setAcceptDrops(True)
        self._wire()
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            self._shortcut(keys, self.schedule_at_time, "Compose: schedule at the chosen time")
        self._shortcut("Ctrl+S", self.save_draft, "Compose: save as draft")
        theme.notifier().changed.connect(self.restyle)
        self.restyle(theme.current())
        self._show_tab(SHARED)

    def _shortcut(self, keys: str, slot: Callable[[], object], what: str) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setWhatsThis(what)  # Help ▸ Keyboard shortcuts lists it by this
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # --- what other code uses -------------------------------------------------------------------

    @property
    def doc(self) -> ComposeDoc:
        return self.controller.doc

    @property
    def targets(self) -> dict[int, Target]:
        return self.controller.targets

    def refresh(self) -> None:
        """Reload accounts, campaigns, snippets and settings (off the GUI thread)."""
        self.controller.refresh()

    def request_switch(self, then: Callable[[], None]) -> None:
        """Run ``then`` (which shows another post) once the user has decided about this one:
        at once when nothing is undecided, else after "Save as draft" or "Discard" in the dialog
        asked here; never after "Cancel" (the post stays open)."""
        c = self.controller
        if not c.needs_asking():
            c.autosave_timer.stop()
            then()
            return
        new = not c.kept
        dialog = LeaveDialog(new_post=new, scheduled=c.doc.status == "scheduled" and not new, parent=self)
        self.leave_dialog = dialog

        def answered(_result: int) -> None:
            self.leave_dialog = None
            clicked = dialog.clickedButton()
            if clicked is dialog.save_button:
                c.save_draft(lambda _id: then())
            elif clicked is dialog.discard_button:
                c.discard(then)

        dialog.finished.connect(answered)
        dialog.open()

    def open_post(self, post_id: int) -> None:
        """Load a draft, scheduled or failed post to edit it (asking first about this one)."""
        self.request_switch(lambda: self.controller.open_post(post_id))

    def new_post(self) -> None:
        """Start over with an empty post (asking first about this one)."""
        self.request_switch(self.controller.new_post)

    def flush_autosave(self) -> None:
        self.controller.flush_autosave()

    def save_draft(self) -> None:
        self.controller.save_draft()

    def schedule_at_time(self) -> None:
        self.commit(compose.When(at=self.bar.at()))

    def commit(self, when: compose.When) -> None:
        """Schedule (or queue, or publish now); refused with the reason shown if invalid."""
        if not self.controller.schedule(when):
            self.problems_label.setVisible(True)

    def validate_now(self) -> None:
        self.controller.validate_now()

    def set_doc(self, doc: ComposeDoc) -> None:
        self.controller.set_doc(doc, kept=doc.post_id is not None)

    def campaign_row(self) -> Any | None:
        return self.controller.campaign_row()

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        self.chips = AccountChips()
        outer.addWidget(self.chips)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.tabs = AccountTabs()
        column.addWidget(self.tabs)

        self.card = QFrame()
        self.card.setObjectName("ComposeCard")
        card = QVBoxLayout(self.card)
        card.setContentsMargins(0, 4, 0, 8)
        card.setSpacing(4)
        self.variant_row = QWidget()
        vrow = QHBoxLayout(self.variant_row)
        vrow.setContentsMargins(14, 4, 10, 0)
        self.variant_note = QLabel()
        self.variant_note.setProperty("role", "muted")
        self.variant_note.setWordWrap(True)
        self.reset_button = QPushButton("Reset to shared")
        self.reset_button.setToolTip("Drop this account's own text and media and follow the shared post again")
        vrow.addWidget(self.variant_note, 1)
        vrow.addWidget(self.reset_button)
        card.addWidget(self.variant_row)
        self.editor = ThreadEditor()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.editor)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        scroll.setMinimumHeight(90)
        card.addWidget(scroll, 1)
        self.media_model = MediaModel(self)
        self.media_model.thumbs = self.controller.files.thumbs  # one cache, filled off the GUI thread
        self.media_model.warnings = self.controller.files.warnings
        self.media_strip = MediaStrip(self.media_model)
        self.media_strip.setAccessibleName("Attached media (Delete removes the selected one)")
        strip_row = QHBoxLayout()
        strip_row.setContentsMargins(10, 0, 10, 0)
        strip_row.addWidget(self.media_strip)
        card.addLayout(strip_row)
        self.counters = QLabel()
        self.counters.setObjectName("Counters")
        self.counters.setTextFormat(Qt.TextFormat.RichText)
        self.counters.setWordWrap(True)
        self.counters.setContentsMargins(14, 2, 14, 0)
        card.addWidget(self.counters)
        self.links_row = LinksRow()
        card.addWidget(self.links_row)
        self.toolbar = ComposeToolbar(self)
        card.addWidget(self.toolbar)
        column.addWidget(self.card, 1)

        self.comment_box = self.toolbar.comment_editor
        column.addWidget(self.comment_box)
        self.notice = QLabel()
        self.notice.setObjectName("Notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        column.addWidget(self.notice)

        self.preview = PreviewPane(ctx=self.ctx, runner=self.runner)  # link cards read on the runner
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([620, 400])
        outer.addWidget(split, 1)

        status = QHBoxLayout()
        self.problems_label = QLabel()
        self.problems_label.setObjectName("Problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.toast = QLabel()
        self.toast.setObjectName("Toast")
        self.toast.hide()
        status.addWidget(self.problems_label, 1)
        status.addWidget(self.toast, 0, Qt.AlignmentFlag.AlignRight)
        outer.addLayout(status)
        self.bar = ScheduleBar()
        outer.addWidget(self.bar)

    def _wire(self) -> None:
        c = self.controller
        self.chips.changed.connect(self._accounts_changed)
        self.chips.connect_requested.connect(self.connect_requested)
        self.tabs.shown.connect(self._show_tab)
        self.reset_button.clicked.connect(self.reset_to_shared)
        self.editor.changed.connect(self.on_text_changed)
        self.editor.files_dropped.connect(self.add_media_files)
        self.editor.image_pasted.connect(self.add_pasted_image)
        self.media_model.reordered.connect(lambda: c.set_media(self.current, self.media_model.rows()))
        self.media_strip.alt_requested.connect(self.edit_alt)
        self.media_strip.remove_requested.connect(self.remove_media)
        self.links_row.toggled.connect(c.set_link_tagged)
        self.toolbar.media_requested.connect(self.choose_media)
        self.toolbar.part_requested.connect(lambda: self.editor.add_part())
        self.toolbar.split_requested.connect(self.split_at_limit)
        self.toolbar.insert_requested.connect(self.insert_text)
        self.toolbar.save_snippet_requested.connect(self.save_selection_as_snippet)
        self.toolbar.remove_snippet_requested.connect(self._remove_snippet)
        self.toolbar.comment_changed.connect(self._comment_changed)
        self.preview.account.currentIndexChanged.connect(lambda _i: self.update_preview())
        self.bar.schedule.clicked.connect(self.schedule_at_time)
        self.bar.next_slot.clicked.connect(lambda: self.commit(compose.When(next_slot=True)))
        self.bar.publish_now.clicked.connect(lambda: self.commit(compose.When(now=True)))
        self.bar.save_draft.clicked.connect(self.save_draft)
        self.bar.campaign.currentIndexChanged.connect(lambda _i: c.set_campaign(self.bar.campaign.currentData()))
        self.bar.when.dateTimeChanged.connect(lambda _d: c.time_changed())

        c.targets_loaded.connect(self._targets_loaded)
        c.doc_changed.connect(self._doc_changed)
        c.overrides_changed.connect(self._overrides_changed)
        c.media_changed.connect(self._media_changed)
        c.counts_changed.connect(lambda _counts: self.update_counts())
        c.problems_changed.connect(self._problems_changed)
        c.images_changed.connect(self._images_changed)
        c.notice.connect(self.show_notice)
        c.toast.connect(self.show_toast)
        c.save_state_changed.connect(self.bar.set_save_state)
        c.busy.connect(self.bar.set_busy)
        c.zone_changed.connect(lambda _name: self.bar.set_zone(c.zone))
        c.saved.connect(self.draft_saved)
        c.scheduled.connect(self._scheduled)

    # --- theme ---------------------------------------------------------------------------------------

    def restyle(self, colors: theme.Colors) -> None:
        """Re-style for the theme in use (also when it changes while the composer is shown)."""
        if colors == self._colors:
            return  # the theme's signal and the palette change both ask: once is enough
        self._colors = colors
        self.setStyleSheet(style.stylesheet(colors))
        self.chips.restyle(colors)
        self.toolbar.restyle(colors)
        self.bar.restyle(colors)
        self.editor.restyle(colors)
        self.links_row.set_icon_color(colors.text)
        self.reset_button.setIcon(style.glyph("reset", colors.text))
        self._mark_tabs()
        self.update_counts()
        self.update_preview()

    def changeEvent(self, event: QEvent) -> None:
        # a palette set without theme.apply (the system's scheme changed) re-styles too
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            QTimer.singleShot(0, self, lambda: self.restyle(style.colors(self)))
        super().changeEvent(event)

    # --- rendering from the controller -----------------------------------------------------------------

    def _targets_loaded(self) -> None:
        c = self.controller
        self.toolbar.set_snippets(c.snippets)
        self.bar.set_campaigns(c.campaign_names, c.doc.campaign)
        self.chips.set_targets(list(c.targets.values()), c.doc.account_ids)
        self._sync_tabs(self.current if self.current in c.doc.account_ids else SHARED)

    def _doc_changed(self) -> None:
        doc = self.controller.doc
        self.chips.set_selected(doc.account_ids)
        self.bar.set_campaign(doc.campaign)
        if doc.at is not None or doc.post_id is not None or doc.is_empty():
            self.bar.set_at(doc.at)
        self.toolbar.set_comment(doc.first_comment)
        self._sync_tabs(SHARED)

    def _overrides_changed(self) -> None:
        self._mark_tabs()
        self._show_note()

    def _media_changed(self, key: Key) -> None:
        if key == self.current:
            self.media_model.set_rows(self.controller.media(key))
        self.update_preview()

    def _images_changed(self) -> None:
        self.media_model.set_rows(self.media_model.rows())
        self.update_preview()

    def _problems_changed(self, lines: list[str]) -> None:
        c = self.controller
        campaign = c.campaign_row()
        self.links_row.set_links(c.post_links(), c.doc.no_utm, c.doc.campaign if campaign else None)
        self.bar.set_problems(lines[0] if lines else "")
        self.problems_label.setText(
            "<br>".join(f"• {line}" for line in lines[:4]) + ("<br>…" if len(lines) > 4 else "")
        )
        self.problems_label.setVisible(bool(lines) and not c.doc.is_empty())
        self.toolbar.set_threads(
            any(c.targets[a].threads for a in c.doc.account_ids if a in c.targets) or not c.doc.account_ids
        )
        self.update_preview()

    def _scheduled(self, post_id: int, message: str) -> None:
        self.show_toast(message)
        self.scheduled.emit(post_id)

    # --- tabs and overrides -------------------------------------------------------------------------

    def _sync_tabs(self, keep: Key) -> None:
        c = self.controller
        shown = [c.targets[a] for a in c.doc.account_ids if a in c.targets]
        key = self.tabs.set_accounts(shown, keep)
        self._mark_tabs()
        self._show_tab(key)

    def _mark_tabs(self) -> None:
        """A dot on the network logo of every tab whose variant differs from the shared post."""
        doc = self.controller.doc
        self.tabs.mark({a for a in doc.account_ids if doc.is_overridden(a)}, style.colors(self))

    def tab_is_marked(self, account_id: int) -> bool:
        return self.tabs.is_marked(account_id)

    def select_tab(self, account_id: int | None) -> None:
        self.tabs.select(account_id)

    def _show_tab(self, key: Key) -> None:
        c = self.controller
        self.current = key
        locked = key is not None and key in c.doc.locked
        self.editor.set_parts(c.parts(key))
        self.editor.set_read_only(locked)
        self.media_model.set_rows(c.media(key))
        self.variant_row.setVisible(key is not SHARED)
        self._show_note()
        self.editor.set_placeholder(
            "What do you want to share?" if key is SHARED else "Write a version for this account…"
        )
        if key is not SHARED:
            index = self.preview.account.findData(key)
            if index >= 0:
                self.preview.account.setCurrentIndex(index)
        self.update_counts()

    def _show_note(self) -> None:
        c = self.controller
        key = self.current
        if key is SHARED or key not in c.targets:
            return
        t = c.targets[key]
        locked = key in c.doc.locked
        over = c.doc.is_overridden(key)
        if locked:
            note = f"Already published to {t.label}: this variant can no longer change."
        elif over:
            note = f"Customised for {t.network_name} {t.label}."
        else:
            note = f"Follows the shared post. Edit here to customise it for {t.network_name}."
        self.variant_note.setText(note)
        self.reset_button.setVisible(over and not locked)

    def reset_to_shared(self) -> None:
        self.controller.reset_to_shared(self.current)
        self._show_tab(self.current)

    def _accounts_changed(self, account_ids: list[int]) -> None:
        c = self.controller
        c.set_accounts(account_ids)
        self._sync_tabs(self.current if self.current in c.doc.account_ids else SHARED)
        self.update_preview()

    def _comment_changed(self, text: str) -> None:
        self.controller.set_first_comment(text)

    # --- typing ----------------------------------------------------------------------------------------

    def on_text_changed(self) -> None:
        """Runs on every keystroke: the controller stores the text, recounts, restarts its timers."""
        self.controller.set_parts(self.current, self.editor.parts())

    def insert_text(self, text: str) -> None:
        editor = self.editor.current_editor()
        if not editor.isReadOnly():
            editor.insert_at_cursor(text)
            editor.setFocus()

    def update_counts(self) -> None:
        """The counter strip (every selected account), each part's counter, coloured by level,
        and the characters past the limit marked in the editor."""
        c = self.controller
        counts = c.counts
        names = Counter(c.targets[a].network_name for a in counts)
        chunks = []
        for account_id, per_part in counts.items():
            t = c.targets[account_id]
            worst = max(per_part, key=lambda n: n.length - n.limit)
            color = style.level_color(worst.level, self)
            short = t.handle.lstrip("@").split("@")[0].split(".")[0]
            name = t.network_name if names[t.network_name] == 1 else f"{t.network_name} ({short})"
            weight = "600" if account_id == self.current else "400"
            chunks.append(
                f'<span style="color:{color}; font-weight:{weight}">{name} {worst.length}/{worst.limit}</span>'
            )
        self.counters.setText(" · ".join(chunks))
        # per part: the tightest account that posts this tab's text
        following = [t.account_id for t in c.following(self.current) if t.account_id in counts]
        labels = []
        for i in range(len(self.editor.boxes)):
            here = [counts[a][i] for a in following if i < len(counts[a])]
            if not here:
                labels.append("")
                continue
            tight = max(here, key=lambda n: n.length - n.limit)
            color = style.level_color(tight.level, self)
            labels.append(f'<span style="color:{color}">{tight.length} / {tight.limit}</span>')
        self.editor.set_counts(labels)
        over = any(n.level == "over" for a in following for n in counts[a])
        starts = c.over_limit(self.current) if over else []
        self.editor.set_over_limit(starts, style.colors(self))

    def update_preview(self) -> None:
        c = self.controller
        ids = c.doc.account_ids
        if [self.preview.account.itemData(i) for i in range(self.preview.account.count())] != ids:
            self.preview.set_accounts([c.targets[a] for a in ids if a in c.targets], self.current)
        account_id = self.preview.current_account()
        target = c.targets.get(account_id) if account_id is not None else None
        if target is None or account_id is None:
            self.preview.show_variant(None, [], [], {})
            return
        campaign = c.campaign_row()
        first_comment = c.doc.first_comment
        if first_comment.strip():
            (first_comment,) = compose.tagged(c.doc, target, [first_comment], campaign)
        self.preview.show_variant(
            target,
            compose.tagged(c.doc, target, c.doc.parts_for(account_id), campaign),
            c.doc.media_for(account_id),
            c.files.previews,
            first_comment,
            c.doc.link or None,
        )

    def split_at_limit(self) -> None:
        """Re-cut this tab's text into parts that fit the strictest account posting it."""
        parts = self.controller.split(self.current, self.editor.parts())
        if parts is not None:
            self.editor.set_parts(parts)
            self.on_text_changed()

    # --- media -------------------------------------------------------------------------------------------

    def choose_media(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add images or video", str(Path.home()), FILE_FILTER)
        if paths:
            self.add_media_files([Path(p) for p in paths])

    def add_media_files(self, paths: Sequence[Path]) -> None:
        """Attach files to the current tab (what the file dialog, a drop and a paste all call)."""
        self.controller.add_files(self.current, paths)

    def add_pasted_image(self, image: QImage) -> None:
        """A pasted image is saved as a PNG, then added like a file (and copied into the data dir)."""
        fd, name = tempfile.mkstemp(prefix="pasted-", suffix=".png")
        os.close(fd)
        if not image.save(name):  # PNG, from the suffix
            self.show_notice("The pasted image could not be read.")
            return
        self.add_media_files([Path(name)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.add_media_files(files)

    def media_rows(self) -> list[MediaRef]:
        return self.media_model.rows()

    def remove_media(self, row: int) -> None:
        self.controller.remove_media(self.current, row)

    def set_alt(self, row: int, text: str) -> None:
        self.controller.set_alt(self.current, row, text)

    def edit_alt(self, row: int) -> AltTextDialog:
        c = self.controller
        key = self.current
        ref = c.media(key)[row]
        limits = [c.targets[a].limits.max_alt_chars for a in c.doc.account_ids if a in c.targets]
        dialog = AltTextDialog(ref, c.files.thumbs.get(str(ref.path)), min(limits, default=1500), self)

        def finished(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                c.set_alt(key, row, dialog.alt_text())
            elif result == AltTextDialog.REMOVE:
                c.remove_media(key, row)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    # --- snippets --------------------------------------------------------------------------------------

    def save_selection_as_snippet(self) -> None:
        text = self.editor.current_editor().textCursor().selectedText().replace("\u2029", "\n")
        if not text.strip():
            self.show_notice("Select some text first, then save it as a snippet.")
            return
        name, ok = QInputDialog.getText(self, "Save snippet", "Name for this snippet:")
        if ok and name.strip():
            ctx = self.ctx
            self.controller.change_snippets(lambda: snippets.add_snippet(ctx, name, text), self.toolbar.set_snippets)

    def _remove_snippet(self, name: str) -> None:
        ctx = self.ctx
        self.controller.change_snippets(lambda: snippets.remove_snippet(ctx, name), self.toolbar.set_snippets)

    # --- messages --------------------------------------------------------------------------------------

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def show_toast(self, text: str) -> None:
        self.toast.setText(text)
        self.toast.show()
        QTimer.singleShot(TOAST_MS, self.toast.hide)

    def hideEvent(self, event: QHideEvent) -> None:
        self.controller.flush_autosave()
        super().hideEvent(event)
