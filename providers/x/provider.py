"""X (formerly Twitter) through the X API v2 (https://docs.x.com/x-api/introduction).

Sign-in is OAuth 2.0 authorization code with PKCE in the system browser (``info.oauth``); the tokens
land in :meth:`XProvider.accounts_from_tokens`. Access tokens last two hours; with
``offline.access`` X also issues a refresh token, and each refresh returns a new one (the old one
stops working), so :meth:`XProvider.refresh` returns both and the app stores them before use.
The connect form takes an OAuth 2.0 user access token made by the user's own developer app, for
the command line; such a token cannot be refreshed.

Counting is twitter-text v3's weighted length (:mod:`providers.x.counting`).

Idempotency: X has no idempotency key. Before a variant is sent again after an unknown outcome,
the app calls :meth:`XProvider.find_published`, which reads the account's own recent posts
(``GET /2/users/:id/tweets``) and matches the first part by its text, then each further part as
the account's reply to the part before. X also refuses a post whose text the account posted
recently (a 403): that refusal is reported as Rejected with X's words, never taken as proof that
this variant went out. ``idempotency_key`` is sent nowhere.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from providers.base import (
    AccountMetrics,
    AuthExpired,
    AuthKind,
    ConnectedAccount,
    ConnectField,
    Connection,
    Limits,
    MediaItem,
    MetricsOffer,
    OAuthSpec,
    PartCallback,
    PostMetrics,
    PostRequest,
    Problem,
    Provider,
    ProviderInfo,
    Published,
    PublishedPart,
    Rejected,
    RemotePost,
    Transient,
    reported_counts,
)
from providers.http import account_client, check_url, error_message, json_body, make_client, send
from providers.oauth_tokens import refreshed_secrets
from providers.profiles import account_from_profile, pasted_token
from providers.reconcile import live_prefix, part_texts, read_back_from
from providers.thread_publish import publish_parts
from providers.times import as_utc, parse_utc_time
from providers.x.api import API_URL, NETWORK, call, data_object, problem_words, raise_for_x
from providers.x.counting import MAX_WEIGHTED_LENGTH, URL_LENGTH, weighted_length
from providers.x.media import PROCESSING_TIMEOUT, Uploader
from providers.x.posts import comparable, is_repost, iso_time, post_url, replied_to, text_of

MB = 1024 * 1024

#: Limits for an account without X Premium. Sources (also in docs/networks/x.md):
#: 280 weighted characters, URLs 23 — twitter-text config/v3.json;
#: 4 photos, or 1 GIF, or 1 video; JPG/PNG/GIF/WEBP images of 5 MB, GIFs of 15 MB, post video up to
#: 8 GB and 20 minutes — https://docs.x.com/x-api/media/quickstart/best-practices;
#: alt text up to 1000 characters — https://developer.x.com/en/docs/media/upload-media/api-reference/post-media-metadata-create.
DEFAULT_LIMITS = Limits(
    max_chars=MAX_WEIGHTED_LENGTH,
    max_media=4,
    max_parts=25,  # our cap on a thread, not X's (a thread is a chain of replies)
    url_length=URL_LENGTH,
    media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"}),
    max_image_bytes=5 * MB,
    max_video_bytes=8 * 1024 * MB,
    max_alt_chars=1000,
    max_video_seconds=20 * 60,
)
MAX_GIF_BYTES = 15 * MB

#: GET /2/tweets takes up to 100 ids (https://docs.x.com/x-api/posts/get-posts-by-ids).
BATCH_SIZE = 100
#: find_published / recent_posts: pages of 100 posts to read back through, at most.
MAX_HISTORY_PAGES = 5

SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
REDIRECT_PORT = 8735

#: public_metrics of a Post (https://docs.x.com/x-api/fundamentals/metrics), by our metric names.
PUBLIC_COUNTS = {
    "likes": "like_count",
    "reposts": "retweet_count",
    "replies": "reply_count",
    "quotes": "quote_count",
    "saves": "bookmark_count",
    "impressions": "impression_count",
}
#: non_public_metrics: the account's own Posts of the last 30 days, where its API access allows.
PRIVATE_COUNTS = {"link_clicks": "url_link_clicks"}
#: public_metrics of a User (https://docs.x.com/x-api/users/lookup).
USER_COUNTS = {"followers": "followers_count", "following": "following_count", "posts": "tweet_count"}

TWEET_FIELDS = "created_at,referenced_tweets,note_tweet,public_metrics"


class XProvider(Provider):
    """X through the X API v2, authenticated by an OAuth 2.0 user access token."""

    info = ProviderInfo(
        id="x",
        name=NETWORK,
        auth_kind=AuthKind.OAUTH2,
        connect_fields=(
            ConnectField(
                "access_token",
                "User access token",
                secret=True,
                help=(
                    "Most people sign in with the browser instead. Advanced: an OAuth 2.0 user access token "
                    "your own X developer app obtained (scopes tweet.read tweet.write users.read media.write). "
                    "It lasts two hours and cannot be renewed."
                ),
            ),
        ),
        limits=DEFAULT_LIMITS,
        counting="Weighted as X counts: most letters 1, CJK characters and emoji 2, every link 23; 280 in all.",
        threads=True,
        alt_text=True,
        native_idempotency=False,
        post_metrics=tuple(PUBLIC_COUNTS) + tuple(PRIVATE_COUNTS),
        account_metrics=tuple(USER_COUNTS),
        icon="x",
        color="#000000",
        oauth=OAuthSpec(
            # https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
            authorize_url="https://x.com/i/oauth2/authorize",
            token_url="https://api.x.com/2/oauth2/token",
            scopes=SCOPES,
            client_secret_required=False,  # public (Native App) clients send client_id instead
            refreshes=True,
            developer_app_url="https://developer.x.com/en/portal/dashboard",
            developer_app_help=(
                "In the X developer portal, open your app's 'User authentication settings': turn on "
                "OAuth 2.0, choose 'Native App' as the type of app (no client secret needed; a 'Web App' "
                "works too if you also enter its client secret), give it read and write permissions, and "
                "add the callback URI shown here exactly. Then copy the OAuth 2.0 Client ID from "
                "'Keys and tokens'."
            ),
            redirect_port=REDIRECT_PORT,  # X matches the callback URI exactly, port included
            redirect_path="/callback",
        ),
        available=True,
    )
    metrics_batch_size = BATCH_SIZE

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        api_url: str = API_URL,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        media_timeout: float = PROCESSING_TIMEOUT,
    ) -> None:
        self._transport = transport
        self._api_url = api_url
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._media_timeout = media_timeout
        #: Accounts whose API access refused non_public_metrics: asked for public ones only.
        self._no_private: set[str] = set()

    # --- counting and offline checks ---------------------------------------------------------

    def measure(self, text: str, limits: Limits | None = None) -> int:
        return weighted_length(text)

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """The base checks, plus X's rule of up to 4 photos, or 1 animated GIF, or 1 video in a post."""
        problems = super().validate(post, limits)
        for i, part in enumerate(post.parts):
            where = i if len(post.parts) > 1 else None
            moving = [m for m in part.media if m.mime == "image/gif" or m.mime.startswith("video/")]
            if moving and len(part.media) > 1:
                problems.append(
                    Problem("media_mix", "X takes up to 4 photos, or one GIF, or one video in a post.", where)
                )
        return problems

    def _validate_media(self, media: Sequence[MediaItem], lim: Limits, where: int | None) -> list[Problem]:
        """The base checks, each item against its own cap: animated GIFs may have 15 MB."""
        problems: list[Problem] = []
        if len(media) > lim.max_media:
            problems.append(
                Problem("too_many_media", f"{self.info.name} takes at most {lim.max_media} attachments.", where)
            )
        single = replace(lim, max_media=1)
        for m in media:
            cap = replace(single, max_image_bytes=MAX_GIF_BYTES) if m.mime == "image/gif" else single
            problems.extend(super()._validate_media([m], cap, where))
        return problems

    # --- HTTP plumbing -----------------------------------------------------------------------

    def _session(self, conn: Connection) -> httpx.Client:
        return account_client(conn, conn.server_url or self._api_url, whose="X account", transport=self._transport)

    def _me(self, client: httpx.Client) -> dict[str, Any]:
        response = call(client, "GET", "/2/users/me", params={"user.fields": "public_metrics,profile_image_url"})
        return data_object(response, "the account lookup")

    def _account(self, server_url: str, token: str, secrets: Mapping[str, str]) -> ConnectedAccount:
        base = check_url(server_url or self._api_url)
        with make_client(base, transport=self._transport, bearer=token) as client:
            user = self._me(client)
        return account_from_profile(
            user,
            network=NETWORK,
            handle_prefix="@",
            avatar_key="profile_image_url",
            server_url=base,
            secrets=secrets,
            limits=DEFAULT_LIMITS,
        )

    # --- connecting --------------------------------------------------------------------------

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        """Check a pasted OAuth 2.0 user access token (``GET /2/users/me``)."""
        hint = "Sign in to X with the browser (Connect → X), or paste an OAuth 2.0 user access token."
        token = pasted_token(fields, hint)
        return self._account(self._api_url, token, {"access_token": token})

    def accounts_from_tokens(self, server_url: str, tokens: Mapping[str, str]) -> list[ConnectedAccount]:
        """The one account a browser sign-in's tokens act for. Its secrets keep what refreshing
        needs: the refresh token, the expiry and the developer app's client id (and secret, if the
        user entered one)."""
        token = tokens.get("access_token") or ""
        if not token:
            raise AuthExpired("X's sign-in gave no access token; please try again.")
        keep = ("access_token", "refresh_token", "expires_at", "scope", "client_id", "client_secret")
        secrets = {k: str(tokens[k]) for k in keep if tokens.get(k)}
        return [self._account(server_url, token, secrets)]

    def refresh(self, conn: Connection) -> Mapping[str, str]:
        """``POST /2/oauth2/token`` with ``grant_type=refresh_token``: a public client sends its
        ``client_id`` in the body, a confidential one HTTP Basic with its client secret
        (https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token, step 5). X
        rotates the refresh token: the new one is returned and must replace the old."""
        refresh_token = conn.secrets.get("refresh_token")
        client_id = conn.secrets.get("client_id")
        if not refresh_token or not client_id:
            raise AuthExpired("This X sign-in cannot be renewed; please reconnect the account.")
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        headers: dict[str, str] = {}
        secret = conn.secrets.get("client_secret")
        if secret:
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {basic}"
        else:
            form["client_id"] = client_id
        base = check_url(conn.server_url or self._api_url)
        with make_client(base, transport=self._transport, observe_rate=conn.observe_rate) as client:
            response = send(client, "POST", "/2/oauth2/token", network=NETWORK, data=form, headers=headers)
        if response.status_code in (400, 401):
            raise AuthExpired(
                "X no longer accepts this account's sign-in; please reconnect it.",
                network_message=error_message(response),
            )
        if response.status_code >= 500 or response.status_code == 429:
            raise_for_x(response)
        if response.status_code >= 400:
            raise AuthExpired("X refused to renew the sign-in.", network_message=error_message(response))
        body = json_body(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise Transient("X sent an unexpected reply to a token refresh.")
        return refreshed_secrets(conn.secrets, body, now=self._wall_clock())

    # --- publishing --------------------------------------------------------------------------

    def publish(
        self,
        conn: Connection,
        post: PostRequest,
        idempotency_key: str,
        *,
        done: Sequence[PublishedPart] = (),
        on_part: PartCallback | None = None,
    ) -> Published:
        """``POST /2/tweets`` for each part after ``done``, each replying to the previous
        (``reply.in_reply_to_tweet_id``), its media uploaded first (``media.media_ids``).
        X has no idempotency key: see the module docstring."""
        if not post.parts:
            raise Rejected("The post is empty.")
        with self._session(conn) as client:
            uploader = Uploader(client, sleep=self._sleep, clock=self._clock, timeout=self._media_timeout)

            def send_part(index: int, previous: PublishedPart | None) -> PublishedPart:
                part = post.parts[index]
                body: dict[str, Any] = {"text": part.text}
                media_ids = [uploader.upload(item) for item in part.media]
                if media_ids:
                    body["media"] = {"media_ids": media_ids}
                if previous is not None:
                    body["reply"] = {"in_reply_to_tweet_id": previous.remote_id}
                response = call(client, "POST", "/2/tweets", json=body)
                data = data_object(response, "a new post")
                if not data.get("id"):
                    raise Transient("X sent a new post without an id.")
                return PublishedPart(index, str(data["id"]), post_url(conn.handle, str(data["id"])))

            parts = publish_parts(post, done, on_part, send_part)
        return Published.from_parts(parts)

    # --- reconciliation ----------------------------------------------------------------------

    def _timeline(self, client: httpx.Client, conn: Connection, since: datetime | None) -> Iterator[dict[str, Any]]:
        """The account's own posts, newest first (``GET /2/users/:id/tweets``), reposts left out,
        back to ``since`` (X's ``start_time``), at most MAX_HISTORY_PAGES pages of 100."""
        params: dict[str, Any] = {"max_results": 100, "exclude": "retweets", "tweet.fields": TWEET_FIELDS}
        if since is not None:
            params["start_time"] = iso_time(since)
        for _ in range(MAX_HISTORY_PAGES):
            response = call(client, "GET", f"/2/users/{conn.remote_id}/tweets", params=params)
            body = json_body(response)
            if not isinstance(body, dict):
                raise Transient("X sent an unexpected reply to the account's posts.")
            page = body.get("data")
            for tweet in page if isinstance(page, list) else []:
                if isinstance(tweet, dict) and tweet.get("id") and not is_repost(tweet):
                    yield tweet
            meta = body.get("meta")
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token or not isinstance(page, list) or not page:
                return
            params["pagination_token"] = token

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """What of this post is live: the first part is the account's post with the same text
        created at/after ``since`` (less a little clock skew); each further part the account's
        reply to the part before with its text. Texts are compared as X returns them (links as
        t.co links, &<> escaped), so any link matches any link in the same place."""
        with self._session(conn) as client:
            # The oldest match wins: a user may post the same words again later, by hand.
            oldest_first = list(self._timeline(client, conn, read_back_from(since, client)))[::-1]

        def oldest_match(index: int, part_text: str, parent: str | None) -> PublishedPart | None:
            wanted = comparable(part_text)
            for tweet in oldest_first:
                if (parent is None or replied_to(tweet) == parent) and comparable(text_of(tweet)) == wanted:
                    return PublishedPart(index, str(tweet["id"]), post_url(conn.handle, str(tweet["id"])))
            return None

        parts = live_prefix(
            part_texts(text),
            done,
            lambda part_text: oldest_match(0, part_text, None),
            lambda parent, part_text, index: oldest_match(index, part_text, parent.remote_id),
        )
        return None if parts is None else Published.from_parts(parts, already=True)

    # --- metrics -----------------------------------------------------------------------------

    def metrics_offered(self, conn: Connection) -> MetricsOffer:
        note = (
            "X reports link clicks only for posts of the last 30 days, and only where the X API access of "
            "your developer app includes private metrics."
        )
        post = tuple(self.info.post_metrics)
        if conn.remote_id in self._no_private:
            post = tuple(m for m in post if m not in PRIVATE_COUNTS)
        return MetricsOffer(post, tuple(self.info.account_metrics), note)

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """``GET /2/tweets?ids=…&tweet.fields=public_metrics,non_public_metrics`` (100 ids a
        request). Where X refuses the private metrics (the access level or the post's age), the
        request is repeated for public metrics only and link clicks are not reported (never 0).
        Deleted or unknown posts are left out."""
        ids = list(dict.fromkeys(str(i) for i in remote_ids))
        found: dict[str, PostMetrics] = {}
        with self._session(conn) as client:
            for start in range(0, len(ids), BATCH_SIZE):
                chunk = ids[start : start + BATCH_SIZE]
                for tweet in self._lookup(client, conn, chunk):
                    tid = str(tweet.get("id"))
                    if tid not in chunk:
                        continue
                    values = reported_counts(tweet.get("public_metrics") or {}, PUBLIC_COUNTS)
                    private = tweet.get("non_public_metrics")
                    if isinstance(private, dict):
                        values.update(reported_counts(private, PRIVATE_COUNTS))
                    if values:
                        found[tid] = PostMetrics(tid, values)
        return found

    def _lookup(self, client: httpx.Client, conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
        fields = "public_metrics" if conn.remote_id in self._no_private else "public_metrics,non_public_metrics"
        params = {"ids": ",".join(ids), "tweet.fields": fields}
        response = send(client, "GET", "/2/tweets", network=NETWORK, params=params)
        if response.status_code in (400, 403) and "non_public_metrics" in fields:
            # Not offered to this access level (or for posts past 30 days): public ones only.
            self._no_private.add(conn.remote_id)
            params["tweet.fields"] = "public_metrics"
            response = send(client, "GET", "/2/tweets", network=NETWORK, params=params)
        raise_for_x(response)
        body = json_body(response)
        if not isinstance(body, dict):
            raise Transient("X sent an unexpected reply to a post lookup.")
        data = body.get("data")
        if data is None and body.get("errors"):
            return []  # every id unknown or deleted: a partial-error reply with no data
        if not isinstance(data, list):
            raise Transient("X sent an unexpected reply to a post lookup.", network_message=problem_words(response))
        return [t for t in data if isinstance(t, dict)]

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        """Followers, following and posts from ``GET /2/users/me?user.fields=public_metrics``."""
        with self._session(conn) as client:
            user = self._me(client)
        return AccountMetrics(reported_counts(user.get("public_metrics") or {}, USER_COUNTS))

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The account's own posts and replies, newest first, reposts left out, from
        ``GET /2/users/:id/tweets`` (X serves the latest 3200 at most)."""
        since = as_utc(since) if since is not None else None
        found: list[RemotePost] = []
        with self._session(conn) as client:
            for tweet in self._timeline(client, conn, since):
                created = parse_utc_time(tweet.get("created_at"))
                if created is None:
                    continue
                if since is not None and created < since:
                    break
                found.append(
                    RemotePost(
                        remote_id=str(tweet["id"]),
                        url=post_url(conn.handle, str(tweet["id"])),
                        text=html.unescape(text_of(tweet)),
                        published_at=created,
                        metrics=reported_counts(tweet.get("public_metrics") or {}, PUBLIC_COUNTS),
                        reply_to=replied_to(tweet),
                    )
                )
                if len(found) >= limit:
                    break
        return found

    # --- removal -----------------------------------------------------------------------------

    def delete(self, conn: Connection, remote_id: str) -> None:
        """``DELETE /2/tweets/:id``. A post already gone (404) counts as deleted."""
        with self._session(conn) as client:
            response = send(client, "DELETE", f"/2/tweets/{remote_id}", network=NETWORK)
            if response.status_code == 404:
                return
            raise_for_x(response)
