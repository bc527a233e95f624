"""Opening the app's services for a subcommand, with failures as one-line reasons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop.cli.output import CommandFailed
from desktop.services.context import AppContext


@contextmanager
def open_context(data_dir: str | None) -> Iterator[AppContext]:
    try:
        ctx = AppContext.open(data_dir)
    except OSError as exc:
        raise CommandFailed(f"cannot use data dir: {exc}") from exc
    except Exception as exc:
        raise CommandFailed(f"cannot open the database: {type(exc).__name__}: {exc}") from exc
    try:
        yield ctx
    finally:
        ctx.close()
