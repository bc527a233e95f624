"""Bulk import of posts from a CSV file: read and check every row first, then save.

:func:`parse_csv` reads the file (UTF-8 with or without BOM, ``,`` ``;`` or tab delimited,
quoted newlines) and checks each row against the store and the networks' rules, offline,
saving nothing. :func:`apply_import` then schedules the rows in one transaction: all or
nothing, unless the caller asks for the valid rows only. Columns are documented in
docs/csv-import.md.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from desktop.services import app_settings, transitions, utm
from desktop.services import posts as post_svc
from desktop.services.accounts import AccountNotFound
from desktop.services.media import MediaError, StoredMedia, describe_media, store_media
from desktop.services.posts import PAST_TOLERANCE, MediaSpec, PostError, PostRow, VariantRow
from desktop.services.slots import next_free_slot
from desktop.services.zones import iso_utc, user_zone, user_zone_name
from desktop.store.database import BUSY, db_error_kind, describe_db_error, sqlite_path
from desktop.store.models import (
    Account,
    Attachment,
    Campaign,
    Post,
    Variant,
    VariantState,
    new_idempotency_key,
    utcnow,
)
from providers.base import Limits, MediaItem, PostPart, PostRequest, Provider
from providers.registry import UnknownNetwork

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext

log = logging.getLogger(__name__)

#: Column names as found in the header (lower case, ``_``/``-`` read as spaces) → field.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("text", "message", "body", "content", "post"), "text"),
    **dict.fromkeys(("accounts", "account", "targets", "profiles", "channels"), "accounts"),
    **dict.fromkeys(("time", "when", "date", "datetime", "scheduled at", "publish at"), "time"),
    **dict.fromkeys(("media", "media paths", "media path", "images", "image", "files", "attachments"), "media"),
    **dict.fromkeys(("alt text", "alt", "alt texts", "image description"), "alt"),
    "campaign": "campaign",
    **dict.fromkeys(("link", "url"), "link"),
    **dict.fromkeys(("no utm", "untagged links"), "no_utm"),
}
REQUIRED = ("text", "accounts")
DELIMITERS = ",;\t"
TIME_HELP = "use 2026-12-01 09:30, 2026-12-01T09:30+01:00 or 01/12/2026 09:30 (day first)"
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


class CsvFileError(Exception):
    """The file as a whole cannot be read as an import (encoding, header); no row was checked."""


@dataclass(frozen=True)
class Target:
    """One account a row goes to, and when (UTC)."""

    account_id: int
    network: str
    handle: str
    at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "network": self.network,
            "handle": self.handle,
            "scheduled_at": iso_utc(self.at),
        }


@dataclass(frozen=True)
class ImportRow:
    """One record of the file: ``line`` is the physical line it starts on (header = line 1)."""

    line: int
    text: str
    targets: tuple[Target, ...]
    from_queue: bool  # the time column was empty: each account's next free slot
    media: tuple[MediaSpec, ...]
    campaign: str | None
    link: str
    errors: tuple[str, ...]
    raw_accounts: str = ""  # the cells as written, to show a row whose values could not be read
    raw_time: str = ""
    at: datetime | None = None  # the time column, read (None: empty or unreadable)
    #: Each media file as read from its content (type, size, pixels), in the order of ``media``.
    media_items: tuple[MediaItem, ...] = ()
    #: Links of the text left without the campaign's UTM tags.
    no_utm: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def first_time(self) -> datetime | None:
        return min((t.at for t in self.targets if t.at is not None), default=self.at)


@dataclass(frozen=True)
class ImportPlan:
    path: Path
    delimiter: str
    rows: tuple[ImportRow, ...]
    ignored_columns: tuple[str, ...] = ()
    zone: ZoneInfo | None = None  # local times were read (and are best shown) in this zone; None: system's

    @property
    def valid(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]

    def summary(self) -> str:
        """ "12 rows: 10 ready, 2 with problems" """
        n, bad = len(self.rows), len(self.invalid)
        head = f"{n} row{'s' if n != 1 else ''}"
        if not bad:
            return f"{head}, all ready"
        return f"{head}: {n - bad} ready, {bad} with problem{'s' if bad != 1 else ''}"


@dataclass(frozen=True)
class ImportedRow:
    line: int
    post: PostRow


@dataclass(frozen=True)
class ImportResult:
    imported: tuple[ImportedRow, ...]
    rejected: tuple[tuple[int, tuple[str, ...]], ...]  # (line, errors)
    total: int

    @property
    def ok(self) -> bool:
        return not self.rejected


# --- reading the file ------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvFileError(
            f"{path.name} is not UTF-8 text: byte {exc.start} (line {line}) is 0x{data[exc.start]:02x}. "
            'In Excel, save it with "Save as… → CSV UTF-8 (Comma delimited)".'
        ) from None


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(text[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ","
    if found in header:
        return found
    # The Sniffer guessed from the body (e.g. commas inside texts); the header is the better witness.
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column_key(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _records(path: Path) -> tuple[str, dict[str, int], list[str], list[tuple[int, list[str]]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = _decode(data, path)
    if not text.strip():
        raise CsvFileError(f"{path.name} is empty.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    columns: dict[str, int] = {}
    ignored = []
    for i, name in enumerate(header):
        key = ALIASES.get(_column_key(name))
        if key is None or key in columns:
            if name.strip():
                ignored.append(name.strip())
            continue
        columns[key] = i
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "nothing"
        raise CsvFileError(
            f"the header row of {path.name} has no {' or '.join(repr(m) for m in missing)} column "
            f"(found {found}). Expected: text, accounts, time, media, alt text, campaign, link."
        )
    records = []
    previous_end = reader.line_num
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if any(c.strip() for c in cells):  # skip blank lines and Excel's ";;;;" rows
                records.append((start, cells))
    except csv.Error as exc:
        raise CsvFileError(f"{path.name}, line {reader.line_num}: {exc}") from None
    return delimiter, columns, ignored, records


# --- checking one row --------------------------------------------------------------------------


def parse_time(value: str, zone: ZoneInfo | None) -> datetime:
    """ISO 8601 with an offset, or a local time in ``zone`` (ISO or day-first ``DD/MM/YYYY HH:MM``)."""
    text = value.strip()
    m = _DAY_FIRST.match(text)
    try:
        if m:
            day, month, year, hour, minute, second = (int(g or 0) for g in m.groups())
            parsed = datetime(year, month, day, hour, minute, second)
        else:
            if len(text) < 16 or text[10] not in " Tt":  # a date alone is not a time
                raise ValueError
            parsed = datetime.fromisoformat(text[:10] + "T" + text[11:].replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad date format {value!r}: {TIME_HELP}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone) if zone is not None else parsed.astimezone()
    return parsed.astimezone(UTC)


def _split(value: str, *, spaces: bool = False) -> list[str]:
    parts = re.split(r"[|\s]+" if spaces else r"\|", value)
    return [p.strip() for p in parts if p.strip()]


@dataclass
class _Directory:
    """What every row is checked against, read once per plan: accounts, their networks' rules,
    campaigns, the alt-text setting, and each media file (by path)."""

    accounts: list[Account]
    campaigns: dict[str, str]  # lower-case name → name (campaigns open to new posts)
    base: Path  # the CSV's folder: relative media paths start here
    utm: dict[str, dict[str, str]] = field(default_factory=dict)  # lower-case name → its UTM fields
    allow_media_anywhere: bool = False
    require_alt: bool = False
    slots_taken: dict[int, set[datetime]] = field(default_factory=dict)
    networks: dict[int, tuple[Provider, Limits] | str] = field(default_factory=dict)
    media: dict[Path, MediaItem | str] = field(default_factory=dict)
    archived: set[str] = field(default_factory=set)  # lower-case names of archived campaigns

    def network(self, ctx: AppContext, account: Account) -> tuple[Provider, Limits] | str:
        found = self.networks.get(account.id)
        if found is None:
            try:
                provider = ctx.registry.get(account.provider)
            except UnknownNetwork:
                found = f"{account.handle}: the {account.provider} plugin is not installed"
            else:
                found = provider, Limits.from_json(account.limits) if account.limits else provider.info.limits
            self.networks[account.id] = found
        return found

    def media_path(self, raw: str) -> Path | str:
        """Where the media cell ``raw`` points (resolved), or why it may not be used."""
        path = Path(raw).expanduser()
        resolved = (path if path.is_absolute() else self.base / path).resolve()
        if not self.allow_media_anywhere and not resolved.is_relative_to(self.base.resolve()):
            where = "is an absolute path" if path.is_absolute() else "points"
            return (
                f"media {raw!r} {where} outside the CSV file's folder; move the file next to the CSV "
                "(or into a folder beside it), or allow media from anywhere (--allow-media-anywhere)"
            )
        return resolved

    def describe(self, path: Path) -> MediaItem | str:
        """The file's type, size and dimensions, read from its content (once per path)."""
        found = self.media.get(path)
        if found is None:
            try:
                found = describe_media(path)
            except MediaError as exc:
                found = str(exc)
            self.media[path] = found
        return found

    def find(self, token: str) -> Account | str:
        if token.isdigit():
            hit = [a for a in self.accounts if a.id == int(token)]
        else:
            network, sep, handle = token.partition(":")
            if not sep or not re.fullmatch(r"[A-Za-z][\w-]*", network):  # "@me@host:8080" is a handle
                network, handle = "", token
            want = handle.lstrip("@").lower()
            pool = [a for a in self.accounts if not network or a.provider == network.lower()]
            hit = [a for a in pool if a.handle.lstrip("@").lower() == want]
            if not hit and "@" not in want:  # "alice" for "@alice@example.social"
                hit = [a for a in pool if a.handle.lstrip("@").lower().split("@")[0] == want]
        if len(hit) == 1:
            return hit[0]
        if not hit:
            return f"unknown account {token!r}"
        choices = " or ".join(f"{a.provider}:{a.handle}" for a in hit)
        return f"account {token!r} is ambiguous: write {choices}"


