"""The cheap schema check: start-up knows the head without Alembic, and imports Alembic only to
migrate."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from desktop.store import revision
from desktop.store.database import Database, current_revision, head_revision, make_engine, migrate


def test_the_head_constant_is_alembics_head() -> None:
    real = head_revision()
    assert real == revision.HEAD_REVISION, (
        f"desktop/store/revision.py says HEAD_REVISION = {revision.HEAD_REVISION!r} but the newest migration in "
        f"desktop/store/migrations/versions is {real!r}: set HEAD_REVISION = {real!r} in desktop/store/revision.py "
        "(start-up skips migrating when the stored revision equals it)"
    )


def test_the_stored_revision_is_read_with_a_plain_query(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert current_revision(engine) is None  # a new file
    migrate(engine, tmp_path, target="0001")
    assert current_revision(engine) == "0001"
    migrate(engine, tmp_path)
    assert current_revision(engine) == revision.HEAD_REVISION
    engine.dispose()


def _run(code: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


OPEN_AND_REPORT = """
    import sys
    from pathlib import Path
    from desktop.store.database import Database
    folder = Path(sys.argv[1])
    db = Database.open(f"sqlite:///{folder / 'a.db'}", folder)
    print(db.schema_version(), "alembic" in sys.modules)
    db.close()
"""


def test_an_up_to_date_database_opens_without_importing_alembic(tmp_path: Path) -> None:
    Database.open(f"sqlite:///{tmp_path / 'a.db'}", tmp_path).close()  # created and migrated here
    assert _run(OPEN_AND_REPORT, tmp_path) == f"{revision.HEAD_REVISION} False"


def test_an_old_database_is_backed_up_and_migrated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    migrate(engine, tmp_path, target="0003")
    engine.dispose()
    assert _run(OPEN_AND_REPORT, tmp_path) == f"{revision.HEAD_REVISION} True"
    (backup,) = (tmp_path / "backups").glob("a-before-*.db")
    assert backup.name.startswith(f"a-before-{revision.HEAD_REVISION}-")
    old = make_engine(f"sqlite:///{backup}")
    assert current_revision(old) == "0003"  # the copy is the database as it was
    old.dispose()
