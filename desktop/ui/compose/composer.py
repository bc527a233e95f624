"""The composer widget: accounts, shared text and media, per-account tabs, preview, schedule.

State is a :class:`~desktop.services.compose.ComposeDoc`; widgets edit it, counters read it on
every keystroke (providers' ``measure`` only: cheap), validation and preview follow 150 ms
after typing stops, and a draft is saved through the TaskRunner a few seconds after a change.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from desktop.services import compose, utm
from desktop.services.compose import ComposeDoc, Override, Target
from desktop.ui.compose import style
from desktop.ui.compose.chips import AccountChips
from desktop.ui.compose.editor import ThreadEditor
from desktop.ui.compose.links import LinksRow
from desktop.ui.compose.media import MediaModel, MediaStrip
from desktop.ui.compose.media_ops import MediaOps
from desktop.ui.compose.preview import PreviewPane
from desktop.ui.compose.saving import SaveOps
from desktop.ui.compose.schedule_bar import ScheduleBar
from desktop.ui.compose.toolbar import ComposeToolbar
from desktop.ui.icons import network_icon

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner

VALIDATE_MS = 150
AUTOSAVE_MS = 3000
SHARED = None  # the tab key of the shared text


class Composer(MediaOps, SaveOps, QWidget):
    """Write once, tailor per account, schedule. Emits ``scheduled(post_id)`` on success."""

    scheduled = Signal(int)
    draft_saved = Signal(int)
    connect_requested = Signal()

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.doc = ComposeDoc()
        self.targets: dict[int, Target] = {}
        self.campaign_rows: dict[str, Any] = {}  # name -> CampaignRow, for its UTM tags
        self.problems: dict[int, list[Any]] = {}
        self.require_alt = False
        self.current: int | None = SHARED
        self.thumbs: dict[str, QImage] = {}
        self.previews: dict[str, QImage] = {}
        self._saving = False
        self._after_save: list[Any] = []
        self._loaded_once = False
        self._marked: set[int] = set()
        self._build()
        self.setAcceptDrops(True)
        self.setStyleSheet(style.stylesheet(style.colors(self)))
        self._validate_timer = self._timer(VALIDATE_MS, self.validate_now)
        self._autosave_timer = self._timer(AUTOSAVE_MS, self.autosave_now)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.schedule_at_time)
        self._show_tab(SHARED)

    def _timer(self, ms: int, slot: Any) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # --- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        self.chips = AccountChips()
        self.chips.changed.connect(self._accounts_changed)
        self.chips.connect_requested.connect(self.connect_requested)
        outer.addWidget(self.chips)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.tabs = QTabBar()
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self.tabs.setIconSize(QSize(16, 16))
        self.tabs.currentChanged.connect(lambda i: self._show_tab(self.tabs.tabData(i)))
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
        self.reset_button = QPushButton(style.glyph("reset", style.colors(self).text), "Reset to shared")
        self.reset_button.clicked.connect(self.reset_to_shared)
        vrow.addWidget(self.variant_note, 1)
        vrow.addWidget(self.reset_button)
        card.addWidget(self.variant_row)
        self.editor = ThreadEditor()
        self.editor.changed.connect(self.on_text_changed)
        self.editor.files_dropped.connect(self.add_media_files)
        self.editor.image_pasted.connect(self.add_pasted_image)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.editor)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        card.addWidget(scroll, 1)
        self.media_model = MediaModel(self)
        self.media_model.thumbs = self.thumbs  # one cache: filled off the GUI thread as files arrive
        self.media_model.reordered.connect(self._media_reordered)
        self.media_strip = MediaStrip(self.media_model)
        self.media_strip.alt_requested.connect(self.edit_alt)
        self.media_strip.remove_requested.connect(self.remove_media)
        strip_row = QHBoxLayout()
        strip_row.setContentsMargins(10, 0, 10, 0)
        strip_row.addWidget(self.media_strip)
        card.addLayout(strip_row)
        self.toolbar = ComposeToolbar(self)
        card.addWidget(self.toolbar)
        self.counters = QLabel()
        self.counters.setObjectName("Counters")
        self.counters.setTextFormat(Qt.TextFormat.RichText)
        self.counters.setWordWrap(True)
        self.counters.setContentsMargins(14, 2, 14, 0)
        card.insertWidget(card.indexOf(self.toolbar), self.counters)
        self.links_row = LinksRow()
        self.links_row.set_icon_color(style.colors(self).text)
        self.links_row.toggled.connect(self._link_toggled)
        card.insertWidget(card.indexOf(self.toolbar), self.links_row)
        column.addWidget(self.card, 1)

        self.comment_box = self.toolbar.comment_editor
        column.addWidget(self.comment_box)
        self.notice = QLabel()
        self.notice.setObjectName("Notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        column.addWidget(self.notice)

        self.preview = PreviewPane()
        self.preview.account.currentIndexChanged.connect(lambda _i: self.update_preview())
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
        self.bar.schedule.clicked.connect(self.schedule_at_time)
        self.bar.next_slot.clicked.connect(lambda: self.commit(compose.When(next_slot=True)))
        self.bar.publish_now.clicked.connect(lambda: self.commit(compose.When(now=True)))
        self.bar.save_draft.clicked.connect(self.save_draft)
        self.bar.campaign.currentIndexChanged.connect(self._campaign_changed)
        self.bar.when.dateTimeChanged.connect(lambda _d: self._touch(validate=False))
        outer.addWidget(self.bar)

    # --- loading ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload accounts, campaigns, snippets and settings (off the GUI thread)."""
        from desktop.services import app_settings, campaigns, snippets

        def load() -> dict[str, Any]:
            return {
                "targets": compose.list_targets(self.ctx),
                # archived ones too: a post kept in its archived campaign still gets its tags
                "campaigns": campaigns.list_campaigns(self.ctx, include_archived=True),
                "snippets": snippets.list_snippets(self.ctx),
                "require_alt": compose.require_alt_text(self.ctx),
                "zone": app_settings.get(self.ctx, app_settings.TIMEZONE) or "",
            }

        self.runner.run(load, on_done=self._loaded, name="composer_load")

    def _loaded(self, data: dict[str, Any]) -> None:
        self.targets = {t.account_id: t for t in data["targets"]}
        self.require_alt = data["require_alt"]
        self.toolbar.set_snippets(data["snippets"])
        self.bar.set_zone(data["zone"])
        self.campaign_rows = {c.name: c for c in data["campaigns"]}
        # the picker offers open campaigns (and keeps the post's own, archived or not)
        self.bar.set_campaigns([c.name for c in data["campaigns"] if not c.archived], self.doc.campaign)
        self.doc.account_ids = [a for a in self.doc.account_ids if a in self.targets]
        if not self._loaded_once and not self.doc.account_ids and self.doc.is_empty() and len(self.targets) == 1:
            self.doc.account_ids = list(self.targets)  # one account: nothing to choose
        self.chips.set_targets(list(self.targets.values()), self.doc.account_ids)
        first = not self._loaded_once
        self._loaded_once = True
        self.set_doc(self.doc, keep_time=True)
        if first:
            self.restore_unsaved()

    def set_doc(self, doc: ComposeDoc, *, keep_time: bool = False) -> None:
        """Show ``doc`` (a new post, a restored draft, or a post opened for editing)."""
        self.doc = doc
        self.doc.account_ids = [a for a in doc.account_ids if not self.targets or a in self.targets]
        self.chips.set_selected(self.doc.account_ids)
        self.bar.set_campaign(doc.campaign)
        if not keep_time or doc.at is not None:
            self.bar.set_at(doc.at)
        self.comment_box.blockSignals(True)
        self.comment_box.setPlainText(doc.first_comment)
        self.comment_box.blockSignals(False)
        self.toolbar.comment_button.setChecked(bool(doc.first_comment))
        self.load_thumbnails([*doc.media, *(m for o in doc.overrides.values() for m in (o.media or []))])
        self._sync_tabs(SHARED)
        self.validate_now()

    # --- tabs and overrides -------------------------------------------------------------------

    def _sync_tabs(self, keep: int | None) -> None:
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        self.tabs.addTab("Shared")
        self.tabs.setTabData(0, SHARED)
        for account_id in self.doc.account_ids:
            t = self.targets.get(account_id)
            if t is None:
                continue
            i = self.tabs.addTab(network_icon(t.network), t.label)
            self.tabs.setTabData(i, account_id)
        self._mark_tabs()
        index = next((i for i in range(self.tabs.count()) if self.tabs.tabData(i) == keep), 0)
        self.tabs.setCurrentIndex(index)
        self.tabs.blockSignals(False)
        self._show_tab(self.tabs.tabData(index))

    def _mark_tabs(self) -> None:
        """A dot on the network logo of every tab whose variant differs from the shared post."""
        c = style.colors(self)
        self._marked = set()
        for i in range(1, self.tabs.count()):
            account_id = self.tabs.tabData(i)
            overridden = self.doc.is_overridden(account_id)
            network = self.targets[account_id].network
            self.tabs.setTabIcon(
                i, style.badged(network_icon(network), c.accent, c.base) if overridden else network_icon(network)
            )
            self.tabs.setTabToolTip(
                i, "Customised: differs from the shared post" if overridden else "Follows the shared post"
            )
            if overridden:
                self._marked.add(account_id)

    def tab_is_marked(self, account_id: int) -> bool:
        return account_id in self._marked

    def select_tab(self, account_id: int | None) -> None:
        for i in range(self.tabs.count()):
            if self.tabs.tabData(i) == account_id:
                self.tabs.setCurrentIndex(i)

    def _show_tab(self, key: int | None) -> None:
        self.current = key
        locked = key is not None and key in self.doc.locked
        parts = self.doc.parts if key is SHARED else self.doc.parts_for(key)
        self.editor.set_parts(parts)
        self.editor.set_read_only(locked)
        self.media_model.set_rows(self.doc.media if key is SHARED else self.doc.media_for(key))
        self.variant_row.setVisible(key is not SHARED)
        if key is not SHARED and key in self.targets:
            t = self.targets[key]
            if locked:
                note = f"Already published to {t.label}: this variant can no longer change."
            elif self.doc.is_overridden(key):
                note = f"Customised for {t.network_name} {t.label}."
            else:
                note = f"Follows the shared post. Edit here to customise it for {t.network_name}."
            self.variant_note.setText(note)
            self.reset_button.setVisible(self.doc.is_overridden(key) and not locked)
        self.editor.set_placeholder(
            "What do you want to share?" if key is SHARED else "Write a version for this account…"
        )
        self.toolbar.sync(self)
        if key is not SHARED:
            index = self.preview.account.findData(key)
            if index >= 0:
                self.preview.account.setCurrentIndex(index)
        self.update_counts()

    def reset_to_shared(self) -> None:
        if self.current is SHARED:
            return
        self.doc.overrides.pop(self.current, None)
        self._mark_tabs()
        self._show_tab(self.current)
        self._touch()

    def _accounts_changed(self, account_ids: list[int]) -> None:
        self.doc.account_ids = [a for a in account_ids if a in self.targets] + [
            a for a in self.doc.locked if a not in account_ids
        ]
        for gone in set(self.doc.overrides) - set(self.doc.account_ids):
            self.doc.overrides.pop(gone)
        self._sync_tabs(self.current if self.current in self.doc.account_ids else SHARED)
        self.preview.set_accounts([self.targets[a] for a in self.doc.account_ids], self.preview.current_account())
        self._touch()

    def _campaign_changed(self) -> None:
        self.doc.campaign = self.bar.campaign.currentData()
        self.update_counts()
        self._touch()

    def campaign_row(self) -> Any | None:
        """The post's campaign (whose UTM tags its links get), or None."""
        return self.campaign_rows.get(self.doc.campaign) if self.doc.campaign else None

    def post_links(self) -> list[str]:
        """Every link in the post (shared text, each account's own, first comment, card link)."""
        texts = [*self.doc.parts, *(t for o in self.doc.overrides.values() for t in (o.parts or []))]
        return utm.links_in([*texts, self.doc.first_comment, self.doc.link])

    def _link_toggled(self, url: str, tagged: bool) -> None:
        skipped = [u for u in self.doc.no_utm if u != url]
        self.doc.no_utm = skipped if tagged else [*skipped, url]
        self.validate_now()
        self._touch(validate=False)

    # --- typing ------------------------------------------------------------------------------------

    def on_text_changed(self) -> None:
        """Runs on every keystroke: store the text, recount, and (re)start the debounce timers."""
        parts = self.editor.parts()
        if self.current is SHARED:
            self.doc.parts = parts
        else:
            before = self.doc.is_overridden(self.current)
            override = self.doc.overrides.setdefault(self.current, Override())
            override.parts = None if parts == self.doc.parts else parts
            if override.parts is None and override.media is None:
                self.doc.overrides.pop(self.current)
            if before != self.doc.is_overridden(self.current):
                self._mark_tabs()
                self._show_note()
        self.update_counts()
        self._touch()

    def _show_note(self) -> None:
        key = self.current
        if key is SHARED or key not in self.targets:
            return
        t = self.targets[key]
        over = self.doc.is_overridden(key)
        self.variant_note.setText(
            f"Customised for {t.network_name} {t.label}."
            if over
            else f"Follows the shared post. Edit here to customise it for {t.network_name}."
        )
        self.reset_button.setVisible(over)

    def update_counts(self) -> None:
        """The counter strip (every selected account) and each part's counter, coloured by level."""
        counts = compose.measure_all(self.doc, self.targets, self.ctx.registry, campaign=self.campaign_row())
        names = Counter(self.targets[a].network_name for a in counts)
        chunks = []
        for account_id, per_part in counts.items():
            t = self.targets[account_id]
            worst = max(per_part, key=lambda c: c.length - c.limit)
            color = style.level_color(worst.level, self)
            short = t.handle.lstrip("@").split("@")[0].split(".")[0]
            name = t.network_name if names[t.network_name] == 1 else f"{t.network_name} ({short})"
            weight = "600" if account_id == self.current else "400"
            chunks.append(
                f'<span style="color:{color}; font-weight:{weight}">{name} {worst.length}/{worst.limit}</span>'
            )
        self.counters.setText(" · ".join(chunks))
        # per part: the tightest account that posts this tab's text
        following = [
            a for a in counts if (a == self.current) or (self.current is SHARED and not self.doc.is_overridden(a))
        ] or ([self.current] if self.current in counts else [])
        labels = []
        for i in range(len(self.editor.boxes)):
            here = [counts[a][i] for a in following if i < len(counts[a])]
            if not here:
                labels.append("")
                continue
            tight = max(here, key=lambda c: c.length - c.limit)
            color = style.level_color(tight.level, self)
            labels.append(f'<span style="color:{color}">{tight.length} / {tight.limit}</span>')
        self.editor.set_counts(labels)

    def _touch(self, *, validate: bool = True) -> None:
        if validate:
            self._validate_timer.start()
        self._autosave_timer.start()

    # --- checking ------------------------------------------------------------------------------------

    def validate_now(self) -> None:
        """Check every variant (debounced after typing) and say why scheduling is refused."""
        self._validate_timer.stop()
        campaign = self.campaign_row()
        self.problems = compose.validate_all(
            self.doc, self.targets, self.ctx.registry, require_alt=self.require_alt, campaign=campaign
        )
        self.links_row.set_links(self.post_links(), self.doc.no_utm, self.doc.campaign if campaign else None)
        lines = []
        if not self.doc.account_ids:
            lines.append("Pick at least one account to post to.")
        for account_id, found in self.problems.items():
            t = self.targets[account_id]
            for p in found:
                where = f" (part {p.part + 1})" if p.part is not None else ""
                lines.append(f"{t.network_name} {t.label}{where}: {p.message}")
        self.bar.set_problems(lines[0] if lines else "")
        self.problems_label.setText(
            "<br>".join(f"• {line}" for line in lines[:4]) + ("<br>…" if len(lines) > 4 else "")
        )
        self.problems_label.setVisible(bool(lines) and not self.doc.is_empty())
        self.update_counts()
        self.update_preview()

    def reason(self) -> str:
        """Why scheduling is refused right now, or empty."""
        self.validate_now()
        return self.bar.schedule.toolTip() if not self.bar.schedule.isEnabled() else ""

    def update_preview(self) -> None:
        ids = self.doc.account_ids
        if [self.preview.account.itemData(i) for i in range(self.preview.account.count())] != ids:
            self.preview.set_accounts([self.targets[a] for a in ids if a in self.targets], self.current)
        account_id = self.preview.current_account()
        target = self.targets.get(account_id) if account_id is not None else None
        if target is None:
            self.preview.show_variant(None, [], [], {})
            return
        campaign = self.campaign_row()
        first_comment = self.doc.first_comment
        if first_comment.strip():
            (first_comment,) = compose.tagged(self.doc, target, [first_comment], campaign)
        self.preview.show_variant(
            target,
            compose.tagged(self.doc, target, self.doc.parts_for(account_id), campaign),
            self.doc.media_for(account_id),
            self.previews,
            first_comment,
        )

    # --- splitting --------------------------------------------------------------------------------------

    def split_at_limit(self) -> None:
        """Re-cut this tab's text into parts that fit the strictest account posting it."""
        following = [
            self.targets[a]
            for a in self.doc.account_ids
            if a == self.current or (self.current is SHARED and not self.doc.is_overridden(a))
        ]
        threaded = [t for t in following if t.threads]
        if not threaded:
            self.show_notice("None of these accounts' networks supports threads.")
            return
        strictest = min(threaded, key=lambda t: t.limits.max_chars)
        provider = self.ctx.registry.get(strictest.network)
        text = "\n\n".join(p.strip() for p in self.editor.parts() if p.strip())
        self.editor.set_parts(compose.auto_split(text, provider, strictest.limits))
        self.on_text_changed()

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