def _utm_fields(s: Session) -> dict[int, dict[str, str]]:
    """Each campaign's name and UTM fields, by id (what utm.params_for reads)."""
    return {
        c.id: {"name": c.name, **{k: getattr(c, f"utm_{k}") or "" for k in utm.UTM_KEYS}}
        for c in s.scalars(select(Campaign))
    }


def _tagged_request(
    text: str, media: tuple[MediaItem, ...], link: str, network: str, campaign: Any | None, no_utm: Sequence[str]
) -> PostRequest:
    """The one-part request as it goes to ``network``: with the campaign's UTM tags, if any."""
    if campaign is not None:
        params = utm.params_for(campaign, network)
        text = utm.tag_text(text, params, skip=no_utm)
        if link and link not in no_utm:
            link = utm.tag_url(link, params)
    return PostRequest(parts=(PostPart(text=text, media=media),), link=link or None)


def _check_text(
    ctx: AppContext,
    d: _Directory,
    row_text: str,
    accounts: list[Account],
    media: tuple[MediaItem, ...],
    campaign: Any | None = None,
    no_utm: Sequence[str] = (),
) -> list[str]:
    """Length, media and alt-text rules, as each target's network (and the user's settings) say,
    on the text as it goes out (links tagged with ``campaign``'s UTM fields)."""
    errors = []
    for account in accounts:
        found = d.network(ctx, account)
        if isinstance(found, str):
            errors.append(found)
            continue
        provider, limits = found
        request = _tagged_request(row_text, media, "", account.provider, campaign, no_utm)
        check = post_svc.check_variant(provider, limits, request, account_id=account.id, handle=account.handle)
        problems = list(check.problems)
        if d.require_alt:
            problems.extend(post_svc.alt_text_problems(request, provider))
        for problem in problems:
            lead = "text too long for " if problem.code == "too_long" else ""
            errors.append(f"{lead}{provider.info.name} ({account.handle}): {problem.message}")
    return errors


