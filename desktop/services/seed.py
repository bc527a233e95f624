"""A reproducible demo and benchmark dataset: accounts, campaigns, posts, variants and metrics.

``seed(ctx, posts=100_000, snapshots=1_000_000, seed=1)`` fills an empty database with data
shaped like a busy team's year: several Mastodon and Bluesky accounts, campaigns with colours,
dates and goals, published, failed, draft and scheduled variants, posts imported as external,
post metrics that grow after publishing on the app's sync cadence, daily follower counts per
account, ``metric_latest`` kept equal to the newest snapshot, and each variant's engagements and
followers at publish worked out from those as the sync does. The same ``seed``, sizes and
``until`` give the same rows, so benchmarks can be compared run to run.

Accounts made here are disconnected and paused and have no keyring entry, so nothing ever
publishes to them or syncs them; hosts are under ``.example`` (reserved, never resolves).

Rows go in with Core ``insert()`` executemany, one transaction per chunk.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import Connection, Table, exists, func, insert, select, update
from sqlalchemy.orm import Session

from desktop.services.metric_names import FOLLOWERS, FOLLOWING, POST_METRICS, POSTS
from desktop.services.metrics.store import refresh_variant_stats
from desktop.store.models import (
    Account,
    AccountStatus,
    Campaign,
    MetricLatest,
    MetricSnapshot,
    Post,
    Variant,
    VariantState,
)

if TYPE_CHECKING:
    from desktop.services.context import AppContext

ACCOUNTS_TABLE = cast(Table, Account.__table__)
CAMPAIGNS_TABLE = cast(Table, Campaign.__table__)
POSTS_TABLE = cast(Table, Post.__table__)
VARIANTS_TABLE = cast(Table, Variant.__table__)
SNAPSHOTS_TABLE = cast(Table, MetricSnapshot.__table__)
LATEST_TABLE = cast(Table, MetricLatest.__table__)

#: Rows per executemany (and per transaction).
CHUNK: Final = 50_000
NETWORKS: Final = ("mastodon", "bluesky")
ACCOUNT_METRICS: Final = (FOLLOWERS, FOLLOWING, POSTS)
#: When a post's metrics are read after it goes out (the app's cadence, thinned): hours on day 1,
#: days to day 30, weeks to day 90.
CADENCE: Final = tuple(
    [h * 3600 for h in (1, 2, 3, 6, 12, 24)]
    + [d * 86400 for d in (2, 3, 5, 7, 10, 14, 21, 30, 37, 44, 51, 58, 65, 72, 79, 86, 90)]
)
#: How fast a post's counters approach their final value (seconds).
GROWTH_TAU: Final = 8 * 3600
#: Each counter's share of a post's likes.
METRIC_SHARE: Final = {"likes": 1.0, "reposts": 0.3, "replies": 0.12, "quotes": 0.05, "saves": 0.08}
DEMO_NOTE: Final = "Demo data from `campaign-desk dev seed`: never connected, so nothing is published or synced."

BRANDS: Final = ("studio", "shop", "news", "events", "careers", "labs", "support", "press")
CAMPAIGN_NAMES: Final = (
    "Spring launch",
    "Summer sale",
    "Back to school",
    "Autumn lookbook",
    "Black Friday",
    "Holiday gifts",
    "New year, new kit",
    "Brand awareness",
    "Webinar series",
    "Customer stories",
)
COLOURS: Final = ("#4f6bed", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#1098ad", "#f08c00", "#5c940d")
OPENERS: Final = (
    "New this week:",
    "Just landed:",
    "Behind the scenes:",
    "Last chance:",
    "You asked, we built it:",
    "Five minutes on",
    "Our team on",
    "Quick tip:",
)
TOPICS: Final = (
    "the spring collection",
    "free shipping over 50",
    "how we test every seam",
    "the new recycled range",
    "our Lisbon pop-up",
    "a customer's workshop",
    "repair, don't replace",
    "the studio playlist",
    "winter layering",
    "gift cards that arrive on time",
)


class SeedRefused(Exception):
    """The database already holds posts and ``force`` was not given."""


@dataclass(frozen=True)
class SeedResult:
    """What :func:`seed` added."""

    accounts: int
    campaigns: int
    posts: int
    variants: int
    published: int
    external: int
    snapshots: int
    latest: int
    until: datetime

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["until"] = self.until.isoformat().replace("+00:00", "Z")
        return data


@dataclass
class _Published:
    """Compact columns of the published variants, for planning their metrics."""

    variant: array[int]
    account: array[int]
    ts: array[int]

    def __len__(self) -> int:
        return len(self.variant)


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    """One connection for the whole run, each chunk its own transaction. On SQLite the page cache is
    raised meanwhile: snapshots arrive in time order, so their (variant, metric, time) index is
    written all over, and a small cache would rewrite most of it at every commit."""

    CACHE_KIB: Final = 128 * 1024

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @classmethod
    @contextmanager
    def open(cls, ctx: AppContext) -> Iterator[_Writer]:
        with ctx.db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            previous = conn.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA cache_size=-{cls.CACHE_KIB}")
            conn.commit()
            try:
                yield cls(conn)
            finally:
                conn.rollback()
                if previous is not None:
                    conn.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")
                    conn.commit()

    def insert(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        """Insert ``rows`` (dicts with the same keys), one transaction per :data:`CHUNK`."""
        count = 0
        for batch in _chunks(iter(rows)):
            self.add(table, batch)
            self.conn.commit()
            count += len(batch)
        return count

    def add(self, table: Table, batch: list[dict[str, Any]]) -> None:
        """One executemany of ``batch`` in the current transaction.

        The statement is compiled once for the dialect and each value converted by its column
        type's own bind processor (what ``conn.execute(insert(table), batch)`` does too), without
        SQLAlchemy's per-row parameter bookkeeping, which costs more than the insert itself here.
        """
        if not batch:
            return
        fill = self._defaults(table, batch[0])
        if fill:
            for row in batch:
                row.update(fill)
        keys = list(batch[0])
        dialect = self.conn.dialect
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        convert = {k: table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys}
        if compiled.positional:
            order = [(k, convert[k]) for k in compiled.positiontup or ()]
            params: list[Any] = [
                tuple(row[k] if fn is None or row[k] is None else fn(row[k]) for k, fn in order) for row in batch
            ]
        else:
            params = [
                {k: v if convert[k] is None or v is None else convert[k](v) for k, v in row.items()}  # type: ignore[misc]
                for row in batch
            ]
        self.conn.exec_driver_sql(compiled.string, params)

    @staticmethod
    def _defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
        """The scalar defaults of the columns ``row`` leaves out; a left-out column whose default is
        computed (a time, a key) must be given, so the data stays reproducible."""
        fill = {}
        for column in table.columns:
            if column.key in row or column.default is None:
                continue
            default: Any = column.default
            if not default.is_scalar:
                raise ValueError(f"seed rows for {table.name} must give {column.key}")
            fill[column.key] = default.arg
        return fill

    def advance_sequences(self, tables: Sequence[Table]) -> None:
        """On PostgreSQL, move each table's id sequence past the ids given explicitly here, so the
        app's own inserts do not collide with them (SQLite needs nothing: it takes max(id) + 1)."""
        if self.conn.dialect.name != "postgresql":
            return
        for table in tables:
            self.conn.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(table.name, "id"),
                        select(func.coalesce(func.max(table.c.id), 1)).scalar_subquery(),
                    )
                )
            )
        self.conn.commit()

    def execute(self, statement: Any) -> None:
        self.conn.execute(statement)
        self.conn.commit()


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _next_id(s: Session, column: Any) -> int:
    return int(s.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


def seed(
    ctx: AppContext,
    *,
    posts: int = 1000,
    snapshots: int = 10_000,
    seed: int = 1,
    accounts: int = 5,
    campaigns: int = 8,
    days: int = 365,
    until: datetime | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Add a generated dataset (see the module docstring) and return what was added.

    ``posts`` spread over the ``days`` before ``until`` (default: the start of today, UTC), about
    5% of them scheduled after it; ``snapshots`` metric snapshots in all (post and account
    metrics). Refuses (:class:`SeedRefused`) a database that already has posts unless ``force``.
    """
    if posts < 0 or snapshots < 0 or accounts < 1 or campaigns < 0 or days < 1:
        raise ValueError("posts and snapshots must be ≥ 0, accounts and days ≥ 1, campaigns ≥ 0")
    say = progress or (lambda _text: None)
    anchor = until or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    anchor = anchor.astimezone(UTC)
    rng = random.Random(seed)
    with ctx.session() as s:
        existing = s.scalar(select(func.count()).select_from(Post)) or 0
        if existing and not force:
            raise SeedRefused(
                f"This database already has {existing} posts; demo data goes only into an empty one "
                "(use --force to add it anyway)."
            )
        first_account = _next_id(s, Account.id)
        first_campaign = _next_id(s, Campaign.id)
        first_post = _next_id(s, Post.id)
        first_variant = _next_id(s, Variant.id)
        taken_names = set(s.scalars(select(Campaign.name)))

    with _Writer.open(ctx) as out:
        result = _generate(
            out,
            rng,
            dict(posts=posts, snapshots=snapshots, seed=seed, accounts=accounts, campaigns=campaigns, days=days),
            anchor,
            (first_account, first_campaign, first_post, first_variant),
            taken_names,
            {net: tuple(m for m in ctx.registry.cls(net).info.post_metrics if m in POST_METRICS) for net in NETWORKS},
            say,
        )
        out.advance_sequences((ACCOUNTS_TABLE, CAMPAIGNS_TABLE, POSTS_TABLE, VARIANTS_TABLE))
    return result


def _generate(
    out: _Writer,
    rng: random.Random,
    size: dict[str, int],
    anchor: datetime,
    first_ids: tuple[int, int, int, int],
    taken_names: set[str],
    post_metrics: dict[str, tuple[str, ...]],
    say: Callable[[str], None],
) -> SeedResult:
    first_account, first_campaign, first_post, first_variant = first_ids
    days = size["days"]
    account_rows = _accounts(rng, size["accounts"], first_account, size["seed"])
    followers = {row["id"]: row.pop("_followers") for row in account_rows}
    out.insert(ACCOUNTS_TABLE, account_rows)
    campaign_rows = _campaigns(rng, size["campaigns"], first_campaign, anchor, days, taken_names)
    out.insert(CAMPAIGNS_TABLE, campaign_rows)
    say(f"{len(account_rows)} accounts, {len(campaign_rows)} campaigns")

    published = _Published(array("q"), array("q"), array("q"))
    counts = {"posts": 0, "variants": 0, "external": 0}
    post_batch: list[dict[str, Any]] = []
    variant_batch: list[dict[str, Any]] = []
    rows = _posts(rng, size["posts"], anchor, days, account_rows, campaign_rows, first_post, first_variant)
    for post, variants in rows:
        post_batch.append(post)
        variant_batch.extend(variants)
        counts["posts"] += 1
        counts["variants"] += len(variants)
        counts["external"] += post["external"]
        for v in variants:
            if v["state"] is VariantState.PUBLISHED:
                published.variant.append(v["id"])
                published.account.append(v["account_id"])
                published.ts.append(int(v["published_at"].timestamp()))
        if len(variant_batch) >= CHUNK:
            _flush(out, post_batch, variant_batch)
            say(f"{counts['posts']} posts, {counts['variants']} variants")
    _flush(out, post_batch, variant_batch)
    say(f"{counts['posts']} posts, {counts['variants']} variants ({len(published)} published)")

    networks = {row["id"]: row["provider"] for row in account_rows}
    snaps, latest = _metrics(
        out, rng, published, post_metrics, networks, followers, anchor, days, size["snapshots"], say
    )
    _stamp_synced(out, first_variant, list(followers))
    say("per-post engagements and followers at publish")
    refresh_variant_stats(out.conn)  # what the sync keeps up, all at once
    out.conn.commit()
    return SeedResult(
        accounts=len(account_rows),
        campaigns=len(campaign_rows),
        posts=counts["posts"],
        variants=counts["variants"],
        published=len(published),
        external=counts["external"],
        snapshots=snaps,
        latest=latest,
        until=anchor,
    )


def _flush(out: _Writer, post_batch: list[dict[str, Any]], variant_batch: list[dict[str, Any]]) -> None:
    if not post_batch:
        return
    out.add(POSTS_TABLE, post_batch)
    out.add(VARIANTS_TABLE, variant_batch)
    out.conn.commit()
    post_batch.clear()
    variant_batch.clear()


# --- accounts and campaigns ---------------------------------------------------------------------------


def _accounts(rng: random.Random, count: int, first_id: int, seed_value: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        account_id = first_id + n
        network = NETWORKS[n % len(NETWORKS)]
        name = BRANDS[n % len(BRANDS)] + (str(n // len(BRANDS) + 1) if n >= len(BRANDS) else "")
        if network == "mastodon":
            handle, server, remote = f"@{name}@social.demo.example", "https://social.demo.example", f"{account_id}"
        else:
            handle, server, remote = f"{name}.demo.example", "https://pds.demo.example", f"did:plc:demo{account_id}"
        stamp = datetime(2020, 1, 1, tzinfo=UTC)
        rows.append(
            {
                "id": account_id,
                "provider": network,
                "remote_id": f"{remote}-seed{seed_value}",
                "handle": handle,
                "display_name": name.capitalize(),
                "server_url": server,
                "status": AccountStatus.DISCONNECTED,
                "status_detail": DEMO_NOTE,
                "avatar_url": "",
                "limits": None,
                "settings": {},
                "metrics_synced_at": None,
                "paused": True,
                "created_at": stamp,
                "updated_at": stamp,
                # not a column: the follower count the metrics are scaled on
                "_followers": int(rng.lognormvariate(math.log(3000), 1.0)) + 50,
            }
        )
    return rows


def _campaigns(
    rng: random.Random, count: int, first_id: int, until: datetime, days: int, taken: set[str]
) -> list[dict[str, Any]]:
    rows = []
    start = (until - timedelta(days=days)).date()
    span = days + 30  # campaigns run up to a month past ``until``
    for n in range(count):
        base = CAMPAIGN_NAMES[n % len(CAMPAIGN_NAMES)]
        name, k = base, 2
        while name in taken:
            name, k = f"{base} {k}", k + 1
        taken.add(name)
        begins = start + timedelta(days=int(span * n / max(count, 1)) + rng.randrange(0, 10))
        ends = begins + timedelta(days=rng.randrange(21, 75))
        slug = name.lower().replace(" ", "-").replace(",", "")
        rows.append(
            {
                "id": first_id + n,
                "name": name,
                "color": COLOURS[n % len(COLOURS)],
                "starts_on": begins,
                "ends_on": ends,
                "goal": f"Get {name.lower()} in front of our followers",
                "goal_metric": "engagements",
                "goal_target": rng.choice((500, 1000, 2000, 5000, 10000)),
                "goal_by": ends,
                "utm_source": "",
                "utm_medium": "social",
                "utm_campaign": slug,
                "notes": "",
                "archived": ends < until.date() - timedelta(days=180),
                "created_at": datetime.combine(begins, datetime.min.time(), UTC) - timedelta(days=7),
            }
        )
    return rows


def _campaign_for(rng: random.Random, campaigns: Sequence[dict[str, Any]], day: date) -> dict[str, Any] | None:
    running = [c for c in campaigns if c["starts_on"] <= day <= c["ends_on"]]
    return rng.choice(running) if running and rng.random() < 0.7 else None


# --- posts and variants --------------------------------------------------------------------------------


def _post_times(rng: random.Random, count: int, until: datetime, days: int) -> list[int]:
    """Posting times: working-hours heavy, mostly in the past, about 5% scheduled ahead."""
    end = int(until.timestamp())
    times = []
    for _ in range(count):
        if rng.random() < 0.05:
            day = end + 86400 * (2 + rng.randrange(30))
        else:
            day = end - 86400 * (1 + rng.randrange(days))
        hour = int(rng.triangular(6, 22, 13))
        times.append(day + hour * 3600 + rng.randrange(4) * 900)
    times.sort()
    return times


def _link(network: str, campaign: dict[str, Any] | None, url: str) -> str:
    if campaign is None:
        return url
    tags = f"utm_source={network}&utm_medium={campaign['utm_medium']}&utm_campaign={campaign['utm_campaign']}"
    return url + ("&" if "?" in url else "?") + tags


def _posts(
    rng: random.Random,
    count: int,
    until: datetime,
    days: int,
    accounts: Sequence[dict[str, Any]],
    campaigns: Sequence[dict[str, Any]],
    first_post: int,
    first_variant: int,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    end = int(until.timestamp())
    variant_id = first_variant
    for n, ts in enumerate(_post_times(rng, count, until, days)):
        post_id = first_post + n
        when = _at(ts)
        future = ts > end
        external = not future and rng.random() < 0.06
        campaign = None if external else _campaign_for(rng, campaigns, when.date())
        url = f"https://shop.demo.example/p/{post_id}"
        text = f"{rng.choice(OPENERS)} {rng.choice(TOPICS)} {url}"
        thread = [f"More on that: {rng.choice(TOPICS)}."] if rng.random() < 0.05 else []
        post = {
            "id": post_id,
            "text": text,
            "thread": thread,
            "campaign_id": campaign["id"] if campaign else None,
            "timezone": "Europe/Paris",
            "external": external,
            "no_utm": [],
            "created_at": when - timedelta(hours=rng.randrange(1, 72)),
            "updated_at": when - timedelta(minutes=5),
        }
        size = 1 if external else min(len(accounts), rng.choice((2, 3, 4, 4)))
        if future:
            states = [VariantState.SCHEDULED] * size
        else:
            roll = rng.random()
            fate = (
                VariantState.DRAFT
                if roll < 0.01
                else VariantState.CANCELLED
                if roll < 0.02
                else VariantState.FAILED
                if roll < 0.04
                else VariantState.PUBLISHED
            )
            states = [fate] * size if fate is not VariantState.FAILED else [VariantState.PUBLISHED] * size
            if fate is VariantState.FAILED:
                states[rng.randrange(size)] = VariantState.FAILED  # one network refused, the others went out
        variants = []
        for account, state in zip(rng.sample(list(accounts), size), states, strict=True):
            variants.append(_variant(rng, variant_id, post, account, state, when, campaign, thread))
            variant_id += 1
        yield post, variants


def _variant(
    rng: random.Random,
    variant_id: int,
    post: dict[str, Any],
    account: dict[str, Any],
    state: VariantState,
    when: datetime,
    campaign: dict[str, Any] | None,
    thread: list[str],
) -> dict[str, Any]:
    network = account["provider"]
    url = f"https://shop.demo.example/p/{post['id']}"
    own_text = None
    if not post["external"] and rng.random() < 0.15:
        own_text = f"{post['text']} #{rng.choice(('NewIn', 'MadeToLast', 'SmallBusiness'))}"
    published_at = None
    remote_id = remote_url = ""
    parts: list[dict[str, Any]] = []
    tagged = None
    if state is VariantState.PUBLISHED:
        published_at = when if post["external"] else when + timedelta(seconds=rng.randrange(1, 40))
        name = account["display_name"].lower()
        for index in range(1 + len(thread)):
            if network == "mastodon":
                rid = str(110_000_000_000_000_000 + variant_id * 10 + index)
                link = f"{account['server_url']}/@{name}/{rid}"
            else:
                rkey = f"3seed{variant_id:09d}{index}"
                rid = f"at://{account['remote_id']}/app.bsky.feed.post/{rkey}"
                link = f"https://bsky.app/profile/{account['handle']}/post/{rkey}"
            parts.append({"index": index, "remote_id": rid, "url": link})
        remote_id, remote_url = parts[0]["remote_id"], parts[0]["url"]
        if not post["external"]:
            base = own_text if own_text is not None else post["text"]
            tagged = [base.replace(url, _link(network, campaign, url)), *thread]
    failed = state is VariantState.FAILED
    return {
        "id": variant_id,
        "post_id": post["id"],
        "account_id": account["id"],
        "text": own_text,
        "thread": None,
        "media_overridden": False,
        "state": state,
        "scheduled_at": None if post["external"] or state is VariantState.DRAFT else when,
        "idempotency_key": f"{variant_id:08x}{rng.getrandbits(96):024x}",
        "next_attempt_at": None,
        "attempt_count": 8 if failed else (0 if state in (VariantState.SCHEDULED, VariantState.DRAFT) else 1),
        "claimed_at": None,
        "claimed_by": "",
        "remote_id": remote_id,
        "remote_url": remote_url,
        "remote_parts": parts,
        "published_at": published_at,
        "tagged_texts": tagged,
        "metrics_synced_at": None,
        "engagements": None,  # worked out at the end, from the metrics (refresh_variant_stats)
        "followers_at_publish": None,
        "last_error": "The network refused this post (demo data)." if failed else "",
        "notified_at": None,
        "created_at": post["created_at"],
        "updated_at": post["updated_at"],
        "version": 1,
    }


# --- metrics ---------------------------------------------------------------------------------------------


def _plan_syncs(capacity: Sequence[int], weights: Sequence[int], budget: int) -> tuple[int, int]:
    """The level L such that every variant gets min(capacity, L - 1) syncs and, newest first, some
    get one more, to spend ``budget`` rows (each sync of a variant costs its ``weights`` rows).
    Returns (L, rows still to spend at level L)."""
    mass: dict[int, int] = {}
    for c, w in zip(capacity, weights, strict=True):
        mass[c] = mass.get(c, 0) + w
    spent, level = 0, 0
    top = max(capacity, default=0)
    while level < top:
        # rows to give every variant with capacity > level one more sync
        step = sum(w for c, w in mass.items() if c > level)
        if spent + step >= budget:
            return level + 1, budget - spent
        spent += step
        level += 1
    return top + 1, 0  # every available sync fits; the budget is not all spent


def _stamp_synced(out: _Writer, first_variant: int, accounts: list[int]) -> None:
    """``metrics_synced_at`` (and ``updated_at``, as a real sync's write would) of each new variant
    and account set to its newest snapshot, in one statement each."""
    newest = (
        select(func.max(LATEST_TABLE.c.taken_at))
        .where(LATEST_TABLE.c.variant_id == VARIANTS_TABLE.c.id)
        .scalar_subquery()
    )
    out.execute(
        update(VARIANTS_TABLE)
        .where(VARIANTS_TABLE.c.id >= first_variant)
        .where(exists().where(LATEST_TABLE.c.variant_id == VARIANTS_TABLE.c.id))
        .values(metrics_synced_at=newest, updated_at=newest)
    )
    newest_own = (
        select(func.max(SNAPSHOTS_TABLE.c.taken_at))
        .where(SNAPSHOTS_TABLE.c.account_id == ACCOUNTS_TABLE.c.id, SNAPSHOTS_TABLE.c.variant_id.is_(None))
        .scalar_subquery()
    )
    out.execute(
        update(ACCOUNTS_TABLE)
        .where(ACCOUNTS_TABLE.c.id.in_(accounts))
        .values(metrics_synced_at=newest_own, updated_at=func.coalesce(newest_own, ACCOUNTS_TABLE.c.updated_at))
    )


def _metrics(
    out: _Writer,
    rng: random.Random,
    published: _Published,
    post_metrics: dict[str, tuple[str, ...]],
    networks: dict[int, str],
    followers: dict[int, int],
    until: datetime,
    days: int,
    budget: int,
    say: Callable[[str], None],
) -> tuple[int, int]:
    end = int(until.timestamp())
    n_accounts = len(followers)
    # Account metrics: the same points in time for every account, at most a fifth of the budget.
    points = min(days, budget // 5 // (n_accounts * len(ACCOUNT_METRICS))) if budget else 0
    account_ts = [end - 86400 * days + int(86400 * days * (k + 1) / points) - 1800 for k in range(points)]
    post_budget = budget - points * n_accounts * len(ACCOUNT_METRICS)

    # Post metrics: which cadence points each published variant gets (newest first on ties).
    order = sorted(range(len(published)), key=lambda i: -published.ts[i])
    capacity = [bisect_right(CADENCE, end - published.ts[i]) for i in order]
    weights = [len(post_metrics[networks[published.account[i]]]) for i in order]
    level, extra = _plan_syncs(capacity, weights, post_budget)

    ts, acc, var, met, val = (array("q") for _ in range(5))
    metric_index = {m: k for k, m in enumerate((*POST_METRICS, *ACCOUNT_METRICS))}
    names = (*POST_METRICS, *ACCOUNT_METRICS)
    latest_rows: list[dict[str, Any]] = []
    latest_count = 0
    for rank, i in enumerate(order):
        cap, weight = capacity[rank], weights[rank]
        syncs = min(cap, level - 1)
        partial = 0
        if cap >= level and extra > 0:
            syncs, partial = syncs + 1, min(weight, extra)
            extra -= partial
        quality = rng.lognormvariate(0, 1.1)
        if syncs == 0:
            continue
        variant, account, pub = published.variant[i], published.account[i], published.ts[i]
        metrics = post_metrics[networks[account]]
        finals = {m: int(followers[account] * 0.01 * quality * METRIC_SHARE.get(m, 0.05)) for m in metrics}
        newest: dict[str, tuple[int, int]] = {}
        for j in range(syncs):
            at = pub + CADENCE[round((j + 1) * cap / syncs) - 1]
            share = 1 - math.exp(-(at - pub) / GROWTH_TAU)
            last = j == syncs - 1
            for m in metrics[: partial if last and partial else len(metrics)]:
                value = int(finals[m] * share)
                ts.append(at)
                acc.append(account)
                var.append(variant)
                met.append(metric_index[m])
                val.append(value)
                newest[m] = (value, at)
        for m, (value, at) in newest.items():
            latest_rows.append(
                {"variant_id": variant, "metric": m, "account_id": account, "value": value, "taken_at": _at(at)}
            )
        if len(latest_rows) >= CHUNK:
            latest_count += out.insert(LATEST_TABLE, latest_rows)
            latest_rows.clear()
    latest_count += out.insert(LATEST_TABLE, latest_rows)

    # Followers grow through the period; "posts" is how many had gone out by then.
    by_account: dict[int, list[int]] = {a: [] for a in followers}
    for k in range(len(published)):
        by_account[published.account[k]].append(published.ts[k])
    for times in by_account.values():
        times.sort()
    for account, base in followers.items():
        growth = rng.uniform(0.05, 0.6)
        following = rng.randrange(80, 900)
        for k, at in enumerate(account_ts):
            progress = (k + 1) / len(account_ts)
            wobble = rng.uniform(-0.004, 0.004)
            for m, value in (
                (FOLLOWERS, int(base * (1 + growth * progress + wobble))),
                (FOLLOWING, following + int(40 * progress)),
                (POSTS, bisect_right(by_account[account], at)),
            ):
                ts.append(at)
                acc.append(account)
                var.append(0)
                met.append(metric_index[m])
                val.append(value)

    say(f"{len(ts)} snapshots planned; writing them oldest first")
    snapshot_order = sorted(range(len(ts)), key=ts.__getitem__)
    written = out.insert(
        SNAPSHOTS_TABLE,
        (
            {
                "account_id": acc[k],
                "variant_id": var[k] or None,
                "metric": names[met[k]],
                "value": val[k],
                "taken_at": _at(ts[k]),
            }
            for k in snapshot_order
        ),
    )
    say(f"{written} snapshots, {latest_count} latest values")
    return written, latest_count
