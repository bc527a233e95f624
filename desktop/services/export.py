"""Exports: posts with their newest metrics, and the metric history, as CSV or JSON.

Both stream: rows are read from the database in chunks (``yield_per``) and written as they come,
so exporting a million snapshots never holds them in memory. :func:`write_table` writes any
table the same way (the GUI uses it for the table in view).

Cells: times are UTC ISO 8601 with ``Z``; an empty CSV cell (``null`` in JSON) is a metric the
network did not report, which is not the same as 0. JSON is one array of objects, one per row,
keyed by the column names (README.md, "Export", lists the columns).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO, TypeAlias

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, aliased

from desktop.services.metric_names import ENGAGEMENT_METRICS, ENGAGEMENTS, POST_METRICS
from desktop.services.posts import PostError, campaign_id_for
from desktop.services.zones import iso_utc
from desktop.store.models import Account, Campaign, MetricLatest, MetricSnapshot, Post, Variant

if TYPE_CHECKING:
    from desktop.services.context import AppContext

    Query: TypeAlias = Select[*tuple[Any, ...]]

Format = Literal["csv", "json"]
FORMATS: Final = ("csv", "json")

#: One row per variant (a post as it went to one account).
POST_COLUMNS: Final = (
    "post_id",
    "variant_id",
    "account_id",
    "network",
    "handle",
    "campaign",
    "state",
    "scheduled_at",
    "published_at",
    "url",
    "text",
    "external",
    *POST_METRICS,
    ENGAGEMENTS,
)

#: One row per metric snapshot; account metrics (followers, …) have no variant, post or campaign.
METRIC_COLUMNS: Final = (
    "taken_at",
    "account_id",
    "network",
    "handle",
    "variant_id",
    "post_id",
    "campaign",
    "metric",
    "value",
)

#: Rows fetched from the database per round trip.
CHUNK: Final = 2000


class ExportError(Exception):
    """A user-facing reason an export cannot run (an unknown campaign, an unwritable file)."""


def format_for(path: str | Path | None, explicit: str | None = None) -> Format:
    """The format to write: ``explicit`` if given, else from the file's extension (``.json`` →
    json), else csv."""
    choice = (explicit or (Path(path).suffix.lstrip(".") if path else "") or "csv").lower()
    if explicit and choice not in FORMATS:
        raise ValueError(f"unknown export format {explicit!r}; use csv or json")
    return "json" if choice == "json" else "csv"


def campaign_named(ctx: AppContext, name: str) -> int:
    """The id of the campaign called ``name`` (any case, archived included)."""
    with ctx.session() as s:
        try:
            campaign_id = campaign_id_for(s, name, archived_ok=True)
        except PostError as exc:
            raise ExportError(str(exc)) from exc
    assert campaign_id is not None  # a non-empty name either resolves or raises
    return campaign_id


# --- writing a table ------------------------------------------------------------------------------


#: Cell types written as they are (csv writes None as an empty cell; JSON has them all).
_PLAIN: Final = frozenset({int, str, float, type(None)})


def _iso(value: datetime) -> str | None:
    if value.tzinfo is UTC:  # what the store hands back: skip the conversion
        return value.replace(tzinfo=None).isoformat() + "Z"
    return iso_utc(value)


def _spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(…)", "+1", "@SUM(…)"), made
    inert with a leading apostrophe, as spreadsheets themselves mark text. Handles ("@ann") stay."""
    if text and (text[0] in "=+-\t\r" or (text[0] == "@" and "(" in text)):
        return "'" + text
    return text


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _iso(value)
    return "" if value is None else value