def _check_row(
    ctx: AppContext,
    s: Session,
    d: _Directory,
    line: int,
    cell: dict[str, str],
    zone: ZoneInfo | None,
    now: datetime,
) -> ImportRow:
    errors: list[str] = []
    text = cell.get("text", "")
    accounts: list[Account] = []
    for token in _split(cell.get("accounts", ""), spaces=True):
        found = d.find(token)
        if isinstance(found, str):
            errors.append(found)
        elif found in accounts:
            errors.append(f"account {token!r} is listed twice")
        else:
            accounts.append(found)
    if not accounts and not errors:
        errors.append("no account: name at least one in the accounts column")

    targets: list[Target] = []
    raw_time = cell.get("time", "").strip()
    when: datetime | None = None
    if raw_time:
        try:
            when = parse_time(raw_time, zone)
        except ValueError as exc:
            errors.append(str(exc))
        else:
            if when < now - PAST_TOLERANCE:
                local = when.astimezone(zone)  # None: the system's zone
                errors.append(f"time {local:%Y-%m-%d %H:%M} ({local.tzname()}) is in the past")
    for account in accounts:
        at = when
        if not raw_time:
            taken = d.slots_taken.setdefault(account.id, set())
            at = next_free_slot(s, account.id, now)
            while at is not None and at in taken:  # a slot an earlier row of this file already took
                at = next_free_slot(s, account.id, at)
            if at is None:
                errors.append(
                    f"no time given, and {account.handle} has no free queue slot in the next 8 weeks: "
                    "give a time or add queue slots"
                )
        if at is not None:
            d.slots_taken.setdefault(account.id, set()).add(at)
        targets.append(Target(account.id, account.provider, account.handle, at))

    paths = _split(cell.get("media", ""))
    alts = [a.strip() for a in cell.get("alt", "").split("|")] if cell.get("alt", "").strip() else []
    if len(alts) > len(paths):
        errors.append(f"{len(alts)} alt texts for {len(paths)} media file{'s' if len(paths) != 1 else ''}")
    media: list[MediaSpec] = []
    items: list[MediaItem] = []
    for i, raw in enumerate(paths):
        alt = alts[i] if i < len(alts) else ""
        path = d.media_path(raw)
        if isinstance(path, str):
            errors.append(path)
        elif not path.is_file():
            errors.append(f"missing file {raw!r}")
        else:
            item = d.describe(path)
            if isinstance(item, str):
                errors.append(f"media {raw!r}: {item}")
            else:
                media.append(MediaSpec(path, alt))
                items.append(replace(item, alt_text=alt))

    campaign = cell.get("campaign", "").strip() or None
    if campaign is not None:
        if campaign.lower() in d.archived:
            errors.append(f"campaign {campaign!r} is archived (unarchive it first)")
        elif campaign.lower() not in d.campaigns:
            errors.append(f"unknown campaign {campaign!r} (create it first)")
        else:
            campaign = d.campaigns[campaign.lower()]
    link = cell.get("link", "").strip()
    if link and not re.match(r"^https?://\S+$", link, re.IGNORECASE):
        errors.append(f"link {link!r} is not a web address (start it with https://)")
    no_utm = tuple(_split(cell.get("no_utm", ""), spaces=True))
    present = set(utm.links_in([text, link]))
    for url in no_utm:
        if url not in present:
            errors.append(f"no utm link {url!r} is not a link in the text (write it exactly as in the text)")

    if accounts and len(media) == len(paths):  # length and media rules, as each network counts
        fields = d.utm.get(campaign.lower()) if campaign else None
        errors.extend(_check_text(ctx, d, text, accounts, tuple(items), fields, no_utm))
    return ImportRow(
        line=line,
        text=text,
        targets=tuple(targets),
        from_queue=not raw_time,
        media=tuple(media),
        media_items=tuple(items),
        campaign=campaign,
        link=link,
        no_utm=no_utm,
        errors=tuple(errors),
        raw_accounts=cell.get("accounts", "").strip(),
        raw_time=raw_time,
        at=when,
    )


