"""``campaign-desk doctor``: is this installation healthy, and if not, why."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from desktop import __version__
from desktop.services.accounts import credential_state, list_accounts
from desktop.services.vault import KeyringStatus
from desktop.store.database import describe_db_error, head_revision, newest_backup, quick_check, restore_hint

if TYPE_CHECKING:
    from desktop.services.context import AppContext


@dataclass
class DoctorReport:
    version: str
    data_dir: str
    database_url: str
    schema_version: str | None
    schema_head: str
    keyring: KeyringStatus
    providers: list[dict[str, str]]
    broken_plugins: list[dict[str, str]]
    accounts: list[dict[str, Any]]
    integrity: str | None = None  # PRAGMA quick_check: "ok" or its first problems; None when not SQLite
    newest_backup: str | None = None  # the latest copy taken before a migration
    database_file: str | None = None  # the SQLite file (None for a server database)
    problems: list[str] = field(default_factory=list)  # make doctor exit 1
    warnings: list[str] = field(default_factory=list)  # worth knowing, not failing

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def restore_hint(self) -> str | None:
        """How to put the newest backup back, in one sentence (None when there is none)."""
        if not self.newest_backup:
            return None
        return restore_hint(Path(self.newest_backup), Path(self.database_file) if self.database_file else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "version": self.version,
            "data_dir": self.data_dir,
            "database": {
                "url": self.database_url,
                "schema_version": self.schema_version,
                "schema_head": self.schema_head,
                "up_to_date": self.schema_version == self.schema_head,
                "integrity": self.integrity,
                "newest_backup": self.newest_backup,
                "restore_hint": self.restore_hint,
            },
            "keyring": self.keyring.to_json(),
            "providers": self.providers,
            "broken_plugins": self.broken_plugins,
            "accounts": self.accounts,
            "problems": self.problems,
            "warnings": self.warnings,
        }


def _redact_url(url: str) -> str:
    # A PostgreSQL URL may carry a password; doctor output is often pasted into support requests.
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def run_doctor(ctx: AppContext) -> DoctorReport:
    keyring_status = ctx.vault.status()
    report = DoctorReport(
        version=__version__,
        data_dir=str(ctx.data_dir),
        database_url=_redact_url(ctx.db.url),
        schema_version=ctx.db.schema_version(),
        schema_head=head_revision(),
        keyring=keyring_status,
        providers=[{"id": cls.info.id, "name": cls.info.name} for cls in ctx.registry],
        broken_plugins=[{"name": b.name, "source": b.source, "error": b.error} for b in ctx.registry.broken],
        accounts=[],
    )
    db_path = ctx.db.path
    if db_path is not None:
        report.database_file = str(db_path)
        backup = newest_backup(ctx.data_dir, db_path.name)
        report.newest_backup = str(backup) if backup else None
        try:
            report.integrity = quick_check(ctx.db.engine)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            report.integrity = describe_db_error(exc, db_path)
        if report.integrity != "ok":
            report.problems.append(
                f"The database failed its integrity check: {report.integrity}."
                + (f" {report.restore_hint}" if report.restore_hint else "")
            )
    if report.schema_version != report.schema_head:
        report.problems.append(f"Database schema is {report.schema_version}, expected {report.schema_head}.")
    if not keyring_status.allowed:
        report.problems.append(keyring_status.message)
    elif not keyring_status.secure:
        report.warnings.append(keyring_status.message)
    for broken in ctx.registry.broken:
        report.problems.append(f"Provider plugin {broken.name} ({broken.source}) failed to load: {broken.error}")
    for account in list_accounts(ctx):
        creds = credential_state(ctx, account)
        report.accounts.append(
            {
                "id": account.id,
                "network": account.network,
                "handle": account.handle,
                "status": account.status,
                "credentials": creds,
            }
        )
        if account.status == "needs_reconnect":
            report.problems.append(f"Account {account.handle} needs to be reconnected.")
        elif account.status == "connected" and creds != "present":
            report.problems.append(f"Account {account.handle}: credentials {creds}.")
    return report
