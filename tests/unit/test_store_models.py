"""Every model survives a round trip through a real SQLite file with the migrated schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from desktop.store.database import Database
from desktop.store.models import (
    Account,
    AccountStatus,
    Attachment,
    AttemptOutcome,
    Campaign,
    Media,
    MetricSnapshot,
    Post,
    PublishAttempt,
    QueueSlot,
    Setting,
    Variant,
    VariantState,
)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database.open(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    yield database
    database.close()


def _account(**kw: object) -> Account:
    defaults = dict(provider="mastodon", remote_id="109", handle="@ann@example.social", server_url="https://ex.social")
    return Account(**{**defaults, **kw})


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_account_round_trip_keeps_limits_and_settings(db: Database) -> None:
    with db.sessions() as s, s.begin():
        s.add(_account(limits={"max_chars": 500, "url_length": 23}, settings={"appview": "https://x"}, paused=True))
    with db.sessions() as s:
        a = s.scalars(select(Account)).one()
        assert (a.provider, a.handle, a.status, a.paused) == (
            "mastodon",
            "@ann@example.social",
            AccountStatus.CONNECTED,
            True,
        )
        assert a.limits == {"max_chars": 500, "url_length": 23}
        assert a.settings == {"appview": "https://x"}
        assert a.created_at.tzinfo is UTC


def test_account_is_unique_per_server_and_remote_id(db: Database) -> None:
    with db.sessions() as s, s.begin():
        s.add(_account())
    with pytest.raises(IntegrityError), db.sessions() as s, s.begin():
        s.add(_account(handle="again"))


def test_campaign_round_trip_and_date_order_check(db: Database) -> None:
    with db.sessions() as s, s.begin():
        s.add(Campaign(name="Spring", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), utm_source="social"))
    with db.sessions() as s:
        c = s.scalars(select(Campaign)).one()
        assert (c.name, c.starts_on, c.ends_on, c.utm_source) == (
            "Spring",
            date(2026, 3, 1),
            date(2026, 3, 31),
            "social",
        )
    with pytest.raises(IntegrityError), db.sessions() as s, s.begin():
        s.add(Campaign(name="Backwards", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 1)))


def test_post_variant_attempt_round_trip_with_utc_times(db: Database) -> None:
    paris = timezone(timedelta(hours=1))
    when = datetime(2026, 12, 1, 9, 30, tzinfo=paris)
    with db.sessions() as s, s.begin():
        account = _account()
        campaign = Campaign(name="Winter")
        post = Post(text="Hello 👋", thread=["part two"], campaign=campaign, timezone="Europe/Paris")
        variant = Variant(post=post, account=account, state=VariantState.SCHEDULED, scheduled_at=when, text="Hi")
        variant.attempts.append(PublishAttempt(idempotency_key=variant.idempotency_key, runner="test"))
        s.add_all([account, campaign, post, variant])
    with db.sessions() as s:
        v = s.scalars(select(Variant)).one()
        assert v.scheduled_at == when  # same instant...
        assert v.scheduled_at.utcoffset() == timedelta(0)  # ...handed back in UTC
        assert v.post.text == "Hello 👋" and v.post.thread == ["part two"] and v.post.campaign.name == "Winter"
        assert v.text == "Hi" and v.state is VariantState.SCHEDULED
        assert len(v.idempotency_key) == 32
        (attempt,) = v.attempts
        assert attempt.outcome is AttemptOutcome.PENDING and attempt.idempotency_key == v.idempotency_key


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.sessions() as s, s.begin():
        s.add(Variant(post=Post(text="x"), account=_account(), scheduled_at=datetime(2026, 1, 1, 9, 0)))


def test_variant_idempotency_key_is_unique_and_stable(db: Database) -> None:
    with db.sessions() as s, s.begin():
        post = Post(text="x")
        a, b = _account(remote_id="1"), _account(remote_id="2")
        s.add_all([Variant(post=post, account=a), Variant(post=post, account=b)])
    with db.sessions() as s:
        keys = [v.idempotency_key for v in s.scalars(select(Variant))]
    assert len(set(keys)) == 2


def test_media_and_attachments_round_trip(db: Database) -> None:
    with db.sessions() as s, s.begin():
        media = Media(sha256="ab" * 32, path="media/ab/abab.png", mime="image/png", size=1234, width=10, height=20)
        post = Post(text="pic")
        variant = Variant(post=post, account=_account(), media_overridden=True)
        post.attachments.append(Attachment(media=media, alt_text="A red square", position=0))
        variant.attachments.append(Attachment(media=media, alt_text="Un carré rouge", position=0))
        s.add_all([post, variant])
    with db.sessions() as s:
        post = s.scalars(select(Post)).one()
        assert [a.alt_text for a in post.attachments] == ["A red square"]
        assert [a.alt_text for a in post.variants[0].attachments] == ["Un carré rouge"]
        assert post.attachments[0].media.mime == "image/png"


def test_attachment_must_belong_to_exactly_one_owner(db: Database) -> None:
    with db.sessions() as s, s.begin():
        s.add(Media(sha256="cd" * 32, path="m", mime="image/png", size=1))
    with pytest.raises(IntegrityError), db.sessions() as s, s.begin():
        s.add(Attachment(media_id=1))


def test_metric_snapshots_accumulate(db: Database) -> None:
    with db.sessions() as s, s.begin():
        variant = Variant(post=Post(text="x"), account=_account())
        s.add(variant)
        s.flush()
        for value in (1, 5, 9):
            s.add(MetricSnapshot(account_id=variant.account_id, variant_id=variant.id, metric="likes", value=value))
        s.add(MetricSnapshot(account_id=variant.account_id, metric="followers", value=120))
    with db.sessions() as s:
        likes = s.scalars(select(MetricSnapshot.value).where(MetricSnapshot.metric == "likes")).all()
        assert sorted(likes) == [1, 5, 9]
        followers = s.scalars(select(MetricSnapshot).where(MetricSnapshot.variant_id.is_(None))).one()
        assert followers.value == 120


def test_queue_slots_and_settings_round_trip(db: Database) -> None:
    with db.sessions() as s, s.begin():
        account = _account()
        account.slots.append(QueueSlot(weekday=0, time_of_day=time(9, 0), timezone="Europe/Paris"))
        s.add_all([account, Setting(key="give_up_hours", value=6)])
    with db.sessions() as s:
        slot = s.scalars(select(QueueSlot)).one()
        assert (slot.weekday, slot.time_of_day, slot.timezone) == (0, time(9, 0), "Europe/Paris")
        assert s.get(Setting, "give_up_hours").value == 6
    with pytest.raises(IntegrityError), db.sessions() as s, s.begin():
        s.add(QueueSlot(account_id=1, weekday=7, time_of_day=time(9, 0)))


def test_deleting_an_account_cascades_to_its_variants(db: Database) -> None:
    with db.sessions() as s, s.begin():
        s.add(Variant(post=Post(text="x"), account=_account()))
    with db.sessions() as s, s.begin():
        s.execute(text("DELETE FROM accounts"))
    with db.sessions() as s:
        assert s.scalars(select(Variant)).all() == []
        assert len(s.scalars(select(Post)).all()) == 1  # the post itself stays
