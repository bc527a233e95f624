"""Threads (Meta) through the Threads API (https://developers.facebook.com/docs/threads).

Publishing is two steps per part (https://developers.facebook.com/docs/threads/posts): a media
container (``POST /{threads-user-id}/threads``, ``media_type=TEXT``), then ``POST
/{threads-user-id}/threads_publish?creation_id=…``. A thread's further parts are replies to the part
before (``reply_to_id``). Before publishing, the container's status is read (``GET
/{container-id}?fields=status,error_message``) until it is FINISHED.

Media: Threads fetches images and videos from a public web address (``image_url``/``video_url``);
Campaign Desk has nowhere public to put a file, so :meth:`ThreadsProvider.validate` refuses posts
with media before they are scheduled, and :meth:`ThreadsProvider.publish` refuses them too. Nothing
is uploaded anywhere.

Idempotency: Threads has no idempotency key. Before a variant is sent again after an unknown
outcome, the app calls :meth:`ThreadsProvider.find_published`, which reads the account's own posts
(``GET /{threads-user-id}/threads`` since the attempt) and matches the first part by its text, then
each further part among the direct replies to the part before (``GET /{media-id}/replies``) that
this account wrote with that text. ``idempotency_key`` is sent nowhere.

Sign-in: the Threads authorization window and code exchange, then the one-hour token is exchanged
for a 60-day one (``GET /access_token?grant_type=th_exchange_token``), which
:meth:`ThreadsProvider.refresh` renews (``GET /refresh_access_token?grant_type=th_refresh_token``)
(https://developers.facebook.com/docs/threads/get-started/long-lived-tokens/). The access token is
sent as an ``Authorization: Bearer`` header, never in a URL, so it cannot reach a log.

Rate windows: Threads counts API-published posts (250) and replies (1,000) per account over a moving
24 hours and reports the use at ``GET /{threads-user-id}/threads_publishing_limit``
(https://developers.facebook.com/docs/threads/overview/). Publishing reads it first, reports both
windows through ``Connection.observe_rate`` and stops with RateLimited when the quota is used up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx
import regex

from providers.base import (
    AccountMetrics,
    AuthExpired,
    AuthKind,
    ConnectedAccount,
    ConnectField,
    Connection,
    Limits,
    OAuthSpec,
    PartCallback,
    PostMetrics,
    PostRequest,
    Problem,
    Provider,
    ProviderError,
    ProviderInfo,
    Published,
    PublishedPart,
    RateLimited,
    RateWindow,
    Rejected,
    RemotePost,
    Transient,
)
from providers.http import account_client, check_url, make_client
from providers.meta_graph import graph_pages
from providers.oauth_tokens import expires_at
from providers.profiles import account_from_profile, pasted_token
from providers.reconcile import comparable_text, live_prefix, part_texts, read_back_from
from providers.thread_publish import publish_parts
from providers.threads.api import API_URL, NETWORK, call, json_object, path
from providers.times import parse_utc_time

MB = 1024 * 1024

#: Limits, each from the Threads docs (also in docs/networks/threads.md):
#: 500 characters, emojis counted as their UTF-8 bytes — https://developers.facebook.com/docs/threads/posts
#: (Limitations); a carousel has 2 to 20 items, images JPEG/PNG up to 8 MB, videos MOV/MP4 up to
#: 1 GB and 5 minutes — same page, "Media Specifications"; alt text up to 1,000 characters —
#: https://developers.facebook.com/docs/threads/reference/publishing. Media are refused anyway (see
#: the module docstring); the media limits are declared so the composer shows the right ones.
MAX_CHARS = 500
DEFAULT_LIMITS = Limits(
    max_chars=MAX_CHARS,
    max_media=20,
    max_parts=25,  # our cap on a thread, not Threads' (a thread is a chain of replies)
    url_length=None,
    media_types=frozenset({"image/jpeg", "image/png", "video/mp4", "video/quicktime"}),
    max_image_bytes=8 * MB,
    max_video_bytes=1024 * MB,
    max_alt_chars=1000,
    max_video_seconds=5 * 60,
)

#: What validate says to a post with media (the reason, in words a marketer understands).
MEDIA_REFUSAL = (
    "Threads fetches media from a public web address, and Campaign Desk has nowhere public to put "
    "your file yet. Post text only, or remove the image."
)

SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_insights",
    "threads_delete",
)

#: Media insights (https://developers.facebook.com/docs/threads/insights), by our metric names.
#: Threads' "shares" has no name in the app's vocabulary (desktop.services.metric_names) yet.
POST_METRIC_NAMES = {
    "impressions": "views",
    "likes": "likes",
    "replies": "replies",
    "reposts": "reposts",
    "quotes": "quotes",
}
ACCOUNT_METRIC_NAMES = {"followers": "followers_count"}

POST_FIELDS = "id,text,timestamp,permalink,username,media_type"
#: find_published / recent_posts: pages of 100 posts to read back through, at most.
MAX_PAGES = 5
#: Container status polls before publishing: text containers are usually FINISHED at once.
STATUS_POLLS = 10
STATUS_WAIT = 1.0

_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")
_GRAPHEME = regex.compile(r"\X")


def threads_length(text: str) -> int:
    """Length as Threads counts it: one per user-perceived character, except that an emoji counts
    as the number of its UTF-8 bytes (https://developers.facebook.com/docs/threads/posts, Limitations)."""
    n = 0
    for cluster in _GRAPHEME.findall(text):
        n += len(cluster.encode("utf-8")) if _EMOJI.search(cluster) else 1
    return n


def post_url(handle: str, remote_id: str) -> str:
    """The account's profile address: shown for a post whose permalink Threads did not give (it omits
    it for posts flagged for copyrighted material)."""
    return f"https://www.threads.net/@{handle.lstrip('@')}"


#: Browser sign-in as the Threads docs describe it
#: (https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions). Not
#: declared in ``ThreadsProvider.info``: see the comment there.
BROWSER_SIGN_IN = OAuthSpec(
    authorize_url="https://threads.net/oauth/authorize",
    token_url="https://graph.threads.net/oauth/access_token",
    scopes=SCOPES,
    scope_separator=",",
    client_secret_required=True,
    refreshes=True,
    developer_app_url="https://developers.facebook.com/apps",
    developer_app_help=(
        "Create a Meta app with the Threads use case, add the redirect URI under Use cases → Access the "
        "Threads API → Settings → Redirect Callback URLs, and enter the Threads app ID and Threads app "
        "secret (not the Meta app's own)."
    ),
    redirect_path="/callback",
    token_endpoint_auth_method="client_secret_post",
)


class ThreadsProvider(Provider):
    info = ProviderInfo(
        id="threads",
        name="Threads",
        auth_kind=AuthKind.ACCESS_TOKEN,
        connect_fields=(
            ConnectField(
                "access_token",
                "Access token",
                secret=True,
                help="A long-lived Threads user access token from your Meta app with the Threads use case "
                "(Use cases → Access the Threads API → Settings; you must be one of its Threads testers). "
                "It lasts 60 days: paste a new one before then.",
            ),
        ),
        limits=DEFAULT_LIMITS,
        counting="Characters, with each emoji counted as its size in bytes (usually 4); at most 500.",
        threads=True,
        alt_text=True,
        native_idempotency=False,
        post_metrics=tuple(POST_METRIC_NAMES),
        account_metrics=tuple(ACCOUNT_METRIC_NAMES),
        icon="threads",
        color="#000000",
        # No browser sign-in: Meta accepts only https redirect URIs for Threads apps, so the app's
        # loopback listener (http://127.0.0.1, RFC 8252) cannot receive the code
        # (https://github.com/fbsamples/threads_api/issues/32). BROWSER_SIGN_IN keeps the spec for
        # when the app has an https redirect.
        oauth=None,
        available=True,
    )

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        api_url: str = API_URL,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = transport
        self._api_url = api_url
        self._sleep = sleep
        self._wall_clock = wall_clock

    # --- counting and offline checks ---------------------------------------------------------

    def measure(self, text: str, limits: Limits | None = None) -> int:
        return threads_length(text)

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """The base checks, plus one refusal per part with media: Threads fetches media from a public
        web address, which Campaign Desk does not have (see the module docstring)."""
        problems = super().validate(post, limits)
        for i, part in enumerate(post.parts):
            if part.media:
                problems.append(Problem("media_needs_public_url", MEDIA_REFUSAL, i if len(post.parts) > 1 else None))
        return problems

    # --- HTTP plumbing -----------------------------------------------------------------------

    def _base(self, server_url: str) -> str:
        return check_url(server_url or self._api_url)

    def _session(self, conn: Connection) -> httpx.Client:
        return account_client(conn, self._base(conn.server_url), whose="Threads account", transport=self._transport)

    def _account(self, server_url: str, token: str, secrets: Mapping[str, str]) -> ConnectedAccount:
        base = self._base(server_url)
        with make_client(base, transport=self._transport, bearer=token) as client:
            response = call(
                client, "GET", path("me"), params={"fields": "id,username,name,threads_profile_picture_url"}
            )
        return account_from_profile(
            json_object(response, "the account lookup"),
            network=NETWORK,
            handle_prefix="",
            avatar_key="threads_profile_picture_url",
            server_url=base,
            secrets=secrets,
            limits=DEFAULT_LIMITS,
        )

    # --- connecting --------------------------------------------------------------------------

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        """Check a pasted Threads user access token (``GET /me``)."""
        token = pasted_token(fields, "Paste a Threads user access token made in your Meta app (Threads use case).")
        return self._account(self._api_url, token, {"access_token": token})

    def accounts_from_tokens(self, server_url: str, tokens: Mapping[str, str]) -> list[ConnectedAccount]:
        """The code exchange gives a one-hour token; exchange it at once for a 60-day one
        (``GET /access_token?grant_type=th_exchange_token&client_secret=…``), then read the account."""
        short = tokens.get("access_token") or ""
        secret = tokens.get("client_secret") or ""
        if not short:
            raise AuthExpired("Threads' sign-in gave no access token; please try again.")
        if not secret:
            raise AuthExpired("Threads needs your Threads app secret to keep the sign-in; enter it in Settings.")
        base = self._base(server_url)
        with make_client(base, transport=self._transport, bearer=short) as client:
            response = call(
                client, "GET", "/access_token", params={"grant_type": "th_exchange_token", "client_secret": secret}
            )
        long_lived = self._token_secrets(json_object(response, "the token exchange"), tokens)
        return [self._account(base, long_lived["access_token"], long_lived)]

    def _token_secrets(self, body: Mapping[str, Any], previous: Mapping[str, str]) -> dict[str, str]:
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise Transient("Threads sent a token reply without an access token.")
        keep = {k: str(previous[k]) for k in ("client_id", "client_secret") if previous.get(k)}
        keep["access_token"] = token
        expiry = expires_at(body.get("expires_in"), self._wall_clock())
        if expiry is not None:
            keep["expires_at"] = expiry
        return keep

    def refresh(self, conn: Connection) -> Mapping[str, str]:
        """``GET /refresh_access_token?grant_type=th_refresh_token``: a long-lived token at least a day
        old and not yet expired becomes a new 60-day one. An expired token cannot be renewed
        (AuthExpired: reconnect)."""
        token = conn.secrets.get("access_token")
        if not token:
            raise AuthExpired("This Threads sign-in cannot be renewed; please reconnect the account.")
        with make_client(
            self._base(conn.server_url),
            transport=self._transport,
            bearer=token,
            observe_rate=conn.observe_rate,
        ) as client:
            try:
                response = call(client, "GET", "/refresh_access_token", params={"grant_type": "th_refresh_token"})
            except Rejected as exc:  # Threads refuses an expired or too-young token with a 400
                raise AuthExpired(
                    "Threads refused to renew the sign-in; please reconnect the account.",
                    network_message=exc.network_message,
                ) from None
        return self._token_secrets(json_object(response, "the token refresh"), conn.secrets)

    # --- publishing --------------------------------------------------------------------------

    def _check_quota(self, client: httpx.Client, conn: Connection, replies: int, posts: int) -> None:
        """Read the publishing quota, report it as rate windows, and stop before a container is made
        when the posts (or replies) this call needs are not left."""
        response = call(
            client,
            "GET",
            path(conn.remote_id, "threads_publishing_limit"),
            params={"fields": "quota_usage,config,reply_quota_usage,reply_config"},
        )
        rows = json_object(response, "the publishing limit").get("data")
        row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
        for usage_key, config_key, scope, needed in (
            ("quota_usage", "config", "posts", posts),
            ("reply_quota_usage", "reply_config", "replies", replies),
        ):
            config = row.get(config_key)
            usage = row.get(usage_key)
            if not isinstance(config, dict) or not isinstance(usage, int):
                continue
            total = config.get("quota_total")
            if not isinstance(total, int) or total <= 0:
                continue
            remaining = max(0, total - usage)
            if conn.observe_rate is not None:
                try:
                    conn.observe_rate(RateWindow(limit=total, remaining=remaining, resets_at=None, scope=scope))
                except Exception:  # advisory, like providers.http.report_rate
                    pass
            if needed and remaining < needed:
                raise RateLimited(
                    f"This Threads account has used its {total} {scope} for the last 24 hours.",
                    network_message=f"{scope} quota: {usage} of {total} used",
                )

    def _wait_until_ready(self, client: httpx.Client, container: str) -> None:
        for attempt in range(STATUS_POLLS):
            response = call(client, "GET", path(container), params={"fields": "status,error_message"})
            body = json_object(response, "the container status")
            status = body.get("status")
            if status in ("FINISHED", None):  # None: an old container without a status field
                return
            if status == "ERROR":
                words = str(body.get("error_message") or "")
                raise Rejected("Threads could not prepare the post.", network_message=words)
            if status == "EXPIRED":
                raise Transient("The Threads container expired before it was published.")
            if status == "PUBLISHED":
                return
            self._sleep(STATUS_WAIT * (attempt + 1))
        raise Transient("Threads is still preparing the post; it will be tried again.")

    def _permalink(self, client: httpx.Client, media_id: str, handle: str) -> str:
        try:
            response = call(client, "GET", path(media_id), params={"fields": "permalink"})
            link = json_object(response, "the post's link").get("permalink")
        except ProviderError:
            # The post is live: no error while asking for its link (an expired token, a rate limit, a
            # refusal) may turn it into a failure, or a retry would post it again.
            link = None
        return link if isinstance(link, str) and link.startswith("https://") else post_url(handle, media_id)

    def publish(
        self,
        conn: Connection,
        post: PostRequest,
        idempotency_key: str,
        *,
        done: Sequence[PublishedPart] = (),
        on_part: PartCallback | None = None,
    ) -> Published:
        """Container then ``threads_publish`` for each part after ``done``, each replying to the
        previous (``reply_to_id``). Threads has no idempotency key: see the module docstring."""
        if not post.parts:
            raise Rejected("The post is empty.")
        if any(part.media for part in post.parts):
            raise Rejected(MEDIA_REFUSAL)
        with self._session(conn) as client:
            todo = len(post.parts) - len(done)
            if todo > 0:
                self._check_quota(client, conn, replies=todo if done else todo - 1, posts=0 if done else 1)

            def send_part(index: int, previous: PublishedPart | None) -> PublishedPart:
                form: dict[str, str] = {"media_type": "TEXT", "text": post.parts[index].text}
                if previous is not None:
                    form["reply_to_id"] = previous.remote_id
                response = call(client, "POST", path(conn.remote_id, "threads"), data=form)
                container = json_object(response, "a new container").get("id")
                if not container:
                    raise Transient("Threads sent a container without an id.")
                self._wait_until_ready(client, str(container))
                response = call(
                    client, "POST", path(conn.remote_id, "threads_publish"), params={"creation_id": str(container)}
                )
                media_id = json_object(response, "a published post").get("id")
                if not media_id:
                    raise Transient("Threads published the post without giving its id.")
                return PublishedPart(index, str(media_id), self._permalink(client, str(media_id), conn.handle))

            parts = publish_parts(post, done, on_part, send_part)
        return Published.from_parts(parts)

    # --- reconciliation ----------------------------------------------------------------------

    def _pages(self, client: httpx.Client, url: str, params: dict[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Each item of a paged edge (``data`` + ``paging.cursors.after``), at most MAX_PAGES pages."""
        return graph_pages(client, url, params, what, network=NETWORK, max_pages=MAX_PAGES, cursors_only=True)

    def _own_posts(self, client: httpx.Client, conn: Connection, since: datetime | None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"fields": POST_FIELDS, "limit": 100}
        if since is not None:
            params["since"] = int(read_back_from(since, client).timestamp())
        return self._pages(client, path(conn.remote_id, "threads"), params, "the account's posts")

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """The longest live prefix of this post: the first part among the account's posts since
        ``since`` with the same text, then each further part among the direct replies to the part
        before that this account wrote with its text (see the module docstring)."""
        texts = part_texts(text)
        if not texts:
            return None
        handle = conn.handle.lstrip("@").lower()
        with self._session(conn) as client:

            def first(part_text: str) -> PublishedPart | None:
                wanted = comparable_text(part_text)
                for item in self._own_posts(client, conn, since):
                    if comparable_text(str(item.get("text") or "")) == wanted and item.get("id"):
                        return PublishedPart(0, str(item["id"]), self._link(item, conn))
                return None

            def reply(parent: PublishedPart, part_text: str, index: int) -> PublishedPart | None:
                wanted = comparable_text(part_text)
                for item in self._pages(
                    client, path(parent.remote_id, "replies"), {"fields": POST_FIELDS}, "the post's replies"
                ):
                    mine = str(item.get("username") or "").lower() == handle
                    if mine and item.get("id") and comparable_text(str(item.get("text") or "")) == wanted:
                        return PublishedPart(index, str(item["id"]), self._link(item, conn))
                return None

            parts = live_prefix(texts, done, first, reply)
        return None if parts is None else Published.from_parts(parts)

    def _link(self, item: Mapping[str, Any], conn: Connection) -> str:
        link = item.get("permalink")
        return link if isinstance(link, str) and link else post_url(conn.handle, str(item.get("id")))

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The account's own top-level posts (``GET /{threads-user-id}/threads``), newest first,
        reposts left out; their metrics are read by the metrics sync, not here. Replies are not
        listed (``GET /{threads-user-id}/replies`` would need reading too; not done yet)."""
        out: list[RemotePost] = []
        with self._session(conn) as client:
            for item in self._own_posts(client, conn, since):
                if item.get("media_type") == "REPOST_FACADE" or not item.get("id"):
                    continue
                when = parse_utc_time(item.get("timestamp"))
                if when is None or (since is not None and when < since):
                    continue
                out.append(RemotePost(str(item["id"]), self._link(item, conn), str(item.get("text") or ""), when, {}))
                if len(out) >= limit:
                    break
        return out

    # --- metrics -----------------------------------------------------------------------------

    @staticmethod
    def _insight_values(body: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
        """``{metric: value}`` from an insights reply: ``values[0].value`` (media) or
        ``total_value.value`` (user); a metric left out or not a whole number is not reported."""
        by_name: dict[str, int] = {}
        for row in body.get("data") or []:
            if not isinstance(row, dict) or not isinstance(row.get("name"), str):
                continue
            value: object = None
            total = row.get("total_value")
            if isinstance(total, dict):
                value = total.get("value")
            values = row.get("values")
            if value is None and isinstance(values, list) and values and isinstance(values[-1], dict):
                value = values[-1].get("value")
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                by_name[row["name"]] = value
        return {metric: by_name[key] for metric, key in names.items() if key in by_name}

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """``GET /{threads-media-id}/insights?metric=views,likes,replies,reposts,quotes`` for each post;
        a post Threads no longer has (deleted) is left out."""
        out: dict[str, PostMetrics] = {}
        with self._session(conn) as client:
            for remote_id in remote_ids:
                try:
                    response = call(
                        client,
                        "GET",
                        path(remote_id, "insights"),
                        params={"metric": ",".join(POST_METRIC_NAMES.values())},
                    )
                except Rejected:
                    continue
                values = self._insight_values(json_object(response, "a post's insights"), POST_METRIC_NAMES)
                if values:
                    out[remote_id] = PostMetrics(remote_id, values)
        return out

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        """``GET /{threads-user-id}/threads_insights?metric=followers_count``."""
        with self._session(conn) as client:
            response = call(
                client,
                "GET",
                path(conn.remote_id, "threads_insights"),
                params={"metric": ",".join(ACCOUNT_METRIC_NAMES.values())},
            )
        values = self._insight_values(json_object(response, "the account's insights"), ACCOUNT_METRIC_NAMES)
        if not values:
            raise Transient("Threads sent no follower count.")
        return AccountMetrics(values)

    # --- deleting ----------------------------------------------------------------------------

    def delete(self, conn: Connection, remote_id: str) -> None:
        """``DELETE /{threads-media-id}`` (https://developers.facebook.com/docs/threads/posts/delete-posts)."""
        with self._session(conn) as client:
            response = call(client, "DELETE", path(remote_id))
        body = json_object(response, "the deletion")
        if body.get("success") is not True:
            raise Transient("Threads did not confirm the deletion.")
