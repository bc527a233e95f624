"""Instagram professional accounts through the Instagram Graph API
(https://developers.facebook.com/docs/instagram-platform/content-publishing).

**Not available yet, and hidden from Connect** (``info.available`` is False). Every Instagram post
is an image, a video or a carousel, and Instagram fetches each file from a public web address
("We cURL media used in publishing attempts so the media must be hosted on a publicly accessible
server at the time of the attempt" — the content publishing guide). Campaign Desk has nowhere
public to put a file, so :meth:`InstagramProvider.validate` refuses every Instagram post before it
is scheduled, with a plain explanation, and :meth:`InstagramProvider.publish` sends nothing. The
publishing steps, when an upload target exists, are: a container (``POST /{ig-user-id}/media``
with ``image_url`` and ``caption``; carousel items with ``is_carousel_item``), its
``status_code`` read until FINISHED, then ``POST /{ig-user-id}/media_publish?creation_id=…``.

What works against the documented replies (tests/fixtures/instagram): account metrics (the IG User's
``followers_count``, ``follows_count`` and ``media_count``), post metrics (the IG Media's
``like_count`` and ``comments_count``), and errors (the Graph API error object, mapped as for
Threads). Reconciliation has nothing to find: the app never sends an Instagram post. Deleting is
refused: the Instagram Graph API does not let apps delete media.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import httpx
import regex

from providers.base import (
    AccountMetrics,
    AuthKind,
    ConnectedAccount,
    ConnectField,
    Connection,
    Limits,
    PartCallback,
    PostMetrics,
    PostRequest,
    Problem,
    Provider,
    ProviderInfo,
    Published,
    PublishedPart,
    Rejected,
    count_graphemes,
    reported_counts,
)
from providers.http import account_client
from providers.meta_graph import GraphApi

NETWORK = "Instagram"
API_URL = "https://graph.facebook.com"
VERSION = "v21.0"
GRAPH = GraphApi(NETWORK, VERSION)
MB = 1024 * 1024

#: Caption: 2,200 characters and 30 hashtags (the IG User Media reference, ``caption``:
#: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media);
#: a carousel has up to 10 items; JPEG images up to 8 MB (same page). 50 posts per 24 hours:
#: https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-user/media_publish
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
DEFAULT_LIMITS = Limits(
    max_chars=MAX_CAPTION,
    max_media=10,
    max_parts=1,
    media_types=frozenset({"image/jpeg"}),
    max_image_bytes=8 * MB,
    max_alt_chars=1000,
)

#: Said of every Instagram post, with media or without.
NEEDS_PUBLIC_MEDIA = (
    "Every Instagram post needs an image or a video, and Instagram fetches it from a public web "
    "address. Campaign Desk has nowhere public to put your file yet, so it cannot post to Instagram."
)

POST_FIELDS = {"likes": "like_count", "replies": "comments_count"}
ACCOUNT_FIELDS = {"followers": "followers_count", "following": "follows_count", "posts": "media_count"}

_HASHTAG = regex.compile(r"(?<![\w&])#\w+")


def hashtags(text: str) -> int:
    return len(_HASHTAG.findall(text))


class InstagramProvider(Provider):
    info = ProviderInfo(
        id="instagram",
        name="Instagram",
        auth_kind=AuthKind.ACCESS_TOKEN,
        connect_fields=(ConnectField("access_token", "Access token", secret=True),),
        limits=DEFAULT_LIMITS,
        counting="Characters, at most 2,200, with up to 30 hashtags.",
        threads=False,
        alt_text=True,
        native_idempotency=False,
        post_metrics=tuple(POST_FIELDS),
        account_metrics=tuple(ACCOUNT_FIELDS),
        icon="instagram",
        color="#e1306c",
        oauth=None,
        available=False,  # see the module docstring
    )

    def __init__(self, *, transport: httpx.BaseTransport | None = None, api_url: str = API_URL) -> None:
        self._transport = transport
        self._api_url = api_url

    def measure(self, text: str, limits: Limits | None = None) -> int:
        return count_graphemes(text)

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """The base checks, the 30-hashtag cap, and the refusal every Instagram post gets (see the
        module docstring)."""
        problems = super().validate(post, limits)
        for i, part in enumerate(post.parts):
            where = i if len(post.parts) > 1 else None
            n = hashtags(part.text)
            if n > MAX_HASHTAGS:
                problems.append(
                    Problem("too_many_hashtags", f"{n} hashtags; Instagram takes up to {MAX_HASHTAGS}.", where)
                )
        problems.append(Problem("media_needs_public_url", NEEDS_PUBLIC_MEDIA))
        return problems

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        raise Rejected(NEEDS_PUBLIC_MEDIA)

    def _session(self, conn: Connection) -> httpx.Client:
        return account_client(
            conn, conn.server_url or self._api_url, whose="Instagram account", transport=self._transport
        )

    def _get(self, client: httpx.Client, node: str, fields: str) -> dict[str, object]:
        response = GRAPH.call(client, "GET", GRAPH.path(node), params={"fields": fields})
        return GRAPH.json_object(response, f"the {NETWORK} lookup")

    def publish(
        self,
        conn: Connection,
        post: PostRequest,
        idempotency_key: str,
        *,
        done: Sequence[PublishedPart] = (),
        on_part: PartCallback | None = None,
    ) -> Published:
        """Refused, sending nothing: see the module docstring."""
        raise Rejected(NEEDS_PUBLIC_MEDIA)

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """Nothing to look up: ``publish`` never sends a post, so none of ours can be live."""
        return Published.from_parts(done) if done else None

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """``GET /{ig-media-id}?fields=like_count,comments_count`` for each post; one Instagram no
        longer has is left out."""
        out: dict[str, PostMetrics] = {}
        with self._session(conn) as client:
            for remote_id in remote_ids:
                try:
                    media = self._get(client, remote_id, ",".join(POST_FIELDS.values()))
                except Rejected:
                    continue
                values = reported_counts(media, POST_FIELDS)
                if values:
                    out[remote_id] = PostMetrics(remote_id, values)
        return out

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        """``GET /{ig-user-id}?fields=followers_count,follows_count,media_count``."""
        with self._session(conn) as client:
            user = self._get(client, conn.remote_id, ",".join(ACCOUNT_FIELDS.values()))
        return AccountMetrics(reported_counts(user, ACCOUNT_FIELDS))

    def delete(self, conn: Connection, remote_id: str) -> None:
        raise Rejected("Instagram does not let apps delete posts. Delete it in the Instagram app.")
