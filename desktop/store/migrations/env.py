"""Alembic environment: runs on the connection handed over by desktop.store.database.migrate."""

from __future__ import annotations

from typing import Literal

from alembic import context
from sqlalchemy import create_engine

from desktop.store.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic CLI: open our own
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | Literal[False]:
    # Our UTCDateTime is stored as a plain DateTime; migrations must not import app code.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
