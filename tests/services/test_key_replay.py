"""Found by the thread soak (a part lost behind a "published" label): a part went out unheard, the
user edited the post, and what the network held under the variant's key was then taken for the
edit. Two ways in, each driven here against the loopback Mastodon server:

- The retry, seconds later: Mastodon answers the part's Idempotency-Key with the status the earlier
  request made (the earlier text). That replay is recognised by its text, never by its age, and
  the mark reaches the saved record (it used to be dropped when the part was saved as it
  returned). The publisher's clock runs ten minutes ahead of the server's here (beyond
  find_published's tolerance, as the soak's moving clock does), so its look-up by the earlier
  text finds nothing and the key's answer is the only witness.
- A cancel: the check after it finds part 1 live with its earlier text. The part is recorded as
  such, so when the user sends the rest the thread says part 1 went out before the edit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.services import compose, posts
from desktop.services.context import AppContext
from desktop.services.publisher import Publisher
from desktop.store.models import VariantState
from tests.faults import FakeClock, FaultTransport
from tests.services.conftest import MastodonAccount
from tests.services.test_exactly_once import STATUSES, THREAD, _assert_chained, _chain
from tests.services.test_exactly_once import faults as faults  # the fixture: every call through a FaultTransport
from tests.services.test_publisher import _variant

EDITED = [f"{t} (edited)" for t in THREAD]


@pytest.fixture
def fast_clock() -> FakeClock:
    """The publisher's clock, ten minutes ahead of the server's: its look-ups by time find nothing."""
    return FakeClock(datetime.now(UTC) + timedelta(minutes=10))


def _edit(ctx: AppContext, post_id: int, parts: list[str], clock: FakeClock) -> None:
    doc = compose.load_post(ctx, post_id)
    doc.parts = parts
    compose.schedule(ctx, doc, compose.When(now=True), clock=clock.now)


def test_a_thread_edited_after_its_first_part_went_out_unheard_says_so_when_the_key_replays(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, fast_clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=THREAD[0], thread=THREAD[1:], now=True)
    faults.lose_reply("POST", STATUSES)  # part 1 reaches the server; its reply never comes
    (first,) = Publisher(ctx, clock=fast_clock).run_once().outcomes
    assert first.state == "retrying" and first.parts == ()
    _edit(ctx, row.id, EDITED, fast_clock)  # allowed: no part is known to be live
    fast_clock.advance(minutes=1)  # well inside the key's hour: seconds later for the server

    (second,) = Publisher(ctx, clock=fast_clock).run_once().outcomes

    assert second.state == "published"
    assert "part 1 went out before your last edit" in second.error  # said, not silent
    chain = _chain(masto, [THREAD[0], *EDITED[1:]])  # each once: the earlier part 1, the edited rest
    _assert_chained(chain)
    assert len(masto.statuses()) == 3
    v = _variant(ctx, row.variants[0].id)
    assert v.state is VariantState.PUBLISHED
    assert [p["remote_id"] for p in v.remote_parts] == [st["id"] for st in chain]
    assert [bool(p.get("stale")) for p in v.remote_parts] == [True, False, False]


def test_a_single_post_edited_after_it_went_out_unheard_says_so_when_the_key_replays(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, fast_clock: FakeClock
) -> None:
    row = posts.schedule_post(ctx, account_ids=[masto.id], text="Fist draft, typo", now=True)
    faults.lose_reply("POST", STATUSES)
    assert [o.state for o in Publisher(ctx, clock=fast_clock).run_once().outcomes] == ["retrying"]
    _edit(ctx, row.id, ["First draft, typo fixed"], fast_clock)
    fast_clock.advance(seconds=30)

    (second,) = Publisher(ctx, clock=fast_clock).run_once().outcomes

    assert second.state == "published" and "went out before your last edit" in second.error
    (status,) = masto.statuses()
    assert "Fist draft" in status["content"]
    assert _variant(ctx, row.variants[0].id).remote_id == status["id"]


def test_a_replay_of_the_same_text_is_no_edit(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport, fast_clock: FakeClock
) -> None:
    """Unheard, not edited: the key's answer is the very status, published without a note."""
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=THREAD[0], thread=THREAD[1:], now=True)
    faults.lose_reply("POST", STATUSES, nth=2)  # part 2 unheard
    assert [o.state for o in Publisher(ctx, clock=fast_clock).run_once().outcomes] == ["retrying"]
    fast_clock.advance(minutes=1)
    (second,) = Publisher(ctx, clock=fast_clock).run_once().outcomes
    assert second.state == "published" and second.error == ""
    assert len(masto.statuses()) == 3
    assert not any(p.get("stale") for p in _variant(ctx, row.variants[0].id).remote_parts)


def test_a_thread_cancelled_after_an_edit_and_found_live_keeps_its_earlier_part_marked(
    ctx: AppContext, masto: MastodonAccount, faults: FaultTransport
) -> None:
    """The soak's lost part: part 1 went out unheard, the user edited the thread, then cancelled
    it. The check after the cancel finds part 1 live with its earlier text; when the user sends
    the rest, the thread must say that part 1 went out before the edit, not claim the edit."""
    clock = FakeClock(datetime.now(UTC) + timedelta(seconds=5))
    row = posts.schedule_post(ctx, account_ids=[masto.id], text=THREAD[0], thread=THREAD[1:], now=True)
    faults.lose_reply("POST", STATUSES)
    assert [o.state for o in Publisher(ctx, clock=clock).run_once().outcomes] == ["retrying"]
    _edit(ctx, row.id, EDITED, clock)
    _, changed = posts.cancel_post(ctx, row.id)
    assert changed == 1
    clock.advance(minutes=1)

    (found,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert found.state == "partially_live" and "already published part 1" in found.error
    assert "Part 1 went out before your last edit" in found.error
    assert [bool(p.get("stale")) for p in _variant(ctx, row.variants[0].id).remote_parts] == [True]

    _edit(ctx, row.id, EDITED, clock)  # the user sends the rest after all
    clock.advance(minutes=1)
    (rest,) = Publisher(ctx, clock=clock).run_once().outcomes
    assert rest.state == "published"
    assert "part 1 went out before your last edit" in rest.error
    _assert_chained(_chain(masto, [THREAD[0], *EDITED[1:]]))
    assert len(masto.statuses()) == 3
