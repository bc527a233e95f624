"""What one metrics pass did: the shape behind ``sync-metrics --json``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.services.zones import iso_utc


@dataclass(frozen=True)
class AccountNote:
    """One account set aside this pass: deferred (the rate-limit reserve, a Retry-After),
    skipped (it reports no metrics) or failed (``error``), in words for the user."""

    account_id: int
    network: str  # provider id, e.g. "mastodon"
    handle: str
    text: str  # the reason or the error, a sentence (the network's own words included)
    until: datetime | None = None  # deferred: when the account's window resets
    network_name: str = ""  # shown to people, e.g. "Mastodon"

    def __str__(self) -> str:
        """One sentence naming the account: "Mastodon @ann@example.social: …"."""
        who = f"{self.network_name or self.network.capitalize()} {self.handle}"
        return self.text if self.text.startswith(who) else f"{who}: {self.text}"

    def to_json(self, key: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "account_id": self.account_id,
            "network": self.network,
            "handle": self.handle,
        }
        if key == "reason":
            data["until"] = iso_utc(self.until)
        data[key] = self.text
        return data


@dataclass(frozen=True)
class SyncReport:
    """One pass. ``posts``: variants whose counters were read; ``accounts``: accounts whose own
    counters were read; ``snapshots``: rows written; ``history_imported``: posts found on the
    network and imported as external. ``cancelled``: the pass was stopped before the end."""

    manual: bool
    started_at: datetime
    finished_at: datetime
    posts: int = 0
    accounts: int = 0
    snapshots: int = 0
    history_imported: int = 0
    deferred: tuple[AccountNote, ...] = ()
    skipped: tuple[AccountNote, ...] = ()
    errors: tuple[AccountNote, ...] = ()
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """No account failed (deferred and skipped accounts are not failures)."""
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "manual": self.manual,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at),
            "posts": self.posts,
            "accounts": self.accounts,
            "snapshots": self.snapshots,
            "history_imported": self.history_imported,
            "cancelled": self.cancelled,
            "deferred": [n.to_json("reason") for n in self.deferred],
            "skipped": [{k: v for k, v in n.to_json("reason").items() if k != "until"} for n in self.skipped],
            "errors": [n.to_json("error") for n in self.errors],
        }
