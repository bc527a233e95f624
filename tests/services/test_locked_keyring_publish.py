"""A locked keyring during a headless run is a clear, retried failure, never a lost post."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from desktop.services import posts
from desktop.services.context import AppContext
from desktop.services.publisher import Publisher
from desktop.store.models import Variant, VariantState
from tests.services.conftest import MastodonAccount


class LockedKeyring(KeyringBackend):
    """A real keyring backend that behaves like a locked Secret Service collection."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


@pytest.fixture
def locked_keyring() -> Iterator[KeyringBackend]:
    """Lock the keyring (as after a reboot before the user logs in) for the test's first part."""
    unlocked = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        yield unlocked
    finally:
        keyring.set_keyring(unlocked)


def test_locked_keyring_retries_then_publishes_once_unlocked(
    ctx: AppContext, masto: MastodonAccount, locked_keyring: KeyringBackend
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Sent after the keyring unlocks", now=True)
    variant_id = row.variants[0].id

    report = Publisher(ctx, kind="cli").run_once()

    (outcome,) = report.outcomes
    assert outcome.state == "retrying"
    assert "locked" in outcome.error and "Unlock it" in outcome.error
    assert not report.ok  # publish-due exits 1: the scheduler's log shows the run did not finish the work
    assert outcome.next_attempt_at is not None
    with ctx.session() as s:
        v = s.get(Variant, variant_id)
        assert v is not None
        assert v.state is VariantState.RETRYING and "locked" in v.last_error
    assert masto.statuses() == []

    keyring.set_keyring(locked_keyring)  # the user logs in: the keyring is unlocked
    retry_at = outcome.next_attempt_at + timedelta(seconds=1)
    report = Publisher(ctx, kind="cli", clock=lambda: retry_at).run_once()

    assert [o.state for o in report.outcomes] == ["published"] and report.ok
    (status,) = masto.statuses()
    assert "Sent after the keyring unlocks" in status["content"]
    with ctx.session() as s:
        v = s.get(Variant, variant_id)
        assert v is not None
        assert v.state is VariantState.PUBLISHED and v.last_error == ""
