"""The schema revision the code expects, known without Alembic.

Start-up compares it with the revision the database holds (desktop.store.database reads that
with a plain query) and imports Alembic (a fifth of a second) only when they differ, so a
database that is up to date opens with nothing but the driver.

Adding a migration? Set :data:`HEAD_REVISION` to its ``revision`` id in the same commit:
tests/unit/test_revision.py fails, naming this file, while it differs from Alembic's real head.
"""

from __future__ import annotations

#: Alembic's head in desktop/store/migrations/versions. Update it with every new migration
#: (the OAuth refresh lease migration, 0006, included).
HEAD_REVISION = "0006"