def _json_cell(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


class _TableWriter:
    """Writes rows to a text stream as they come: CSV with a header, or a JSON array of objects."""

    def __init__(self, stream: TextIO, columns: Sequence[str], fmt: Format) -> None:
        self.stream = stream
        self.columns = tuple(columns)
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\r\n")
            self._csv.writerow(self.columns)

    def write(self, row: Sequence[Any]) -> None:
        if self.fmt == "csv":
            self._csv.writerow(
                [_spreadsheet_safe(v) if type(v) is str else v if type(v) in _PLAIN else _csv_cell(v) for v in row]
            )
        else:
            item = json.dumps(
                dict(zip(self.columns, [v if type(v) in _PLAIN else _json_cell(v) for v in row], strict=True)),
                ensure_ascii=False,
                default=str,
            )
            self.stream.write(("[\n" if self.count == 0 else ",\n") + item)
        self.count += 1

    def finish(self) -> int:
        if self.fmt == "json":
            self.stream.write("[]\n" if self.count == 0 else "\n]\n")
        self.stream.flush()
        return self.count


@contextmanager
def _opened(target: str | Path | TextIO) -> Iterator[TextIO]:
    """A text stream for ``target``. A path is written beside itself and moved into place only
    when complete, so a failed export never leaves half a file under the name the user chose."""
    if not isinstance(target, str | Path):
        yield target
        return
    path = Path(target)
    part = path.with_name(f".{path.name}.part")
    try:
        stream = part.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    try:
        with stream:
            yield stream
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def write_table(target: str | Path | TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: Format) -> int:
    """Write ``rows`` (each a sequence in ``columns`` order) to a path or text stream as CSV or a
    JSON array of objects; returns how many rows were written. ``None`` becomes an empty cell
    (``null``), times become UTC ISO 8601 with ``Z``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or json")
    with _opened(target) as stream:
        writer = _TableWriter(stream, columns, fmt)
        for row in rows:
            writer.write(row)
        return writer.finish()


def _stream(s: Session, query: Query) -> Iterator[Sequence[Any]]:
    """The rows of ``query`` fetched :data:`CHUNK` at a time, through the session's connection
    (plain Core rows: no ORM bookkeeping per row)."""
    yield from s.connection().execution_options(yield_per=CHUNK).execute(query)


# --- posts ------------------------------------------------------------------------------------------


def _posts_query(campaign_id: int | None, start: datetime | None, end: datetime | None) -> Query:
    latest = [aliased(MetricLatest, name=f"latest_{m}") for m in POST_METRICS]
    query: Query = (
        select(
            Post.id,
            Variant.id,
            Variant.account_id,
            Account.provider,
            Account.handle,
            Campaign.name,
            Variant.state,
            Variant.scheduled_at,
            Variant.published_at,
            Variant.remote_url,
            Variant.tagged_texts,
            Variant.text,
            Post.text,
            Post.external,
            *(alias.value for alias in latest),
        )
        .select_from(Variant)
        .join(Post, Post.id == Variant.post_id)
        .join(Account, Account.id == Variant.account_id)
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .where(Post.import_job.is_(None))
        .order_by(Post.id, Variant.id)
    )
    for metric, alias in zip(POST_METRICS, latest, strict=True):
        query = query.outerjoin(alias, and_(alias.variant_id == Variant.id, alias.metric == metric))
    if campaign_id is not None:
        query = query.where(Post.campaign_id == campaign_id)
    if start is not None:
        query = query.where(Variant.published_at >= start)
    if end is not None:
        query = query.where(Variant.published_at < end)
    return query


_ENGAGEMENT_POSITIONS: Final = tuple(POST_METRICS.index(m) for m in ENGAGEMENT_METRICS)


def _post_row(raw: Sequence[Any]) -> list[Any]:
    (post_id, variant_id, account_id, network, handle, campaign, state, scheduled, published, url) = raw[:10]
    tagged, variant_text, post_text, external = raw[10:14]
    values = list(raw[14:])
    text = tagged[0] if tagged else (variant_text if variant_text is not None else post_text)
    reported = [values[i] for i in _ENGAGEMENT_POSITIONS if values[i] is not None]
    return [
        post_id,
        variant_id,
        account_id,
        network,
        handle,
        campaign,
        getattr(state, "value", state),
        scheduled,
        published,
        url or None,
        text,
        bool(external),
        *values,
        sum(reported) if reported else None,
    ]


def iter_posts(
    ctx: AppContext, *, campaign_id: int | None = None, start: datetime | None = None, end: datetime | None = None
) -> Iterator[list[Any]]:
    """The rows of :func:`export_posts`, in :data:`POST_COLUMNS` order, streamed from the DB."""
    with ctx.session() as s:
        for raw in _stream(s, _posts_query(campaign_id, start, end)):
            yield _post_row(raw)


def export_posts(
    ctx: AppContext,
    out: str | Path | TextIO,
    *,
    fmt: Format,
    campaign_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """One row per variant (columns :data:`POST_COLUMNS`) with the newest value of each metric
    (empty when the network did not report it) and engagements, the sum of the reported
    :data:`~desktop.services.metric_names.ENGAGEMENT_METRICS`. ``start``/``end`` bound
    ``published_at`` (so unpublished variants drop out when either is given). Returns the row count."""
    return write_table(out, POST_COLUMNS, iter_posts(ctx, campaign_id=campaign_id, start=start, end=end), fmt)


# --- metric history -----------------------------------------------------------------------------------


def _metrics_query(campaign_id: int | None, start: datetime | None, end: datetime | None) -> Query:
    query: Query = (
        select(
            MetricSnapshot.taken_at,
            MetricSnapshot.account_id,
            Account.provider,
            Account.handle,
            MetricSnapshot.variant_id,
            Variant.post_id,
            Campaign.name,
            MetricSnapshot.metric,
            MetricSnapshot.value,
        )
        .select_from(MetricSnapshot)
        .join(Account, Account.id == MetricSnapshot.account_id)
        .outerjoin(Variant, Variant.id == MetricSnapshot.variant_id)
        .outerjoin(Post, Post.id == Variant.post_id)
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .order_by(MetricSnapshot.taken_at, MetricSnapshot.id)
    )
    if campaign_id is not None:
        query = query.where(Post.campaign_id == campaign_id)
    if start is not None:
        query = query.where(MetricSnapshot.taken_at >= start)
    if end is not None:
        query = query.where(MetricSnapshot.taken_at < end)
    return query


def iter_metrics(
    ctx: AppContext, *, campaign_id: int | None = None, start: datetime | None = None, end: datetime | None = None
) -> Iterator[Sequence[Any]]:
    """The rows of :func:`export_metrics`, in :data:`METRIC_COLUMNS` order, streamed from the DB."""
    with ctx.session() as s:
        yield from _stream(s, _metrics_query(campaign_id, start, end))


def export_metrics(
    ctx: AppContext,
    out: str | Path | TextIO,
    *,
    fmt: Format,
    campaign_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """One row per metric snapshot (columns :data:`METRIC_COLUMNS`), oldest first. ``start``/``end``
    bound ``taken_at``; with ``campaign_id`` only that campaign's posts' snapshots are written
    (account metrics belong to no campaign). Returns the row count."""
    return write_table(out, METRIC_COLUMNS, iter_metrics(ctx, campaign_id=campaign_id, start=start, end=end), fmt)
