"""Media uploads through the X API v2 media endpoints (https://docs.x.com/x-api/media/introduction).

- Images (JPEG, PNG, WebP): one ``POST /2/media/upload`` (multipart: ``media`` bytes,
  ``media_category=tweet_image``), https://docs.x.com/x-api/media/upload-media.
- Video and animated GIF: the chunked flow, https://docs.x.com/x-api/media/quickstart/media-upload-chunked
  and the endpoint pages it links: ``POST /2/media/upload/initialize`` (JSON ``media_type``,
  ``total_bytes``, ``media_category``), ``POST /2/media/upload/{id}/append`` (multipart ``media``
  chunk and ``segment_index``, each chunk at most 5 MB), ``POST /2/media/upload/{id}/finalize``, then
  while ``processing_info`` says so, ``GET /2/media/upload?command=STATUS&media_id=…`` after
  ``check_after_secs`` until ``state`` is ``succeeded`` (``failed`` is final).
- Alt text: ``POST /2/media/metadata`` with ``{"id", "metadata": {"alt_text": {"text"}}}``
  (https://docs.x.com/x-api/media/create-media-metadata), images and GIFs only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from providers.base import MediaItem, Rejected, Transient
from providers.x.api import call, data_object, words_of

#: Appended chunk size: "Keep each segment at or below 5 MB" (append-media-upload).
CHUNK_BYTES = 4 * 1024 * 1024
#: How long we wait for X to process a video before calling it transient.
PROCESSING_TIMEOUT = 300.0
#: The STATUS poll interval when X does not say (check_after_secs), and its cap.
DEFAULT_CHECK_AFTER = 1.0
MAX_CHECK_AFTER = 30.0


def category(mime: str) -> str:
    """The ``media_category`` for a post's attachment (best-practices: tweet_image/gif/video)."""
    if mime == "image/gif":
        return "tweet_gif"
    if mime.startswith("video/"):
        return "tweet_video"
    return "tweet_image"


@dataclass
class Uploader:
    """Uploads one post's attachments with one client (the account's)."""

    client: httpx.Client
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    timeout: float = PROCESSING_TIMEOUT
    chunk_bytes: int = CHUNK_BYTES
    uploaded: list[str] = field(default_factory=list)

    def upload(self, item: MediaItem) -> str:
        """Upload ``item`` (and its alt text) and return its media id, ready to attach."""
        kind = category(item.mime)
        try:
            content = item.path.read_bytes()
        except OSError as exc:
            raise Rejected(f"{item.path.name} cannot be read.", network_message=exc.strerror) from None
        if kind == "tweet_image":
            media_id = self._simple(item, content)
        else:
            media_id = self._chunked(item, content, kind)
        if item.alt_text and kind != "tweet_video":  # metadata: "only supported for images and GIFs"
            call(
                self.client,
                "POST",
                "/2/media/metadata",
                action="media",
                json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text}}},
            )
        self.uploaded.append(media_id)
        return media_id

    def _simple(self, item: MediaItem, content: bytes) -> str:
        response = call(
            self.client,
            "POST",
            "/2/media/upload",
            action="media",
            files={"media": (item.path.name, content, item.mime)},
            data={"media_category": "tweet_image", "media_type": item.mime},
        )
        data = data_object(response, "a media upload")
        media_id = _id(data)
        if isinstance(data.get("processing_info"), dict):
            self._wait(media_id, data["processing_info"], item)
        return media_id

    def _chunked(self, item: MediaItem, content: bytes, kind: str) -> str:
        response = call(
            self.client,
            "POST",
            "/2/media/upload/initialize",
            action="media",
            json={"media_type": item.mime, "total_bytes": len(content), "media_category": kind},
        )
        media_id = _id(data_object(response, "a media upload"))
        for index, start in enumerate(range(0, len(content), self.chunk_bytes)):
            chunk = content[start : start + self.chunk_bytes]
            call(
                self.client,
                "POST",
                f"/2/media/upload/{media_id}/append",
                action="media",
                files={"media": ("chunk", chunk, "application/octet-stream")},
                data={"segment_index": str(index)},
            )
        response = call(self.client, "POST", f"/2/media/upload/{media_id}/finalize", action="media")
        data = data_object(response, "finishing a media upload")
        info = data.get("processing_info")
        if isinstance(info, dict):
            self._wait(media_id, info, item)
        return media_id

    def _wait(self, media_id: str, info: dict[str, Any], item: MediaItem) -> None:
        """Poll STATUS until X has processed the upload."""
        deadline = self.clock() + self.timeout
        while True:
            state = info.get("state")
            if state == "succeeded":
                return
            if state == "failed":
                error = info.get("error")
                words = words_of({"errors": [error]}) if isinstance(error, dict) else None
                raise Rejected(f"X could not process {item.path.name}.", network_message=words)
            wait = info.get("check_after_secs")
            delay = float(wait) if isinstance(wait, int | float) and not isinstance(wait, bool) else DEFAULT_CHECK_AFTER
            delay = min(max(delay, 0.0), MAX_CHECK_AFTER)
            if self.clock() + delay > deadline:
                raise Transient(f"X is still processing {item.path.name} after {self.timeout:.0f} s.")
            self.sleep(delay)
            response = call(
                self.client,
                "GET",
                "/2/media/upload",
                action="media",
                params={"command": "STATUS", "media_id": media_id},
            )
            data = data_object(response, "a media status check")
            next_info = data.get("processing_info")
            if not isinstance(next_info, dict):
                return  # no processing_info: "the media is ready to use"
            info = next_info


def _id(data: dict[str, Any]) -> str:
    media_id = data.get("id") or data.get("media_id_string") or data.get("media_id")
    if not media_id:
        raise Transient("X sent a media upload reply without a media id.")
    return str(media_id)
