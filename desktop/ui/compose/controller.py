"""The composer's state and operations, without widgets.

:class:`ComposeController` owns the :class:`~desktop.services.compose.ComposeDoc` being written,
the accounts it may go to, their counts and problems, whether it has unsaved changes, the
validate and autosave timers, and the background operations (load, save, schedule, discard,
store media) run through the TaskRunner. Widgets render from its signals and call its public
methods; none of them reaches into another.

Saving, in words the UI repeats:
- a **new post** (never saved by the user) is saved as a draft a few seconds after each change
  ("Draft saved 10:42"); discarding it deletes that draft;
- a **stored post** (opened from the calendar or the drafts, or saved once by the user) changes
  in the store only when the user saves or schedules it; until then a recovery copy is kept in
  QSettings ("Unsaved changes") and restored if the app is closed;
- opening another post never saves or drops anything silently: the composer asks first.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import regex
from PySide6.QtCore import QObject, QTimer, Signal

from desktop.services import compose, utm
from desktop.services.compose import ComposeDoc, Count, MediaRef, Override, Target, When
from desktop.services.zones import format_local, zone_label
from desktop.ui.changes import POSTS, SNIPPETS, changes
from desktop.ui.compose import recovery
from desktop.ui.compose.media_files import MediaFiles
from desktop.ui.errors import explain

if TYPE_CHECKING:
    from desktop.services.context import AppContext
    from desktop.ui.tasks import TaskRunner
    from providers.base import Problem

_GRAPHEME = regex.compile(r"\X")
VALIDATE_MS = 150
AUTOSAVE_MS = 3000
SHARED = None  # the tab key of the shared text

Key = int | None  # a tab: SHARED or an account id


def _system_zone() -> tzinfo:
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else ZoneInfo("UTC")


class ComposeController(QObject):
    """The post being composed and what can be done with it (see the module doc)."""

    #: Accounts, campaigns, snippets, settings (re)loaded.
    targets_loaded = Signal()
    #: Another document is shown (opened, restored, new): widgets re-render it whole.
    doc_changed = Signal()
    #: Which accounts are customised changed (tab marks, the variant note).
    overrides_changed = Signal()
    #: A tab's media list changed (key).
    media_changed = Signal(object)
    #: Each selected account's part counts: ``dict[int, list[Count]]``.
    counts_changed = Signal(object)
    #: Lines saying why scheduling is refused (empty: ready).
    problems_changed = Signal(list)
    #: A draft was saved (post id).
    saved = Signal(int)
    #: Scheduled / queued / publishing (post id, what to tell the user).
    scheduled = Signal(int, str)
    #: A post finished loading into the composer (post id).
    load_finished = Signal(int)
    #: A save, schedule or load is running.
    busy = Signal(bool)
    #: "Draft saved 10:42", "Unsaved changes", "Saving…" (what the composer says about saving).
    save_state_changed = Signal(str)
    #: A sentence for the notice line ("" clears it).
    notice = Signal(str)
    #: A short confirmation ("Draft saved").
    toast = Signal(str)
    #: The user's zone (IANA name) changed.
    zone_changed = Signal(str)
    #: Thumbnails / previews arrived.
    images_changed = Signal()

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.runner = ctx, runner
        self.doc = ComposeDoc()
        self.targets: dict[int, Target] = {}
        self.campaign_rows: dict[str, Any] = {}  # name -> CampaignRow, for its UTM tags
        self.campaign_names: list[str] = []  # open campaigns, for the picker
        self.snippets: list[Any] = []
        self.problems: dict[int, list[Problem]] = {}
        self.problem_lines: list[str] = []
        self.counts: dict[int, list[Count]] = {}
        self.require_alt = False
        self.zone: tzinfo = _system_zone()
        self.zone_name = zone_label(self.zone)
        self.files = MediaFiles(ctx, runner, self)
        self.files.failed.connect(self.notice)
        self.files.images_changed.connect(self.images_changed)
        #: Edits not yet in the store (a recovery copy may be in QSettings).
        self.dirty = False
        #: The stored post is the user's (opened, or saved by them); False: a new post that only
        #: autosave has stored, which "Discard" deletes.
        self.kept = False
        self.saved_at: datetime | None = None
        self._edits = 0  # bumped on every edit: a save clears ``dirty`` only if none came after it
        self._saving = False
        self._after_save: list[Callable[[], None]] = []
        self._loaded_once = False
        #: (network, limits, campaign, opt-outs) -> (text that was over, where it went over)
        self._over_cache: dict[tuple[object, ...], tuple[str, int]] = {}
        self.validate_timer = self._timer(VALIDATE_MS, self.validate_now)
        self.autosave_timer = self._timer(AUTOSAVE_MS, self.autosave_now)

    def _timer(self, ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # --- loading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload accounts, campaigns, snippets and settings (off the GUI thread)."""
        from desktop.services import campaigns, snippets, zones

        ctx = self.ctx

        def load() -> dict[str, Any]:
            return {
                "targets": compose.list_targets(ctx),
                # archived ones too: a post kept in its archived campaign still gets its tags
                "campaigns": campaigns.list_campaigns(ctx, include_archived=True),
                "snippets": snippets.list_snippets(ctx),
                "require_alt": compose.require_alt_text(ctx),
                "zone": zones.user_zone_name(ctx),
            }

        self.runner.run(load, on_done=self._loaded, name="composer_load", owner=self)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.targets = {t.account_id: t for t in data["targets"]}
        self.require_alt = data["require_alt"]
        self.snippets = list(data["snippets"])
        self.campaign_rows = {c.name: c for c in data["campaigns"]}
        self.campaign_names = [c.name for c in data["campaigns"] if not c.archived]
        self.set_zone(data["zone"])
        self.doc.account_ids = [a for a in self.doc.account_ids if a in self.targets]
        if not self._loaded_once and not self.doc.account_ids and self.doc.is_empty() and len(self.targets) == 1:
            self.doc.account_ids = list(self.targets)  # one account: nothing to choose
        first = not self._loaded_once
        self._loaded_once = True
        self.targets_loaded.emit()
        self.validate_now()
        if first:
            self.restore_unsaved()

    def set_zone(self, name: str) -> None:
        try:
            zone: tzinfo = ZoneInfo(name)
        except (KeyError, ValueError):
            zone = _system_zone()
        if zone_label(zone) != self.zone_name or type(zone) is not type(self.zone):
            self.zone, self.zone_name = zone, zone_label(zone)
            self.zone_changed.emit(self.zone_name)

    def set_doc(self, doc: ComposeDoc, *, kept: bool, dirty: bool = False) -> None:
        """Show ``doc`` (a new post, a restored one, or a post opened for editing)."""
        self.autosave_timer.stop()
        self.doc = doc
        self.doc.account_ids = [a for a in doc.account_ids if not self.targets or a in self.targets]
        self.kept, self.dirty = kept, dirty
        self.saved_at = None
        self._edits += 1
        self.files.load_thumbnails([*doc.media, *(m for o in doc.overrides.values() for m in (o.media or []))])
        self.doc_changed.emit()
        self.validate_now()
        self._say_save_state()

    def restore_unsaved(self) -> None:
        """Reopen what the user was writing when the composer was last left."""
        if not self.doc.is_empty() or self.doc.post_id is not None:
            return  # the user already opened something
        doc = recovery.read_copy()
        if doc is not None:
            self.set_doc(doc, kept=doc.post_id is not None, dirty=True)
            if doc.post_id is not None:
                self.notice.emit("Restored your unsaved changes: save or schedule the post to keep them.")
            return
        draft_id = recovery.remembered_draft()
        if draft_id is not None:
            self._load(draft_id, quiet=True)

    # --- switching posts --------------------------------------------------------------------------

    def needs_asking(self) -> bool:
        """Whether opening another post would lose or keep something the user has not decided on:
        unsaved edits, or a new post only autosave has stored."""
        if self.dirty and not self.doc.is_empty():
            return True
        return self.doc.post_id is not None and not self.kept

    def open_post(self, post_id: int) -> None:
        """Load a stored post to edit it (the caller has asked the user: see Composer.request_switch)."""
        self._load(post_id, quiet=False)

    def _load(self, post_id: int, *, quiet: bool) -> None:
        def done(doc: ComposeDoc) -> None:
            self.busy.emit(False)
            if quiet and (doc.status != "draft" or not self.doc.is_empty() or self.doc.post_id is not None):
                if doc.status != "draft":
                    recovery.forget_draft()
                return
            self._forget_recovery()
            self.notice.emit("")
            self.set_doc(doc, kept=True)
            if doc.status != "draft":
                self.notice.emit(
                    f"Editing a {doc.status.replace('_', ' ')} post. Schedule it again to save your changes."
                )
            self.load_finished.emit(post_id)

        def failed(exc: Exception) -> None:
            self.busy.emit(False)
            if quiet:
                recovery.forget_draft()
            else:
                self.notice.emit(f"The post could not be opened. {explain(exc).sentence}")

        self.busy.emit(True)
        ctx = self.ctx
        self.runner.run(
            lambda: compose.load_post(ctx, post_id), on_done=done, on_error=failed, name="load_post", owner=self
        )

    def new_post(self) -> None:
        """Start over with an empty post (same accounts selected)."""
        self._forget_recovery()
        recovery.forget_draft()
        self.files.warnings.clear()
        self.notice.emit("")
        self.set_doc(ComposeDoc(account_ids=[a for a in self.doc.account_ids if a not in self.doc.locked]), kept=False)

    def discard(self, then: Callable[[], None]) -> None:
        """Drop what is in the composer: a new post only autosave stored is deleted; a stored
        post's unsaved edits are forgotten (the store keeps what was saved). Then ``then()``."""
        self.autosave_timer.stop()
        self._forget_recovery()
        if self.doc.post_id is None or self.kept:
            self.new_post()  # the composer no longer shows what was dropped
            then()
            return
        if self._saving:
            self._after_save.append(lambda: self.discard(then))
            return
        doc = copy.deepcopy(self.doc)
        ctx = self.ctx

        def done(_deleted: bool) -> None:
            self.new_post()
            then()

        def failed(exc: Exception) -> None:
            self.notice.emit(f"The draft was not deleted. {explain(exc).sentence}")

        self.runner.run(
            lambda: compose.discard_draft(ctx, doc),
            on_done=done,
            on_error=failed,
            name="discard_draft",
            owner=self,
            changes=changes(POSTS),
        )

    # --- editing ---------------------------------------------------------------------------------

    def parts(self, key: Key) -> list[str]:
        return list(self.doc.parts) if key is SHARED else self.doc.parts_for(key)

    def media(self, key: Key) -> list[MediaRef]:
        return list(self.doc.media) if key is SHARED else self.doc.media_for(key)

    def set_parts(self, key: Key, parts: Sequence[str]) -> None:
        """A tab's text changed (every keystroke): store it, recount, restart the timers."""
        parts = list(parts)
        if key is SHARED:
            self.doc.parts = parts
        else:
            before = self.doc.is_overridden(key)
            override = self.doc.overrides.setdefault(key, Override())
            override.parts = None if parts == self.doc.parts else parts
            self._drop_empty_override(key)
            if before != self.doc.is_overridden(key):
                self.overrides_changed.emit()
        self.recount()
        self.touch()

    def set_media(self, key: Key, media: list[MediaRef]) -> None:
        if key is SHARED:
            self.doc.media = media
        else:
            override = self.doc.overrides.setdefault(key, Override())
            override.media = None if media == self.doc.media else media
            self._drop_empty_override(key)
            self.overrides_changed.emit()
        self.media_changed.emit(key)
        self.touch()

    def _drop_empty_override(self, key: int) -> None:
        o = self.doc.overrides.get(key)
        if o is not None and o.parts is None and o.media is None:
            self.doc.overrides.pop(key)

    def reset_to_shared(self, key: Key) -> None:
        if key is SHARED or key not in self.doc.overrides:
            return
        self.doc.overrides.pop(key)
        self.overrides_changed.emit()
        self.media_changed.emit(key)
        self.recount()
        self.touch()

    def set_accounts(self, account_ids: Sequence[int]) -> None:
        self.doc.account_ids = [a for a in account_ids if a in self.targets] + [
            a for a in self.doc.locked if a not in account_ids
        ]
        for gone in set(self.doc.overrides) - set(self.doc.account_ids):
            self.doc.overrides.pop(gone)
        self.recount()
        self.touch()

    def set_campaign(self, name: str | None) -> None:
        if name == self.doc.campaign:
            return
        self.doc.campaign = name
        self.recount()
        self.touch()

    def set_first_comment(self, text: str) -> None:
        if text == self.doc.first_comment:
            return
        self.doc.first_comment = text
        self.touch()

    def set_link_tagged(self, url: str, tagged: bool) -> None:
        skipped = [u for u in self.doc.no_utm if u != url]
        self.doc.no_utm = skipped if tagged else [*skipped, url]
        self.validate_now()
        self.touch(validate=False)

    def time_changed(self) -> None:
        self.touch(validate=False)

    def touch(self, *, validate: bool = True) -> None:
        """Something the user changed: unsaved until the next save; (re)start the timers."""
        self._edits += 1
        if not self.dirty:
            self.dirty = True
            self._say_save_state()
        if validate:
            self.validate_timer.start()
        self.autosave_timer.start()

    def split(self, key: Key, parts: Sequence[str]) -> list[str] | None:
        """``parts`` re-cut to fit the strictest threaded account posting this tab's text (None:
        none of them takes threads, said in the notice)."""
        threaded = [t for t in self.following(key) if t.threads]
        if not threaded:
            self.notice.emit("None of these accounts' networks supports threads.")
            return None
        strictest = min(threaded, key=lambda t: t.limits.max_chars)
        provider = self.ctx.registry.get(strictest.network)
        text = "\n\n".join(p.strip() for p in parts if p.strip())
        return compose.auto_split(text, provider, strictest.limits)

    # --- counting and checking -----------------------------------------------------------------------

    def campaign_row(self) -> Any | None:
        """The post's campaign (whose UTM tags its links get), or None."""
        return self.campaign_rows.get(self.doc.campaign) if self.doc.campaign else None

    def post_links(self) -> list[str]:
        """Every link in the post (shared text, each account's own, first comment, card link)."""
        texts = [*self.doc.parts, *(t for o in self.doc.overrides.values() for t in (o.parts or []))]
        return utm.links_in([*texts, self.doc.first_comment, self.doc.link])

    def following(self, key: Key) -> list[Target]:
        """The selected accounts that post the text of tab ``key``."""
        return [
            self.targets[a]
            for a in self.doc.account_ids
            if a in self.targets and (a == key or (key is SHARED and not self.doc.is_overridden(a)))
        ]

    def recount(self) -> None:
        """Each selected account's part lengths (cheap: on every keystroke)."""
        self.counts = compose.measure_all(self.doc, self.targets, self.ctx.registry, campaign=self.campaign_row())
        self.counts_changed.emit(self.counts)

    def over_limit(self, key: Key) -> list[int | None]:
        """For each part of tab ``key``: where its text goes past the limit of the strictest
        account posting it (an index into the part), or None when it fits everywhere. Only the
        parts the counts found over are searched, once per network and limits (accounts on the
        same network count alike)."""
        following = self.following(key) or ([self.targets[key]] if key is not None and key in self.targets else [])
        campaign = self.campaign_row()
        out: list[int | None] = []
        for i, text in enumerate(self.parts(key)):
            over = {
                (t.network, t.limits): t
                for t in following
                if i < len(self.counts.get(t.account_id, [])) and self.counts[t.account_id][i].level == "over"
            }
            starts = []
            for t in over.values():

                def prepare(prefix: str, t: Target = t) -> str:
                    return compose.tagged(self.doc, t, [prefix], campaign)[0]

                found = self._over_limit_from(t, text, prepare)
                if found is not None:
                    starts.append(found)
            out.append(min(starts) if starts else None)
        return out

    def _over_limit_from(self, t: Target, text: str, prepare: Callable[[str], str]) -> int | None:
        """:func:`compose.over_limit_from`, remembered: where a text goes over depends only on the
        text up to the first grapheme past the limit, so typing after it costs no new search."""
        key = (t.network, t.limits, self.doc.campaign, tuple(self.doc.no_utm))
        known = self._over_cache.get(key)
        if known is not None and text.startswith(known[0]):
            return known[1]
        found = compose.over_limit_from(self.ctx.registry.get(t.network), t.limits, text, prepare=prepare)
        if found is not None:
            step = _GRAPHEME.match(text, found)
            self._over_cache[key] = (text[: step.end() if step else found + 1], found)
        return found

    def validate_now(self) -> None:
        """Check every variant and say why scheduling is refused (debounced after typing)."""
        self.validate_timer.stop()
        self.problems = compose.validate_all(
            self.doc, self.targets, self.ctx.registry, require_alt=self.require_alt, campaign=self.campaign_row()
        )
        lines = []
        if not self.doc.account_ids:
            lines.append("Pick at least one account to post to.")
        for account_id, found in self.problems.items():
            t = self.targets[account_id]
            for p in found:
                where = f" (part {p.part + 1})" if p.part is not None else ""
                lines.append(f"{t.network_name} {t.label}{where}: {p.message}")
        self.problem_lines = lines
        self.recount()
        self.problems_changed.emit(lines)

    def refusal_hint(self) -> str:
        """One line on what to do about the problems listed under the editor."""
        n = sum(len(p) for p in self.problems.values()) or 1
        first = "fix the problem listed below" if n == 1 else f"fix the {n} problems listed below"
        too_long = [a for a, found in self.problems.items() if any(p.code == "too_long" for p in found)]
        if too_long and all(self.targets[a].threads for a in too_long):
            return f"{first}. Tip: “Split at limit” turns a long text into a thread."
        return f"{first}."

    # --- saving ----------------------------------------------------------------------------------------

    def _say_save_state(self) -> None:
        self.save_state_changed.emit(self.save_state())

    def save_state(self) -> str:
        """What the composer says about saving; every word is what the code does."""
        if self._saving:
            return "Saving…"
        if self.dirty and not self.doc.is_empty():
            if self.kept:
                return "Unsaved changes"
            return "Not saved yet" if self.doc.post_id is None else "Unsaved changes (saving shortly)"
        if self.saved_at is not None:
            return f"Draft saved {format_local(self.saved_at, '%H:%M', self.zone)}"
        return ""

    def autosave_now(self) -> None:
        """A new post is saved as a draft; a stored post's edits go to a recovery copy only."""
        self.autosave_timer.stop()
        if self.doc.is_empty() and self.doc.post_id is None:
            return
        if self.kept:
            self._write_recovery()
            return
        self._save(lambda _id: None, explicit=False)

    def flush_autosave(self) -> None:
        """The page is being left or the app quits with an autosave pending: a recovery copy in
        QSettings at once, and a new post's draft in the background."""
        if self.autosave_timer.isActive():
            self._write_recovery()
            self.autosave_now()

    def _write_recovery(self) -> None:
        recovery.keep_copy(self.doc)

    def _forget_recovery(self) -> None:
        recovery.forget_copy()

    def save_draft(self, then: Callable[[int], None] | None = None) -> None:
        """The user saves the post as a draft (a scheduled post comes off the schedule)."""
        self.autosave_timer.stop()
        if self.doc.status != "draft":
            self.doc.status = "draft"

        def saved(post_id: int) -> None:
            self.toast.emit("Draft saved")
            if then is not None:
                then(post_id)

        self._save(saved, explicit=True)

    def _save(self, then: Callable[[int], None], *, explicit: bool) -> None:
        if self._saving:  # one save at a time, so a new post is never created twice
            self._after_save.append(lambda: self._save(then, explicit=explicit))
            return
        self._saving = True
        self.busy.emit(True)
        self._say_save_state()
        doc = copy.deepcopy(self.doc)
        edits = self._edits
        ctx = self.ctx

        def done(post_id: int) -> None:
            self._saving = False
            self.busy.emit(False)
            if self.doc.post_id is None and doc.post_id is None:
                self.doc.post_id = post_id
            if self.doc.post_id == post_id:
                self.doc.versions = dict(doc.versions)  # what this save wrote: the next save builds on it
                self.kept = self.kept or explicit
                self.saved_at = datetime.now(self.zone)
                if self._edits == edits:
                    self.dirty = False
                    self._forget_recovery()
            recovery.remember_draft(post_id)
            self._say_save_state()
            self.saved.emit(post_id)
            then(post_id)
            self._drain()

        def failed(exc: Exception) -> None:
            self._saving = False
            self.busy.emit(False)
            self._say_save_state()
            self.notice.emit(f"The draft could not be saved. {explain(exc).sentence}")
            self._drain()

        self.runner.run(
            lambda: compose.save_draft(ctx, doc),
            on_done=done,
            on_error=failed,
            name="save_draft",
            owner=self,
            changes=changes(POSTS),
        )

    def _drain(self) -> None:
        waiting, self._after_save = self._after_save, []
        for fn in waiting:
            fn()

    def schedule(self, when: When) -> bool:
        """Schedule (or queue, or publish now) every variant; False (and the reason shown) when
        the post would be refused."""
        self.validate_now()
        if self.problem_lines:
            self.notice.emit(f"Not scheduled yet — {self.refusal_hint()}")
            return False
        if self._saving:

            def later() -> None:
                self.schedule(when)

            self._after_save.append(later)
            return True
        self.autosave_timer.stop()
        self._saving = True
        self.busy.emit(True)
        doc = copy.deepcopy(self.doc)
        ctx = self.ctx

        def done(post_id: int) -> None:
            self._saving = False
            self.busy.emit(False)
            what = "Publishing now" if when.now else "Added to the queue" if when.next_slot else "Scheduled"
            if when.at is not None:
                what += f" for {format_local(when.at, '%a %d %b, %H:%M', self.zone)} ({self.zone_name})"
            n = len(doc.account_ids)
            self.dirty = False
            self.new_post()
            self.scheduled.emit(post_id, f"✓ {what} on {n} account{'s' if n != 1 else ''}")
            self._drain()

        def failed(exc: Exception) -> None:
            self._saving = False
            self.busy.emit(False)
            self._say_save_state()
            self.notice.emit(f"Not scheduled — {explain(exc).sentence}")
            self._drain()

        self.runner.run(
            lambda: compose.schedule(ctx, doc, when),
            on_done=done,
            on_error=failed,
            name="schedule",
            owner=self,
            changes=changes(POSTS),
        )
        return True

    # --- media -------------------------------------------------------------------------------------------

    def add_files(self, key: Key, paths: Sequence[Path]) -> None:
        """Copy files into the data dir and thumbnail them off the GUI thread, then attach them
        to tab ``key`` (checked against every account posting it)."""
        self.files.store(paths, lambda ref: self._stored(key, ref))

    def _stored(self, key: Key, ref: MediaRef) -> None:
        targets = [self.targets[a] for a in self.doc.account_ids if (key is None or a == key) and a in self.targets]
        refused = compose.check_media(ref, targets, self.ctx.registry)
        name = ref.name or ref.path.name
        if targets and len(refused) == len(targets):
            first = next(iter(refused.values()))[0]
            self.notice.emit(f"Not added — {first.message}")
            return
        media = self.media(key)
        if any(m.path == ref.path for m in media):
            self.notice.emit(f"{name} is already attached.")
            return
        if refused:
            who = ", ".join(f"{self.targets[a].network_name} {self.targets[a].label}" for a in refused)
            reason = next(iter(refused.values()))[0].message
            self.files.warnings[str(ref.path)] = reason
            self.notice.emit(f"{name} won't work for {who}: {reason} Give that account its own media in its tab.")
        else:
            self.notice.emit("")
        self.set_media(key, [*media, ref])

    def set_alt(self, key: Key, row: int, text: str) -> None:
        media = self.media(key)
        media[row] = replace(media[row], alt_text=text.strip())
        self.set_media(key, media)

    def remove_media(self, key: Key, row: int) -> None:
        media = self.media(key)
        if 0 <= row < len(media):
            media.pop(row)
            self.set_media(key, media)

    # --- snippets ------------------------------------------------------------------------------------------

    def change_snippets(self, change: Callable[[], object], then: Callable[[list[Any]], None]) -> None:
        """Add or remove a snippet off the GUI thread, then hand back the new list."""
        from desktop.services import snippets

        ctx = self.ctx

        def work() -> list[Any]:
            change()
            return snippets.list_snippets(ctx)

        def done(found: list[Any]) -> None:
            self.snippets = found
            then(found)

        def failed(exc: Exception) -> None:
            self.notice.emit(explain(exc).sentence)

        self.runner.run(
            work,
            on_done=done,
            on_error=failed,
            name="snippets",
            owner=self,
            changes=changes(SNIPPETS),
        )
