"""Publishing a thread part by part on networks where each further part is a reply to the one before
(X, Threads, Mastodon): what ``Provider.publish`` promises about ``done``, ``on_part`` and the parts an
error carries, kept in one place. How one part is sent is the network's own business."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from providers.base import PartCallback, PostRequest, ProviderError, PublishedPart


def publish_parts(
    post: PostRequest,
    done: Sequence[PublishedPart],
    on_part: PartCallback | None,
    send_part: Callable[[int, PublishedPart | None], PublishedPart],
) -> list[PublishedPart]:
    """Every part of ``post``: ``done``, then each further part as ``send_part(index, previous)`` sends
    it (``previous`` is the part it replies to, None for the first). ``on_part`` hears of each part the
    moment it is made; an error raised while sending a part carries the parts live before it
    (``ProviderError.parts``)."""
    parts = list(done)
    for index in range(len(parts), len(post.parts)):
        try:
            made = send_part(index, parts[-1] if parts else None)
        except ProviderError as exc:
            exc.parts = tuple(parts)
            raise
        parts.append(made)
        if on_part is not None:
            on_part(made)
    return parts
