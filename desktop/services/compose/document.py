"""The composer's document: one post being written, shared and per account, as plain data.

A :class:`ComposeDoc` holds the shared thread (a list of part texts), shared media, one
optional override per account (its own parts, media and alt text), a first comment, the
campaign and the time choice; a :class:`Target` is an account as the composer sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from providers.base import Limits, MediaItem


@dataclass(frozen=True)
class MediaRef:
    """One attached file (already copied into the data dir) and its alt text."""

    path: Path
    mime: str
    size: int = 0
    width: int | None = None
    height: int | None = None
    alt_text: str = ""
    name: str = ""

    def item(self) -> MediaItem:
        return MediaItem(self.path, self.mime, self.alt_text, self.size, self.width, self.height)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "mime": self.mime,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "alt_text": self.alt_text,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MediaRef:
        return cls(
            Path(data["path"]),
            data["mime"],
            data.get("size", 0),
            data.get("width"),
            data.get("height"),
            data.get("alt_text", ""),
            data.get("name", ""),
        )


@dataclass(frozen=True)
class Target:
    """A connected account as the composer needs it: who, where, and what it accepts."""

    account_id: int
    network: str
    network_name: str
    handle: str
    display_name: str
    limits: Limits
    threads: bool
    alt_text: bool
    status: str = "connected"

    @property
    def label(self) -> str:
        return self.handle if self.handle.startswith("@") else f"@{self.handle}"


@dataclass
class Override:
    """What one account posts instead of the shared content (None: use the shared one)."""

    parts: list[str] | None = None
    media: list[MediaRef] | None = None


@dataclass
class ComposeDoc:
    """The post being composed. Plain data: the UI edits it, the functions below read it."""

    account_ids: list[int] = field(default_factory=list)
    parts: list[str] = field(default_factory=lambda: [""])
    media: list[MediaRef] = field(default_factory=list)
    overrides: dict[int, Override] = field(default_factory=dict)
    first_comment: str = ""
    campaign: str | None = None
    link: str = ""
    at: datetime | None = None  # UTC; None: not chosen yet
    post_id: int | None = None
    status: str = "draft"  # of the stored post, when editing one
    locked: frozenset[int] = frozenset()  # accounts whose variant is already live
    #: Links (as written) the user opted out of the campaign's UTM tags.
    no_utm: list[str] = field(default_factory=list)
    #: Each stored variant's version when this document last read or saved it: a save finding
    #: another is refused (the publisher, or another window, changed it in between).
    versions: dict[int, int] = field(default_factory=dict)

    def parts_for(self, account_id: int) -> list[str]:
        o = self.overrides.get(account_id)
        return list(o.parts) if o and o.parts is not None else list(self.parts)

    def media_for(self, account_id: int) -> list[MediaRef]:
        o = self.overrides.get(account_id)
        return list(o.media) if o and o.media is not None else list(self.media)

    def is_overridden(self, account_id: int) -> bool:
        o = self.overrides.get(account_id)
        return bool(o and (o.parts is not None or o.media is not None))

    def is_empty(self) -> bool:
        return not any(p.strip() for p in self.parts) and not self.media and not self.overrides

    def to_json(self) -> dict[str, Any]:
        return {
            "account_ids": list(self.account_ids),
            "parts": list(self.parts),
            "media": [m.to_json() for m in self.media],
            "overrides": {
                str(k): {
                    "parts": o.parts,
                    "media": None if o.media is None else [m.to_json() for m in o.media],
                }
                for k, o in self.overrides.items()
            },
            "first_comment": self.first_comment,
            "campaign": self.campaign,
            "link": self.link,
            "at": self.at.isoformat() if self.at else None,
            "post_id": self.post_id,
            "status": self.status,
            "locked": sorted(self.locked),
            "no_utm": list(self.no_utm),
            "versions": {str(k): v for k, v in self.versions.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComposeDoc:
        overrides = {
            int(k): Override(
                parts=v.get("parts"),
                media=None if v.get("media") is None else [MediaRef.from_json(m) for m in v["media"]],
            )
            for k, v in (data.get("overrides") or {}).items()
        }
        return cls(
            account_ids=[int(a) for a in data.get("account_ids", [])],
            parts=list(data.get("parts") or [""]),
            media=[MediaRef.from_json(m) for m in data.get("media", [])],
            overrides=overrides,
            first_comment=data.get("first_comment", ""),
            campaign=data.get("campaign"),
            link=data.get("link", ""),
            at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
            post_id=data.get("post_id"),
            status=data.get("status", "draft"),
            locked=frozenset(int(a) for a in data.get("locked", [])),
            no_utm=[str(u) for u in data.get("no_utm") or []],
            versions={int(k): int(v) for k, v in (data.get("versions") or {}).items()},
        )


def without_override(doc: ComposeDoc, account_id: int) -> ComposeDoc:
    """``doc`` with ``account_id`` back on the shared content."""
    overrides = dict(doc.overrides)
    overrides.pop(account_id, None)
    return replace(doc, overrides=overrides)
