"""What one publishing pass did, per variant: the shapes behind ``publish-due --json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desktop.services.zones import iso_utc
from providers.base import PublishedPart


@dataclass(frozen=True)
class Outcome:
    variant_id: int
    post_id: int
    account_id: int
    network: str
    handle: str
    state: str
    url: str = ""
    error: str = ""
    next_attempt_at: datetime | None = None
    reconciled: bool = False
    parts: tuple[PublishedPart, ...] = ()
    #: Another writer changed the variant before this outcome could be saved (what went live
    #: was recorded all the same); ``state`` is what this publisher wanted to write.
    conflict: bool = False
    #: For a post that went out late: how late, and why where known ("due 09:00, published 09:47
    #: after the computer woke").
    late: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "variant_id": self.variant_id,
            "post_id": self.post_id,
            "account_id": self.account_id,
            "network": self.network,
            "handle": self.handle,
            "state": self.state,
            "url": self.url or None,
            "error": self.error or None,
            "next_attempt_at": iso_utc(self.next_attempt_at),
            "reconciled": self.reconciled,
            "parts": [p.to_json() for p in self.parts],
            "late": self.late or None,
        }


@dataclass
class PassReport:
    outcomes: list[Outcome] = field(default_factory=list)
    paused: bool = False

    def _in(self, *states: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.state in states and not o.conflict]

    @property
    def published(self) -> list[Outcome]:
        return self._in("published")

    @property
    def retrying(self) -> list[Outcome]:
        return self._in("retrying")

    @property
    def failed(self) -> list[Outcome]:
        return self._in("failed", "needs_reconnect", "partially_live", "outcome_unknown")

    @property
    def conflicts(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.conflict]

    @property
    def ok(self) -> bool:
        """Nothing in this pass failed, needs the user, must be retried or lost a race."""
        return not self.failed and not self.retrying and not self.conflicts

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "paused": self.paused,
            "published": [o.to_json() for o in self.published],
            "retrying": [o.to_json() for o in self.retrying],
            "failed": [o.to_json() for o in self._in("failed", "partially_live", "outcome_unknown")],
            "needs_reconnect": [o.to_json() for o in self._in("needs_reconnect")],
            "conflicts": [o.to_json() for o in self.conflicts],
        }
