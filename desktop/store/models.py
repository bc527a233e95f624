"""The local store: typed SQLAlchemy 2.x models. Nothing secret is ever stored here.

All times are stored as UTC; :class:`UTCDateTime` hands them back timezone-aware.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from desktop.store.states import VariantState as VariantState  # re-exported: its home before it moved

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (portable across SQLite and PostgreSQL), returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings (no native ENUM type) so migrations stay portable.
    return Enum(cls, name=name, native_enum=False, values_callable=lambda e: [m.value for m in e], length=24)


class AccountStatus(enum.StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


class AttemptOutcome(enum.StrEnum):
    PENDING = "pending"  # written before the HTTP call; still pending after a crash
    PUBLISHED = "published"
    ALREADY_PUBLISHED = "already_published"  # found by reconciliation or the network's idempotency
    RETRY = "retry"
    FAILED = "failed"
    AUTH = "auth"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("provider", "server_url", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40), index=True)
    remote_id: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    server_url: Mapped[str] = mapped_column(String(500), default="")
    avatar_url: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[AccountStatus] = mapped_column(
        _enum(AccountStatus, "account_status"), default=AccountStatus.CONNECTED
    )
    status_detail: Mapped[str] = mapped_column(Text, default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The server's limits as the provider last read them (Limits.to_json()), never secrets.
    limits: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    #: Non-secret per-account provider settings (e.g. Bluesky AppView URL).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: When this account's own metrics (followers, ...) were last read from the network.
    metrics_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    variants: Mapped[list[Variant]] = relationship(back_populates="account", cascade="all, delete-orphan")
    slots: Mapped[list[QueueSlot]] = relationship(back_populates="account", cascade="all, delete-orphan")


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    color: Mapped[str] = mapped_column(String(9), default="#4f6bed")
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    goal: Mapped[str] = mapped_column(Text, default="")
    utm_source: Mapped[str] = mapped_column(String(200), default="")
    utm_medium: Mapped[str] = mapped_column(String(200), default="")
    utm_campaign: Mapped[str] = mapped_column(String(200), default="")
    utm_term: Mapped[str] = mapped_column(String(200), default="")
    utm_content: Mapped[str] = mapped_column(String(200), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A measurable goal: reach ``goal_target`` of ``goal_metric`` ("engagements", "likes", ...,
    #: "followers") by ``goal_by``. ``goal`` stays the goal in the user's own words.
    goal_metric: Mapped[str] = mapped_column(String(40), default="")
    goal_target: Mapped[int | None] = mapped_column(Integer, default=None)
    goal_by: Mapped[date | None] = mapped_column(Date, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="campaign")

    __table_args__ = (CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"),)


class Post(Base):
    """What the user composed once: the shared text (and thread parts) and media."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    #: Further thread parts after ``text`` (list of strings), for networks that support threads.
    thread: Mapped[list[Any]] = mapped_column(JSON, default=list)
    link: Mapped[str] = mapped_column(String(2000), default="")
    content_warning: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None, index=True
    )
    #: The user's IANA zone when scheduling, so wall-clock recurrences survive DST changes.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: Posts made from one recurrence ("every Monday 09:00 until …") share a series id.
    series_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    #: A reply posted under the post (the thread's last part) on networks with threads.
    first_comment: Mapped[str] = mapped_column(Text, default="")
    #: The CSV import that saved this post, while that import is still running (else None).
    import_job: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    #: Published outside the app and imported for analytics (history); never published by us.
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Links the user opted out of UTM tagging (exact URLs as written in the text).
    no_utm: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign | None] = relationship(back_populates="posts")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Variant.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        order_by="Attachment.position",
    )


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class Variant(Base):
    """One post as it goes to one account: its own text if overridden, its own state."""

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("post_id", "account_id"),
        Index("ix_variants_state_scheduled_at", "state", "scheduled_at"),
        Index("ix_variants_account_remote_id", "account_id", "remote_id"),
        # Covers the dashboard's scan of a period: it never reads the (wide) rows themselves.
        Index(
            "ix_variants_published_stats",
            "published_at",
            "state",
            "account_id",
            "post_id",
            "engagements",
            "followers_at_publish",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    #: None = use the post's shared text.
    text: Mapped[str | None] = mapped_column(Text, default=None)
    thread: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    media_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[VariantState] = mapped_column(_enum(VariantState, "variant_state"), default=VariantState.DRAFT)
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    #: Stable for every attempt of this variant, so a retry can never post twice.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_idempotency_key)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    remote_id: Mapped[str] = mapped_column(String(500), default="")
    remote_url: Mapped[str] = mapped_column(String(1000), default="")
    #: Every live part, in order: ``[{"index": 0, "remote_id": "…", "url": "…"}]``, each saved the
    #: moment the network returned it.
    remote_parts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    #: Each part's text with the campaign's UTM tags applied, worked out once at the first claim;
    #: every later attempt, count and look-up uses exactly this (None until first claimed).
    tagged_texts: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    #: When this variant's metrics were last read from the network.
    metrics_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The sum of the newest values of the engagement metrics (metric_latest), kept by
    #: desktop.services.metrics.store.refresh_variant_stats; None = no metric read yet.
    engagements: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The account's followers in the snapshot nearest published_at (the earlier on a tie),
    #: kept by refresh_variant_stats; None = no follower snapshot yet.
    followers_at_publish: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: When the user was last told about this variant's failure (one notification per failure).
    notified_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Bumped by every write (ORM flushes check it; desktop.services.transitions bumps it), so a
    #: write based on a stale read fails instead of overwriting a publisher's claim.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    post: Mapped[Post] = relationship(back_populates="variants")
    account: Mapped[Account] = relationship(back_populates="variants")

    def __init__(self, **kw: Any) -> None:
        # The key exists from the moment the variant does, not only after a flush.
        kw.setdefault("idempotency_key", new_idempotency_key())
        super().__init__(**kw)

    attempts: Mapped[list[PublishAttempt]] = relationship(
        back_populates="variant", cascade="all, delete-orphan", order_by="PublishAttempt.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="variant", cascade="all, delete-orphan", order_by="Attachment.position"
    )


class Media(Base):
    """A file copied into the data dir under its content hash."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))  # relative to the data dir
    original_name: Mapped[str] = mapped_column(String(500), default="")
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    alt_text: Mapped[str] = mapped_column(Text, default="")  # default for new attachments
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A media file used by a post (shared) or by one variant (override), with its own alt text."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            "(post_id IS NOT NULL AND variant_id IS NULL) OR (post_id IS NULL AND variant_id IS NOT NULL)",
            name="owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), default=None, index=True)
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variants.id", ondelete="CASCADE"), default=None, index=True
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    part: Mapped[int] = mapped_column(Integer, default=0)  # which thread part it belongs to
    alt_text: Mapped[str] = mapped_column(Text, default="")

    media: Mapped[Media] = relationship()
    post: Mapped[Post | None] = relationship(back_populates="attachments")
    variant: Mapped[Variant | None] = relationship(back_populates="attachments")


class PublishAttempt(Base):
    __tablename__ = "publish_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[AttemptOutcome] = mapped_column(
        _enum(AttemptOutcome, "attempt_outcome"), default=AttemptOutcome.PENDING
    )
    error: Mapped[str] = mapped_column(Text, default="")
    runner: Mapped[str] = mapped_column(String(120), default="")  # "gui 1234@host", "cli 99@host"
    #: The texts of the parts this attempt sent: after an edit, what an earlier attempt may have
    #: left on the network is looked up by these.
    texts: Mapped[list[Any] | None] = mapped_column(JSON, default=None)

    variant: Mapped[Variant] = relationship(back_populates="attempts")


class MetricSnapshot(Base):
    """One counter read at one time, for a variant (post metrics) or an account. Never overwritten."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (
        Index("ix_metric_snapshots_variant_metric_taken", "variant_id", "metric", "taken_at"),
        Index("ix_metric_snapshots_account_metric_taken", "account_id", "metric", "taken_at"),
        Index("ix_metric_snapshots_taken_at", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), default=None)
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetricLatest(Base):
    """The newest snapshot of each (variant, metric), maintained beside the history so the
    dashboard reads current values without scanning it."""

    __tablename__ = "metric_latest"

    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateWindow(Base):
    """What the network last said about an account's rate-limit window (from its response
    headers), shared by every process so metrics can leave a reserve for publishing."""

    __tablename__ = "rate_windows"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(60), primary_key=True, default="default")
    limit: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    resets_at: Mapped[datetime | None] = mapped_column(default=None)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueueSlot(Base):
    """A weekly posting time for an account (Buffer-style queue), in the user's wall-clock time."""

    __tablename__ = "queue_slots"
    __table_args__ = (
        UniqueConstraint("account_id", "weekday", "time_of_day"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    time_of_day: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")

    account: Mapped[Account] = relationship(back_populates="slots")


class Setting(Base):
    """App settings that matter to behaviour (not UI state, which lives in QSettings)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class CredentialLease(Base):
    """Who is refreshing an account's credentials right now, shared by every process (the app,
    the OS job, the CLI): a network that rotates refresh tokens accepts each one once, so two
    refreshes at the same time would leave one of them with a dead token. Taken with one
    conditional UPDATE (free, or expired); the holder saves the new tokens before letting go."""

    __tablename__ = "credential_leases"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