def parse_csv(
    ctx: AppContext, path: str | Path, *, clock: datetime | None = None, allow_media_anywhere: bool = False
) -> ImportPlan:
    """Read ``path`` and check every row; nothing is saved. Raises :class:`CsvFileError` when the
    file as a whole is unreadable (not UTF-8, no header with text and accounts columns).

    Media paths are read relative to the file's folder and must stay inside it (no ``..`` out of
    it, no absolute path elsewhere) unless ``allow_media_anywhere``; each file is judged by its
    content (type, size, pixels, duration) against every target network's limits."""
    path = Path(path)
    now = clock or utcnow()
    delimiter, columns, ignored, records = _records(path)
    zone = user_zone(ctx)
    rows = []
    with ctx.session() as s:
        d = _Directory(
            accounts=list(s.scalars(select(Account).order_by(Account.id))),
            campaigns={n.lower(): n for n in s.scalars(select(Campaign.name).where(Campaign.archived.is_(False)))},
            archived={n.lower() for n in s.scalars(select(Campaign.name).where(Campaign.archived.is_(True)))},
            utm={f["name"].lower(): f for f in _utm_fields(s).values()},
            base=path.parent,
            allow_media_anywhere=allow_media_anywhere,
            require_alt=bool(app_settings.get(ctx, post_svc.REQUIRE_ALT_TEXT)),
        )
        for line, cells in records:
            cell = {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}
            rows.append(_check_row(ctx, s, d, line, cell, zone, now))
    return ImportPlan(path=path, delimiter=delimiter, rows=tuple(rows), ignored_columns=tuple(ignored), zone=zone)


