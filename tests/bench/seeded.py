"""Big generated databases for benchmarks, made once and kept in the temp dir between runs.

A data dir is keyed by everything that shapes its rows (sizes, seed, the day the history ends,
the schema head, a fingerprint of the schema the models declare and of the generator's and the
metrics store's source, and the generator's version), built beside its final name and renamed
into place only when complete, so neither an interrupted run nor a schema or generator edited in
place (an unreleased migration) ever leaves a stale database to be reused.
Benchmarks only read these databases.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from desktop.services import seed as seed_module
from desktop.services.context import AppContext
from desktop.services.metrics import store as metrics_store
from desktop.services.seed import SeedResult, seed
from desktop.store.database import head_revision
from desktop.store.models import Base

#: Bump when desktop.services.seed changes the rows it makes, so old caches are not reused.
GENERATOR_VERSION = 2
CACHE = Path(tempfile.gettempdir()) / "campaign-desk-bench"


def fingerprint() -> str:
    """A short hash of the tables and indexes the models declare and of the code that fills them."""
    dialect = sqlite.dialect()
    parts = []
    for table in Base.metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
        parts += sorted(str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes)
    parts += [inspect.getsource(seed_module), inspect.getsource(metrics_store)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Seeded:
    data_dir: Path
    until: datetime
    variants: int
    snapshots: int
    #: Seconds the generator took, or None when the cached copy was used.
    seconds: float | None


def seeded_data_dir(*, posts: int, snapshots: int, seed_value: int = 1, days: int = 365) -> Seeded:
    """A data dir holding ``dev seed``'s dataset with history up to the start of today (UTC)."""
    until = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    schema = f"{head_revision()}-{fingerprint()}-g{GENERATOR_VERSION}"
    name = f"seed{seed_value}-{posts}p-{snapshots}s-{days}d-{until:%Y%m%d}-{schema}"
    final = CACHE / name
    marker = final / "seeded.txt"
    if marker.exists():
        variants, count = (int(x) for x in marker.read_text().split())
        return Seeded(final, until, variants, count, None)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"seed{seed_value}-{posts}p-{snapshots}s-*"):  # yesterday's copies
        shutil.rmtree(old, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=CACHE))
    started = time.perf_counter()
    ctx = AppContext.open(building)
    try:
        result: SeedResult = seed(ctx, posts=posts, snapshots=snapshots, seed=seed_value, days=days, until=until)
    finally:
        ctx.close()
    seconds = time.perf_counter() - started
    (building / "seeded.txt").write_text(f"{result.variants} {result.snapshots}\n")
    try:
        os.rename(building, final)
    except OSError:  # another run finished first: use its copy
        shutil.rmtree(building, ignore_errors=True)
    return Seeded(final, until, result.variants, result.snapshots, seconds)
