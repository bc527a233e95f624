"""First run and files: concurrent first runs, private files, integrity and backups, database
errors in one sentence (never the SQL or its parameters)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, StatementError

from desktop.services.context import AppContext
from desktop.services.doctor import run_doctor
from desktop.store.database import (
    BUSY,
    CANNOT_OPEN,
    DAMAGED,
    DISK_FULL,
    READ_ONLY,
    Database,
    DatabaseUnavailable,
    db_error_kind,
    describe_db_error,
    make_engine,
    migrate,
)
from tests.e2e.cli import BIN, run_cli

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
SECRET_PARAM = "s3cret-bound-value"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli() -> list[str]:
    return [str(BIN)] if BIN.exists() else [sys.executable, "-m", "desktop"]


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The loosest umask a user can have: our modes must not depend on it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


# --- concurrent first runs ------------------------------------------------------------------------


def test_four_first_runs_at_once_on_a_fresh_data_dir_all_succeed(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"
    procs = [
        subprocess.Popen(
            [*_cli(), "--data-dir", str(fresh), "doctor", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
    assert all('"up_to_date": true' in out for _code, out, _err in results)


def test_migrating_twice_at_once_in_one_process_is_safe(tmp_path: Path) -> None:
    """The re-check under the lock: a second migrate that waited finds the schema current."""
    import threading

    url = f"sqlite:///{tmp_path / 'x.db'}"
    errors: list[BaseException] = []

    def first_run() -> None:
        try:
            Database.open(url, tmp_path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


# --- private files ----------------------------------------------------------------------------------


@posix_only
def test_data_dir_is_0700_and_database_files_0600_whatever_the_umask(tmp_path: Path, umask_zero: None) -> None:
    ctx = AppContext.open(tmp_path / "new" / "data")
    with ctx.session() as s:
        s.execute(text("INSERT INTO settings (key, value) VALUES ('probe', '1')"))
    db = ctx.data_dir / "campaign-desk.db"
    wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
    assert wal.exists() and shm.exists()
    assert _mode(ctx.data_dir) == 0o700
    assert {p.name: _mode(p) for p in (db, wal, shm)} == {p.name: 0o600 for p in (db, wal, shm)}
    ctx.close()
    # companions SQLite creates later, in a later process, take the DB file's mode
    wal.unlink(missing_ok=True)
    shm.unlink(missing_ok=True)
    again = AppContext.open(ctx.data_dir)
    with again.session() as s:
        s.execute(text("UPDATE settings SET value = '2' WHERE key = 'probe'"))
    assert _mode(wal) == 0o600 and _mode(shm) == 0o600
    again.close()


@posix_only
def test_backups_are_0600_in_a_0700_folder(tmp_path: Path, umask_zero: None) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'campaign-desk.db'}")
    migrate(engine, tmp_path, target="0001")
    result = migrate(engine, tmp_path)
    engine.dispose()
    assert result.backup is not None
    assert _mode(result.backup) == 0o600
    assert _mode(result.backup.parent) == 0o700


@posix_only
def test_an_existing_data_dir_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    os.chmod(shared, 0o750)
    AppContext.open(shared).close()
    assert _mode(shared) == 0o750
    assert _mode(shared / "campaign-desk.db") == 0o600


# --- doctor: integrity and backups ---------------------------------------------------------------------


def test_doctor_reports_integrity_and_no_backup_on_a_fresh_install(isolated_home: Path) -> None:
    ctx = AppContext.open(isolated_home)
    report = run_doctor(ctx)
    ctx.close()
    data = report.to_json()["database"]
    assert data["integrity"] == "ok"
    assert data["newest_backup"] is None and data["restore_hint"] is None
    assert {"url", "schema_version", "schema_head", "up_to_date"} <= data.keys()


def test_doctor_names_the_newest_backup_and_how_to_restore_it(isolated_home: Path) -> None:
    engine = make_engine(f"sqlite:///{isolated_home / 'campaign-desk.db'}")
    migrate(engine, isolated_home, target="0001")
    backup = migrate(engine, isolated_home).backup
    engine.dispose()
    older = isolated_home / "backups" / "campaign-desk-before-0000-20000101T000000Z.db"
    older.write_bytes(b"")
    os.utime(older, (946684800, 946684800))
    ctx = AppContext.open(isolated_home)
    report = run_doctor(ctx)
    ctx.close()
    data = report.to_json()["database"]
    assert data["newest_backup"] == str(backup)
    assert data["restore_hint"] == (
        "To restore it, quit Campaign Desk, delete campaign-desk.db-wal and campaign-desk.db-shm if present, "
        f"and copy {backup} over {isolated_home / 'campaign-desk.db'}."
    )


def test_doctor_fails_on_a_damaged_page_and_says_how_to_restore(isolated_home: Path) -> None:
    ctx = AppContext.open(isolated_home)
    with ctx.session() as s:
        s.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"))
        s.execute(text("CREATE INDEX filler_body ON filler (body)"))
        for i in range(400):
            s.execute(text("INSERT INTO filler (body) VALUES (:b)"), {"b": f"row {i} " * 20})
    ctx.close()
    # break the index's pages behind SQLite's back: quick_check sees it, opening does not
    raw = sqlite3.connect(isolated_home / "campaign-desk.db")
    root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'filler_body'").fetchone()[0]
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    with open(isolated_home / "campaign-desk.db", "r+b") as f:
        f.seek((root - 1) * page_size + 8)
        f.write(b"\xff" * 64)
    ctx = AppContext.open(isolated_home)
    report = run_doctor(ctx)
    ctx.close()
    assert report.integrity not in (None, "ok")
    assert not report.ok
    assert any(p.startswith("The database failed its integrity check: ") for p in report.problems)


def test_doctor_human_output_has_integrity_and_backup_lines(subprocess_env: dict[str, str]) -> None:
    r = run_cli("doctor", env=subprocess_env)
    assert "Integrity:       ok" in r.stdout
    assert "Newest backup:   none yet" in r.stdout


# --- database errors in one sentence --------------------------------------------------------------------


def _insert_error(url: str, **connect_args: object) -> OperationalError:
    engine = create_engine(url, connect_args=dict(connect_args))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (v TEXT)"))
    except OperationalError:
        pass
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": SECRET_PARAM})
    except OperationalError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the insert was expected to fail")


def _no_sql(message: str) -> None:
    assert "INSERT" not in message and SECRET_PARAM not in message and "[SQL" not in message
    assert "\n" not in message


def test_busy_database(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (v TEXT)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        exc = _insert_error(f"sqlite:///{db}", timeout=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert SECRET_PARAM in str(exc)  # what must never be shown
    assert db_error_kind(exc) == BUSY
    message = describe_db_error(exc, db)
    assert message == "The database is busy (another Campaign Desk task is writing); try again in a moment."


def test_read_only_database_names_the_file(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    sqlite3.connect(db).execute("CREATE TABLE t (v TEXT)").connection.close()
    exc = _insert_error(f"sqlite:///file:{db}?mode=ro&uri=true")
    assert db_error_kind(exc) == READ_ONLY
    message = describe_db_error(exc, db)
    assert message.startswith(f"Cannot write to {db}: ") and "read-only" in message
    _no_sql(message)


def test_full_disk_names_the_file(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.commit()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()

    engine = create_engine(f"sqlite:///{db}")

    @__import__("sqlalchemy").event.listens_for(engine, "connect")
    def _cap(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"

    with pytest.raises(OperationalError) as caught, engine.begin() as c:
        c.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": SECRET_PARAM * 2000})
    engine.dispose()
    assert db_error_kind(caught.value) == DISK_FULL
    message = describe_db_error(caught.value, db)
    assert message == f"The disk holding {db} is full. Free some space and try again."


def test_a_file_that_is_not_a_database_points_to_the_backup(tmp_path: Path) -> None:
    db = tmp_path / "campaign-desk.db"
    db.write_bytes(b"this is not a database" * 100)
    (tmp_path / "backups").mkdir()
    backup = tmp_path / "backups" / "campaign-desk-before-0003-20260101T000000Z.db"
    backup.write_bytes(b"")
    with pytest.raises(DatabaseUnavailable) as caught:
        Database.open(f"sqlite:///{db}", tmp_path)
    assert caught.value.kind == DAMAGED
    assert str(caught.value).startswith(f"{db} is damaged. The newest backup is {backup}. To restore it, quit")


def test_unopenable_database(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "x.db"
    exc = sqlite3.OperationalError("unable to open database file")
    assert db_error_kind(exc) == CANNOT_OPEN
    assert describe_db_error(exc, missing).startswith(f"Cannot open {missing}: ")


def test_os_errors_and_statement_errors_never_show_sql(tmp_path: Path) -> None:
    assert db_error_kind(OSError(30, "Read-only file system")) == READ_ONLY
    assert db_error_kind(OSError(28, "No space left on device")) == DISK_FULL
    wrapped = StatementError("bad parameter", f"INSERT INTO t VALUES ('{SECRET_PARAM}')", {"v": SECRET_PARAM}, None)
    assert SECRET_PARAM in str(wrapped)
    _no_sql(describe_db_error(wrapped, tmp_path / "x.db"))


# --- the CLI: one line with the path --------------------------------------------------------------------


@pytest.fixture
def read_only_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir with a current database, then made read-only: by mode for a normal user; root
    ignores modes, so for root a read-only tmpfs mount (skipped where mounting is not allowed)."""
    data = tmp_path / "ro"
    data.mkdir()
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        AppContext.open(data).close()
        os.chmod(data, 0o555)
        yield data
        os.chmod(data, 0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(data)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only folder here: {mounted.stderr.decode().strip()}")
    try:
        AppContext.open(data).close()
        subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
        yield data
    finally:
        subprocess.run(["umount", str(data)], check=False)


def test_read_only_data_dir_is_one_line_with_the_path(subprocess_env: dict[str, str], read_only_data_dir: Path) -> None:
    r = run_cli("--data-dir", str(read_only_data_dir), "accounts", "list", env=subprocess_env)
    assert r.code == 1
    db = read_only_data_dir / "campaign-desk.db"
    assert r.stderr.strip().splitlines() == [
        f"campaign-desk accounts: cannot use data dir: Cannot write to {db}: the folder is read-only. "
        "Make it writable or choose another data folder."
    ]


@pytest.fixture
def nearly_full_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir on a small tmpfs, its free space then filled (root only: needs mount)."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("filling a disk needs a private tmpfs mount (root)")
    data = tmp_path / "small"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    try:
        AppContext.open(data).close()
        fd = os.open(data / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        yield data
    finally:
        subprocess.run(["umount", str(data)], check=False)


def test_full_disk_is_one_line_with_the_path(subprocess_env: dict[str, str], nearly_full_data_dir: Path) -> None:
    r = run_cli(
        "--data-dir",
        str(nearly_full_data_dir),
        "campaigns",
        "add",
        "Launch " + "x" * 200,
        "--goal",
        SECRET_PARAM * 3000,
        env=subprocess_env,
    )
    assert r.code == 1
    db = nearly_full_data_dir / "campaign-desk.db"
    (line,) = r.stderr.strip().splitlines()
    assert f"The disk holding {db} is full. Free some space and try again." in line
    _no_sql(line)


def test_a_busy_database_is_one_retryable_line_without_sql(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import desktop.store.database as database
    from desktop.cli import main

    AppContext.open(isolated_home).close()

    def short_wait(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    monkeypatch.setattr(database, "_sqlite_pragmas", short_wait)
    holder = sqlite3.connect(isolated_home / "campaign-desk.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code = main(["campaigns", "add", SECRET_PARAM])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [
        "campaign-desk campaigns: The database is busy (another Campaign Desk task is writing); try again in a moment."
    ]
