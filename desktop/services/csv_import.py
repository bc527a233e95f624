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
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desktop.services import posts as post_svc
from desktop.services.accounts import AccountNotFound
from desktop.services.media import MediaError
from desktop.services.posts import PAST_TOLERANCE, MediaSpec, PostError, PostRow
from desktop.services.slots import next_free_slot
from desktop.services.zones import iso_utc, user_zone, user_zone_name
from desktop.store.models import Account, Campaign, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desktop.services.context import AppContext

#: Column names as found in the header (lower case, ``_``/``-`` read as spaces) → field.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("text", "message", "body", "content", "post"), "text"),
    **dict.fromkeys(("accounts", "account", "targets", "profiles", "channels"), "accounts"),
    **dict.fromkeys(("time", "when", "date", "datetime", "scheduled at", "publish at"), "time"),
    **dict.fromkeys(("media", "media paths", "media path", "images", "image", "files", "attachments"), "media"),
    **dict.fromkeys(("alt text", "alt", "alt texts", "image description"), "alt"),
    "campaign": "campaign",
    **dict.fromkeys(("link", "url"), "link"),
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
    """Accounts and campaigns, read once per plan."""

    accounts: list[Account]
    campaigns: dict[str, str]  # lower-case name → name
    slots_taken: dict[int, set[datetime]] = field(default_factory=dict)

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


def _check_text(ctx: AppContext, row_text: str, targets: list[Target], media: list[MediaSpec]) -> list[str]:
    try:
        checks = post_svc.check_targets(ctx, account_ids=[t.account_id for t in targets], text=row_text, media=media)
    except (MediaError, AccountNotFound) as exc:
        return [str(exc)]
    errors = []
    for check in checks:
        name = ctx.registry.cls(check.network).info.name if check.network in ctx.registry else check.network
        for problem in check.problems:
            lead = "text too long for " if problem.code == "too_long" else ""
            errors.append(f"{lead}{name} ({check.handle}): {problem.message}")
    return errors


def _check_row(
    ctx: AppContext,
    s: Session,
    d: _Directory,
    base: Path,
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
    for i, raw in enumerate(paths):
        path = Path(raw).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            errors.append(f"missing file {raw!r}")
        else:
            media.append(MediaSpec(path, alts[i] if i < len(alts) else ""))

    campaign = cell.get("campaign", "").strip() or None
    if campaign is not None:
        if campaign.lower() not in d.campaigns:
            errors.append(f"unknown campaign {campaign!r} (create it first)")
        else:
            campaign = d.campaigns[campaign.lower()]
    link = cell.get("link", "").strip()
    if link and not re.match(r"^https?://\S+$", link, re.IGNORECASE):
        errors.append(f"link {link!r} is not a web address (start it with https://)")

    if accounts and len(media) == len(paths):  # length and media rules, as each network counts
        errors.extend(_check_text(ctx, text, targets, media))
    return ImportRow(
        line=line,
        text=text,
        targets=tuple(targets),
        from_queue=not raw_time,
        media=tuple(media),
        campaign=campaign,
        link=link,
        errors=tuple(errors),
        raw_accounts=cell.get("accounts", "").strip(),
        raw_time=raw_time,
        at=when,
    )


def parse_csv(ctx: AppContext, path: str | Path, *, clock: datetime | None = None) -> ImportPlan:
    """Read ``path`` and check every row; nothing is saved. Raises :class:`CsvFileError` when the
    file as a whole is unreadable (not UTF-8, no header with text and accounts columns)."""
    path = Path(path)
    now = clock or utcnow()
    delimiter, columns, ignored, records = _records(path)
    zone = user_zone(ctx)
    rows = []
    with ctx.session() as s:
        d = _Directory(
            accounts=list(s.scalars(select(Account).order_by(Account.id))),
            campaigns={n.lower(): n for n in s.scalars(select(Campaign.name))},
        )
        for line, cells in records:
            cell = {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}
            rows.append(_check_row(ctx, s, d, path.parent, line, cell, zone, now))
    return ImportPlan(path=path, delimiter=delimiter, rows=tuple(rows), ignored_columns=tuple(ignored), zone=zone)


# --- saving ------------------------------------------------------------------------------------


class _RowRefused(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _save(ctx: AppContext, rows: list[ImportRow], zone_name: str, now: datetime) -> list[tuple[int, int]]:
    saved = []
    with ctx.session() as s:  # one transaction: any refusal rolls back every row
        for row in rows:
            try:
                post_id = post_svc.schedule_post(
                    ctx,
                    account_ids=[t.account_id for t in row.targets],
                    text=row.text,
                    media=row.media,
                    at_for={t.account_id: t.at for t in row.targets if t.at is not None},
                    campaign=row.campaign,
                    link=row.link,
                    timezone=zone_name,
                    clock=now,
                    session=s,
                ).id
            except (PostError, MediaError, AccountNotFound) as exc:
                raise _RowRefused(row.line, str(exc)) from exc
            saved.append((row.line, post_id))
    return saved


def apply_import(
    ctx: AppContext, plan: ImportPlan, *, valid_only: bool = False, clock: datetime | None = None
) -> ImportResult:
    """Schedule the plan's rows, one post per row and one variant per account, in one transaction.

    With problems in the plan and not ``valid_only``, nothing is saved. A row that the store
    refuses at save time (e.g. its time passed while the user looked at the preview) is
    rejected like a bad row: the whole import rolls back, or, with ``valid_only``, is saved
    again without it.
    """
    rejected: dict[int, tuple[str, ...]] = {r.line: r.errors for r in plan.invalid}
    pending = plan.valid
    saved: list[tuple[int, int]] = []
    if pending and (valid_only or not rejected):
        zone_name = user_zone_name(ctx)
        now = clock or utcnow()
        while pending:
            try:
                saved = _save(ctx, pending, zone_name, now)
                break
            except _RowRefused as exc:
                rejected[exc.line] = (exc.reason,)
                if not valid_only:
                    break
                pending = [r for r in pending if r.line != exc.line]
    imported = tuple(ImportedRow(line, post_svc.get_post(ctx, post_id)) for line, post_id in saved)
    return ImportResult(
        imported=imported,
        rejected=tuple(sorted(rejected.items())),
        total=len(plan.rows),
    )
