"""Where the app keeps its data: ``--data-dir``, else ``CAMPAIGN_DESK_HOME``, else the OS data dir."""

from __future__ import annotations

import errno
import os
from pathlib import Path

HOME_ENV = "CAMPAIGN_DESK_HOME"
DB_URL_ENV = "CAMPAIGN_DESK_DB_URL"
DB_FILENAME = "campaign-desk.db"


class DataDirError(OSError):
    """The data dir cannot be created: ``str()`` is one sentence naming it."""

    def __str__(self) -> str:
        return str(self.args[0])


def data_dir_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the data dir is (``--data-dir``, else ``CAMPAIGN_DESK_HOME``, else the OS's), without creating it."""
    if explicit:
        path = Path(explicit).expanduser()
    elif os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV]).expanduser()
    else:
        import platformdirs  # only here: start-up imports this module before painting

        path = Path(platformdirs.user_data_dir("Campaign Desk", appauthor=False, roaming=True))
    return path.resolve()


def private_dir(path: Path) -> Path:
    """``path``, created if missing; a folder we create is owner-only (0700) on POSIX whatever
    the umask. An existing folder keeps its mode: it may be one the user shares on purpose."""
    if path.is_dir():
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(path, 0o700)
    except OSError as exc:
        reason = {
            errno.EROFS: "the disk is read-only",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.ENOSPC: "the disk is full",
            errno.ENOTDIR: "a file is in the way",
        }.get(exc.errno or 0, exc.strerror or type(exc).__name__)
        raise DataDirError(f"Cannot create the folder {path}: {reason}.") from exc
    return path


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data dir to use, created (0700) if missing."""
    return private_dir(data_dir_path(explicit))


def media_dir(data_dir: Path) -> Path:
    return private_dir(data_dir / "media")


def backups_dir(data_dir: Path) -> Path:
    return private_dir(data_dir / "backups")


def database_url(data_dir: Path) -> str:
    """``CAMPAIGN_DESK_DB_URL`` (a shared PostgreSQL for teams) or the SQLite file in the data dir."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{data_dir / DB_FILENAME}"
