"""Timestamp identifiers (TIDs): the record keys of ``app.bsky.feed.post``.

Bluesky lets the client choose a post's record key, and the lexicon requires a TID (13 characters
of base32-sortable, 53 bits of microseconds then a 10-bit clock id). Deriving it from the
idempotency key makes publishing natively idempotent: a retry writes to the same key, so it
can never create a second post.
"""

from __future__ import annotations

import hashlib

import regex

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")

# Derived keys carry a timestamp inside a fixed past window (2023-01-01 + ~2 years), so they
# are valid, never "in the future", and still spread over ~2^55 values.
_WINDOW_START_US = 1_672_531_200_000_000
_WINDOW_US = 2 * 365 * 24 * 3600 * 1_000_000


def encode_tid(value: int) -> str:
    """The 13-character TID of a 63-bit integer (the top bit must be 0)."""
    if not 0 <= value < 1 << 63:
        raise ValueError("a TID is a 63-bit unsigned integer")
    chars = []
    for _ in range(13):
        chars.append(ALPHABET[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def decode_tid(tid: str) -> int:
    if not is_tid(tid):
        raise ValueError(f"not a TID: {tid!r}")
    value = 0
    for ch in tid:
        value = (value << 5) | ALPHABET.index(ch)
    return value


def is_tid(text: str) -> bool:
    return bool(_TID.match(text))


def make_tid(timestamp_us: int, clock_id: int) -> str:
    if not 0 <= clock_id < 1024:
        raise ValueError("clock id is 10 bits")
    return encode_tid((timestamp_us << 10) | clock_id)


def derive_rkey(idempotency_key: str, part: int = 0) -> str:
    """The record key for ``part`` of the post published under ``idempotency_key``: always the
    same for the same inputs, different (with overwhelming probability) for different ones."""
    digest = hashlib.sha256(f"campaign-desk/bluesky/{part}/{idempotency_key}".encode()).digest()
    timestamp = _WINDOW_START_US + int.from_bytes(digest[:8], "big") % _WINDOW_US
    clock_id = int.from_bytes(digest[8:10], "big") & 0x3FF
    return make_tid(timestamp, clock_id)