# --- saving ------------------------------------------------------------------------------------

#: Rows saved per transaction. Each batch holds the database's write lock for a fraction of a
#: second, so a publishing pass (GUI timer or the OS job) waits at most that long.
BATCH_ROWS = 250
#: An import whose newest row is older than this, and still unreleased, died (killed, power cut).
ABANDONED_AFTER = timedelta(hours=1)

#: ``progress(saved, total)``: called from the importing thread after each committed batch.
Progress = Callable[[int, int], None]


class ImportFailed(Exception):
    """The import stopped and its rows were taken back out; nothing of it was kept. The message
    is one sentence for the user; ``retryable`` when trying again in a moment should work (the
    database was busy)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class ImportCancelled(ImportFailed):
    """The user cancelled: the rows saved so far were taken back out."""

    def __init__(self) -> None:
        super().__init__("Import cancelled; nothing was imported.")


class _RowRefused(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class _Network:
    provider: Provider
    limits: Limits
    network: str
    handle: str


@dataclass
class _Saver:
    """Saves rows for one import job, many per statement. What every row needs is read once per
    import (accounts and their networks' rules, campaigns, the alt-text setting) and each media
    file is stored once (``media``, filled as batches commit).

    The rules are those of :func:`desktop.services.posts.schedule_post`, through the same
    functions (``check_when``, ``check_request``, ``no_campaign``); only the writing is
    batched (one INSERT … RETURNING per table and batch instead of two ORM flushes per row,
    which made 50,000 rows take minutes)."""

    ctx: AppContext
    job: str
    zone_name: str
    now: datetime
    campaigns: dict[str, int]  # lower-case name → id
    require_alt: bool
    utm: dict[int, dict[str, str]] = field(default_factory=dict)  # campaign id → its UTM fields
    networks: dict[int, _Network | str] = field(default_factory=dict)  # account id → rules, or why not
    media: dict[Path, StoredMedia] = field(default_factory=dict)

    @classmethod
    def start(cls, ctx: AppContext, job: str, zone_name: str, now: datetime) -> _Saver:
        with ctx.session() as s:
            campaigns = {
                name.lower(): cid
                for cid, name in s.execute(select(Campaign.id, Campaign.name).where(Campaign.archived.is_(False)))
            }
            fields = _utm_fields(s)
        require_alt = bool(app_settings.get(ctx, post_svc.REQUIRE_ALT_TEXT))
        return cls(ctx, job, zone_name, now, campaigns, require_alt, utm=fields)

    def _network(self, s: Session, account_id: int) -> _Network:
        found = self.networks.get(account_id)
        if found is None:
            account = s.get(Account, account_id)
            if account is None:
                found = str(AccountNotFound(account_id))
            else:
                try:
                    provider = self.ctx.registry.get(account.provider)
                except UnknownNetwork:
                    found = f"{account.handle}: the {account.provider} plugin is not installed"
                else:
                    limits = Limits.from_json(account.limits) if account.limits else provider.info.limits
                    found = _Network(provider, limits, account.provider, account.handle)
            self.networks[account_id] = found
        if isinstance(found, str):
            raise PostError(found)
        return found

    def _check(self, s: Session, row: ImportRow) -> int | None:
        """Refuse ``row`` (PostError) as schedule_post would; its campaign's id."""
        ids = [t.account_id for t in row.targets]
        post_svc.check_when(post_svc.When(at_for={t.account_id: t.at for t in row.targets if t.at}), ids, self.now)
        campaign_id = None
        if row.campaign:
            campaign_id = self.campaigns.get(row.campaign.lower())
            if campaign_id is None:
                raise post_svc.no_campaign(row.campaign)
        post_svc.check_no_utm(row.no_utm, [row.text, row.link])
        campaign = self.utm.get(campaign_id) if campaign_id is not None else None
        checks = []
        for target in row.targets:
            net = self._network(s, target.account_id)
            request = _tagged_request(row.text, row.media_items, row.link, target.network, campaign, row.no_utm)
            checks.append(
                post_svc.check_request(
                    net.provider,
                    net.limits,
                    request,
                    account_id=target.account_id,
                    handle=net.handle,
                    require_alt=self.require_alt,
                )
            )
        if any(not c.ok for c in checks):
            raise post_svc.PostRejected(checks)
        return campaign_id

    def save_batch(self, batch: Sequence[ImportRow]) -> list[tuple[int, PostRow]]:
        """Save ``batch`` in one short transaction, every post held for the job. A refused row
        raises :class:`_RowRefused` and the batch's transaction rolls back."""
        if not batch:
            return []  # an INSERT of no rows would write one row of defaults
        created = utcnow()
        stored_now: dict[Path, StoredMedia] = {}
        posts: list[dict[str, Any]] = []
        campaign_ids: list[int | None] = []
        with self.ctx.session() as s:
            for row in batch:
                try:
                    campaign_ids.append(self._check(s, row))
                    for spec in row.media:  # only once the row passed: nothing refused is copied
                        if spec.path not in self.media and spec.path not in stored_now:
                            stored_now[spec.path] = store_media(self.ctx, s, spec.path, spec.alt_text)
                except (PostError, MediaError) as exc:
                    raise _RowRefused(row.line, str(exc)) from exc
                posts.append(
                    {
                        "text": row.text,
                        "thread": [],
                        "campaign_id": campaign_ids[-1],
                        "link": row.link,
                        "no_utm": list(row.no_utm),
                        "timezone": self.zone_name,
                        "import_job": self.job,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            # Plain executemany, then the ids read back: RETURNING with a guaranteed order makes
            # SQLAlchemy send one INSERT per row on SQLite. This transaction holds the write
            # lock, so the job's newest len(batch) posts are this batch's, in insertion order.
            s.execute(insert(Post), posts)
            newest = select(Post.id).where(Post.import_job == self.job).order_by(Post.id.desc()).limit(len(posts))
            post_ids = sorted(s.scalars(newest))
            media = {**self.media, **stored_now}
            variants: list[dict[str, Any]] = []
            attachments: list[dict[str, Any]] = []
            for post_id, row in zip(post_ids, batch, strict=True):
                variants.extend(
                    {
                        "post_id": post_id,
                        "account_id": t.account_id,
                        "state": VariantState.IMPORTING,
                        "scheduled_at": t.at,
                        "idempotency_key": new_idempotency_key(),
                        "created_at": created,
                        "updated_at": created,
                    }
                    for t in row.targets
                )
                attachments.extend(
                    {
                        "post_id": post_id,
                        "media_id": media[spec.path].id,
                        "alt_text": spec.alt_text,
                        "position": position,
                        "part": 0,
                    }
                    for position, spec in enumerate(row.media)
                )
            s.execute(insert(Variant), variants)
            variant_id = {
                (post_id, account_id): vid
                for vid, post_id, account_id in s.execute(
                    select(Variant.id, Variant.post_id, Variant.account_id).where(Variant.post_id.in_(post_ids))
                )
            }
            if attachments:
                s.execute(insert(Attachment), attachments)
        self.media.update(stored_now)  # committed: later batches may use these rows
        saved = []
        for post_id, row in zip(post_ids, batch, strict=True):
            rows = tuple(
                VariantRow(
                    id=variant_id[post_id, t.account_id],
                    post_id=post_id,
                    account_id=t.account_id,
                    network=t.network,
                    handle=t.handle,
                    state=VariantState.SCHEDULED.value,  # as it reads once the import is released
                    scheduled_at=t.at,
                    published_at=None,
                    remote_id="",
                    url="",
                    error="",
                    attempts=0,
                    text=row.text,
                )
                for t in row.targets
            )
            post = PostRow(post_id, row.text, row.campaign, "scheduled", created, rows)
            saved.append((row.line, post))
        return saved


def _discard(ctx: AppContext, job: str) -> None:
    """Take a stopped import's rows back out. If even that fails (the disk went away), the rows
    stay invisible and :func:`discard_abandoned_imports` removes them at a later start."""
    try:
        with ctx.session() as s:
            transitions.discard_import(s, job)
    except SQLAlchemyError:
        log.warning("could not discard import %s now; it will be discarded at a later start", job)


def apply_import(
    ctx: AppContext,
    plan: ImportPlan,
    *,
    valid_only: bool = False,
    clock: datetime | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportResult:
    """Schedule the plan's rows, one post per row and one variant per account: all of them, or
    (with problems in the plan and not ``valid_only``) none.

    Rows are saved in short transactions of ``batch_rows``, each post tagged with this import's
    job id and its variants in ``importing``, where neither the publisher nor any list sees them;
    one conditional UPDATE at the end releases them all at once. So publishing never waits for
    more than one batch, and a failed, cancelled or killed import takes back only its own rows.

    A row that the store refuses at save time (e.g. its time passed while the user looked at the
    preview) is rejected like a bad row: the whole import is taken back, or, with ``valid_only``,
    the row is skipped (only its batch is saved again). ``progress(saved, total)`` is called after
    each batch; ``cancelled()`` is asked before each. Raises :class:`ImportFailed` (nothing kept;
    :class:`ImportCancelled` when cancelled) when the database fails, e.g. stays busy.
    """
    rejected: dict[int, tuple[str, ...]] = {r.line: r.errors for r in plan.invalid}
    pending = plan.valid
    imported: list[ImportedRow] = []
    if pending and (valid_only or not rejected):
        discard_abandoned_imports(ctx)
        job = uuid.uuid4().hex
        saver = _Saver.start(ctx, job, user_zone_name(ctx), clock or utcnow())
        saved: list[tuple[int, PostRow]] = []
        total = len(pending)
        try:
            if progress is not None:
                progress(0, total)
            for start in range(0, len(pending), batch_rows):
                if cancelled is not None and cancelled():
                    raise ImportCancelled
                batch = pending[start : start + batch_rows]
                while batch:  # (empty once every row of it was refused)
                    try:
                        saved.extend(saver.save_batch(batch))
                        break
                    except _RowRefused as exc:
                        rejected[exc.line] = (exc.reason,)
                        if not valid_only:
                            break
                        batch = [r for r in batch if r.line != exc.line]
                if rejected and not valid_only:
                    break
                if progress is not None:
                    progress(min(start + batch_rows, total), total)
            if rejected and not valid_only:
                _discard(ctx, job)
                saved = []
            elif saved:
                with ctx.session() as s:
                    transitions.release_import(s, job)
        except SQLAlchemyError as exc:
            _discard(ctx, job)
            kind = db_error_kind(exc)
            raise ImportFailed(
                f"Nothing was imported: {describe_db_error(exc, sqlite_path(ctx.db.url))}", retryable=kind == BUSY
            ) from None
        except BaseException:  # cancelled, Ctrl+C, a bug: nothing of this import may stay behind
            _discard(ctx, job)
            raise
        imported = [ImportedRow(line, post) for line, post in saved]
    return ImportResult(
        imported=tuple(imported),
        rejected=tuple(sorted(rejected.items())),
        total=len(plan.rows),
    )


def discard_abandoned_imports(ctx: AppContext, *, clock: datetime | None = None) -> int:
    """Take out the rows of imports that died before releasing them (the process was killed):
    jobs whose newest row is older than :data:`ABANDONED_AFTER`. Returns how many posts went.
    Cheap when there is nothing to do (one indexed query); call it at start-up."""
    cutoff = (clock or utcnow()) - ABANDONED_AFTER
    removed = 0
    with ctx.session() as s:
        jobs = list(
            s.scalars(
                select(Post.import_job)
                .where(Post.import_job.is_not(None))
                .group_by(Post.import_job)
                .having(func.max(Post.created_at) < cutoff)
            )
        )
    for job in jobs:
        if job:
            with ctx.session() as s:
                gone = transitions.discard_import(s, job)
            removed += gone
            log.info("discarded %d post(s) of an interrupted import (%s)", gone, job)
    return removed
