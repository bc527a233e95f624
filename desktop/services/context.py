"""The app's services bundled for one data dir: store, vault and providers.

Built once by the CLI or the GUI and passed down explicitly (no globals).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.services.vault import Vault
from desktop.store.database import Database
from desktop.store.paths import database_url, resolve_data_dir
from providers.registry import Registry

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass
class AppContext:
    data_dir: Path
    db: Database
    vault: Vault
    registry: Registry = field(default_factory=Registry)

    @classmethod
    def open(cls, data_dir: str | Path | None = None, *, registry: Registry | None = None) -> AppContext:
        """Open (and migrate) the store in ``data_dir`` (see desktop.store.paths for the default)."""
        from desktop.services import app_settings

        path = resolve_data_dir(data_dir)
        db = Database.open(database_url(path), path)
        ctx = cls(data_dir=path, db=db, vault=Vault(), registry=registry or Registry())
        ctx.vault.set_allow_insecure(app_settings.get_allow_insecure_keyring(ctx))
        return ctx

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one unit of work: committed on success, rolled back on error."""
        with self.db.sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.db.close()
