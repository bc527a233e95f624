"""Reading X's post objects (https://docs.x.com/x-api/fundamentals/data-dictionary): their text as
posted, what they reply to, their time, and their public URL."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import regex
from twitter_text.extract_urls import extract_urls_with_indices

from providers.times import as_utc

_SPACE = regex.compile(r"\s+")


def comparable(text: str) -> str:
    """``text`` as X hands it back, made comparable to what we sent: X replaces each link with a
    t.co link and escapes &, < and > in ``text``, and normalises to NFC."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    spans = extract_urls_with_indices(text)
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s["indices"][0]):
        start, end = span["indices"]
        out.append(text[last:start])
        out.append("\x00link")
        last = end
    out.append(text[last:])
    return _SPACE.sub(" ", "".join(out)).strip()


def iso_time(when: datetime) -> str:
    """X's timestamp format for start_time: YYYY-MM-DDTHH:mm:ssZ."""
    return as_utc(when).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_of(tweet: Mapping[str, Any]) -> str:
    note = tweet.get("note_tweet")  # a long post (X Premium) carries its whole text here
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return str(note["text"])
    return str(tweet.get("text") or "")


def replied_to(tweet: Mapping[str, Any]) -> str | None:
    refs = tweet.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id"):
            return str(ref["id"])
    return None


def is_repost(tweet: Mapping[str, Any]) -> bool:
    refs = tweet.get("referenced_tweets")
    return any(isinstance(r, dict) and r.get("type") == "retweeted" for r in (refs if isinstance(refs, list) else []))


def post_url(handle: str, tweet_id: str) -> str:
    username = handle.lstrip("@").strip()
    return f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"
