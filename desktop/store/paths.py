"""Where the app keeps its data: ``--data-dir``, else ``CAMPAIGN_DESK_HOME``, else the OS data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "CAMPAIGN_DESK_HOME"
DB_URL_ENV = "CAMPAIGN_DESK_DB_URL"
DB_FILENAME = "campaign-desk.db"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data dir to use, created if missing."""
    if explicit:
        path = Path(explicit).expanduser()
    elif os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV]).expanduser()
    else:
        path = Path(platformdirs.user_data_dir("Campaign Desk", appauthor=False, roaming=True))
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def media_dir(data_dir: Path) -> Path:
    path = data_dir / "media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_dir(data_dir: Path) -> Path:
    path = data_dir / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(data_dir: Path) -> str:
    """``CAMPAIGN_DESK_DB_URL`` (a shared PostgreSQL for teams) or the SQLite file in the data dir."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{data_dir / DB_FILENAME}"
