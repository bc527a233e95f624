"""Facebook Pages through the Graph API (Pages API: https://developers.facebook.com/docs/pages-api).

Accounts are Pages. A user access token lists the Pages its user manages, each with the Page's own
access token (``GET /me/accounts``, paged — https://developers.facebook.com/docs/pages-api/overview and
https://developers.facebook.com/documentation/business-sdk/common-scenarios/token-switch); the user
picks which to connect, and each Page's token is all the vault keeps for it. The user token itself is
kept nowhere.

Publishing (https://developers.facebook.com/docs/pages-api/posts,
https://developers.facebook.com/docs/graph-api/photo-uploads): a text post, with an optional link, is
``POST /{page-id}/feed`` (``message``, ``link``); one photo is ``POST /{page-id}/photos`` with the file
uploaded as multipart ``source`` and the text as ``caption``; several photos are each uploaded
unpublished (``published=false``), then posted together by ``POST /{page-id}/feed`` with
``attached_media[i]={"media_fbid": …}``. A Page has no reply-threads, and videos are not posted yet:
:meth:`FacebookProvider.validate` refuses both before scheduling.

Idempotency: the Graph API has no idempotency key. Before a variant is sent again after an unknown
outcome, the app calls :meth:`FacebookProvider.find_published`, which reads the Page's own posts since
the attempt (``GET /{page-id}/posts?since=…``) and matches the text. ``idempotency_key`` is sent nowhere.

Metrics: reactions, comments and shares from the post's fields (``reactions.summary(total_count)``,
``comments.summary(total_count)``, ``shares``), many posts per request (``GET /?ids=…``); the Page's
followers from ``followers_count`` (``fan_count`` where that is missing). Page post insights are not
read: ``post_impressions`` is among the metrics the reference says are being deprecated
(https://developers.facebook.com/docs/graph-api/reference/v3.0/insights), so impressions are not offered.

The access token is sent as an ``Authorization: Bearer`` header, never in a URL, so it cannot reach a log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx

from providers import meta_graph
from providers.base import (
    AccountMetrics,
    AuthExpired,
    AuthKind,
    ConnectedAccount,
    ConnectField,
    Connection,
    Limits,
    MediaItem,
    PartCallback,
    PostMetrics,
    PostRequest,
    Problem,
    Provider,
    ProviderError,
    ProviderInfo,
    Published,
    PublishedPart,
    Rejected,
    RemotePost,
    Transient,
    count_graphemes,
)
from providers.facebook.api import API_URL, NETWORK, call, json_object, path
from providers.http import account_token, check_url, make_client, send
from providers.profiles import pasted_token
from providers.reconcile import comparable_text, part_texts, read_back_from
from providers.times import parse_utc_time

MB = 1024 * 1024

#: Limits (also in docs/networks/facebook.md, with their sources):
#: 63,206 characters per post — not in the official pages the reference corpus holds; published by
#: posting tools (https://docs.letmepost.dev/platforms/facebook); photos JPEG, BMP, PNG, GIF or TIFF,
#: "under 4MB" recommended — https://developers.facebook.com/docs/graph-api/photo-uploads; 10 photos per
#: post is our cap (the reference names none).
MAX_CHARS = 63206
DEFAULT_LIMITS = Limits(
    max_chars=MAX_CHARS,
    max_media=10,
    max_parts=1,
    url_length=None,
    media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}),
    max_image_bytes=4 * MB,
    max_video_bytes=0,
    max_alt_chars=1000,
)

#: What validate says to a post with a video.
VIDEO_REFUSAL = (
    "Campaign Desk does not post videos to Facebook Pages yet. Post photos or text, or share the video "
    "from Facebook itself."
)
#: What connect says when the pasted token manages no Page.
NO_PAGES = (
    "This Facebook sign-in manages no Pages, or did not allow Campaign Desk to see them "
    "(pages_show_list). Campaign Desk posts to Pages, not to personal profiles."
)

#: Permissions a Page token needs to publish and read its posts
#: (https://developers.facebook.com/docs/pages-api/posts, "Before you start").
SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_read_user_engagement",
    "pages_manage_engagement",
)

#: Post fields read for metrics, by our metric names.
POST_METRIC_FIELDS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
POST_METRICS = ("likes", "replies", "reposts")
ACCOUNT_METRICS = ("followers",)
POST_FIELDS = "id,message,created_time,permalink_url"
PAGE_FIELDS = "id,name,username,link,access_token,tasks"
#: /me/accounts, find_published and recent_posts: pages of 100 to read through, at most.
MAX_PAGES = 10
PAGE_SIZE = 100
#: Ids per ``GET /?ids=`` request (the Graph API takes up to 50).
METRICS_BATCH = 50


def post_url(remote_id: str) -> str:
    """A post's address when Graph gave no ``permalink_url``: facebook.com resolves a Page post id."""
    return f"https://www.facebook.com/{remote_id}"


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def post_counts(item: Mapping[str, Any]) -> dict[str, int]:
    """``{metric: count}`` from a post's fields: reactions and comments from their ``summary.total_count``,
    shares from ``shares.count``. A field Graph left out is not reported (Graph omits ``shares`` until a
    post is shared, so a post never shared reports no reposts rather than 0)."""
    out: dict[str, int] = {}
    for metric, key in (("likes", "reactions"), ("replies", "comments")):
        edge = item.get(key)
        summary = edge.get("summary") if isinstance(edge, dict) else None
        n = _count(summary.get("total_count")) if isinstance(summary, dict) else None
        if n is not None:
            out[metric] = n
    shares = item.get("shares")
    n = _count(shares.get("count")) if isinstance(shares, dict) else None
    if n is not None:
        out["reposts"] = n
    return out


class FacebookProvider(Provider):
    info = ProviderInfo(
        id="facebook",
        name="Facebook Pages",
        auth_kind=AuthKind.ACCESS_TOKEN,
        connect_fields=(
            ConnectField(
                "access_token",
                "User access token",
                secret=True,
                help="A long-lived user access token from your Meta app with pages_show_list, pages_manage_posts "
                "and pages_read_engagement (Graph API Explorer, then Access Token Debugger → Extend). When it "
                "manages several Pages you choose which to connect. Campaign Desk keeps only each Page's own token.",
            ),
        ),
        limits=DEFAULT_LIMITS,
        counting="Characters as you see them; up to 63,206.",
        threads=False,
        alt_text=False,
        native_idempotency=False,
        post_metrics=POST_METRICS,
        account_metrics=ACCOUNT_METRICS,
        icon="facebook",
        color="#0866FF",
        # No browser sign-in: Facebook Login's manual flow tells desktop apps to embed a web view and
        # use https://www.facebook.com/connect/login_success.html as the redirect
        # (https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow); it
        # documents no loopback redirect, and its PKCE flow is marked "still in testing"
        # (https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token).
        oauth=None,
        # A pasted user token manages any number of Pages: Connect lists them for the user to choose.
        token_lists_accounts=True,
    )
    metrics_batch_size = METRICS_BATCH

    def __init__(self, *, transport: httpx.BaseTransport | None = None, api_url: str = API_URL) -> None:
        self._transport = transport
        self._api_url = api_url

    # --- counting and offline checks ---------------------------------------------------------

    def measure(self, text: str, limits: Limits | None = None) -> int:
        return count_graphemes(text)

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """The base checks (a Page post is one part: a thread is refused as ``no_threads``), with a
        video refused in a sentence of its own instead of the base's "does not accept"."""
        videos = {m.path.name for part in post.parts for m in part.media if m.mime.startswith("video/")}
        problems = [
            p
            for p in super().validate(post, limits)
            if not (p.code == "media_type" and p.message.split(":")[0] in videos)
        ]
        for i, part in enumerate(post.parts):
            if any(m.mime.startswith("video/") for m in part.media):
                problems.append(Problem("video_unsupported", VIDEO_REFUSAL, i if len(post.parts) > 1 else None))
        return problems

    # --- HTTP plumbing -----------------------------------------------------------------------

    def _base(self, server_url: str) -> str:
        return check_url(server_url or self._api_url)

    @contextmanager
    def _client(self, server_url: str, token: str, conn: Connection | None = None) -> Iterator[httpx.Client]:
        with make_client(
            self._base(server_url),
            transport=self._transport,
            bearer=token,
            observe_rate=conn.observe_rate if conn is not None else None,
        ) as client:
            observe = conn.observe_rate if conn is not None else None
            if observe is not None:  # Graph reports its limits in its own usage headers
                hooks = dict(client.event_hooks)
                hooks["response"] = [*hooks.get("response", []), lambda r: meta_graph.observe_usage(r, observe)]
                client.event_hooks = hooks
            yield client

    @contextmanager
    def _session(self, conn: Connection) -> Iterator[httpx.Client]:
        with self._client(conn.server_url, account_token(conn, "Facebook Page"), conn) as client:
            yield client

    def _paged(self, client: httpx.Client, url: str, params: Mapping[str, Any], what: str) -> Iterator[dict[str, Any]]:
        """Each item of a paged edge, at most MAX_PAGES pages (:func:`providers.meta_graph.graph_pages`)."""
        return meta_graph.graph_pages(client, url, params, what, network=NETWORK, max_pages=MAX_PAGES)

    # --- accounts: Pages ---------------------------------------------------------------------

    def _pages(self, server_url: str, user_token: str) -> list[ConnectedAccount]:
        """Every Page the user token manages, with each Page's own token (``GET /me/accounts``, paged)."""
        base = self._base(server_url)
        out: list[ConnectedAccount] = []
        with self._client(base, user_token) as client:
            for item in self._paged(
                client, path("me", "accounts"), {"fields": PAGE_FIELDS, "limit": PAGE_SIZE}, "the Page list"
            ):
                page_id, token = str(item.get("id") or ""), str(item.get("access_token") or "")
                if not page_id or not token:
                    continue  # a Page the sign-in may not act for (no token given)
                name = str(item.get("name") or page_id)
                out.append(
                    ConnectedAccount(
                        remote_id=page_id,
                        handle=str(item.get("username") or page_id),
                        display_name=name,
                        server_url=base,
                        secrets={"access_token": token},
                    )
                )
        return out

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        """Check a pasted user token by listing its Pages (``GET /me/accounts``) and return the only one.
        A token that manages several is refused naming them: Connect and ``accounts add facebook`` list
        them through :meth:`accounts_from_tokens` instead, for the user to choose."""
        token = pasted_token(fields, "Paste a Facebook user access token.")
        pages = self.accounts_from_tokens("", {"access_token": token})
        if len(pages) == 1:
            return pages[0]
        names = ", ".join(f"{p.display_name} ({p.remote_id})" for p in pages[:10])
        more = f" and {len(pages) - 10} more" if len(pages) > 10 else ""
        raise Rejected(f"This Facebook sign-in manages {len(pages)} Pages: {names}{more}. Choose which to connect.")

    def accounts_from_tokens(self, server_url: str, tokens: Mapping[str, str]) -> list[ConnectedAccount]:
        """Every Page the user token (``access_token``: pasted, or from a sign-in) manages, each with its
        own Page token, for Connect's picker."""
        token = (tokens.get("access_token") or "").strip()
        if not token:
            raise AuthExpired("Facebook's sign-in gave no access token; please try again.")
        pages = self._pages(server_url, token)
        if not pages:
            raise Rejected(NO_PAGES)
        return pages

    # --- publishing --------------------------------------------------------------------------

    def _upload_photo(
        self, client: httpx.Client, conn: Connection, item: MediaItem, *, caption: str | None
    ) -> dict[str, Any]:
        """``POST /{page-id}/photos`` with the file as multipart ``source``: published with ``caption``
        (one photo), or unpublished (``published=false``) for a multi-photo post."""
        form = {"caption": caption} if caption is not None else {"published": "false"}
        try:
            content = item.path.read_bytes()
        except OSError as exc:
            raise Rejected(f"Could not read {item.path.name}.", network_message=exc.strerror) from None
        files = {"source": (item.path.name, content, item.mime)}
        response = call(client, "POST", path(conn.remote_id, "photos"), data=form, files=files)
        return json_object(response, "a photo upload")

    def _permalink(self, client: httpx.Client, remote_id: str) -> str:
        try:
            body = json_object(
                call(client, "GET", path(remote_id), params={"fields": "permalink_url"}), "the post's link"
            )
            link = body.get("permalink_url")
        except ProviderError:
            # The post is live: no error while asking for its link (an expired token, a rate limit, a
            # refusal) may turn it into a failure, or a retry would post it again.
            link = None
        return link if isinstance(link, str) and link.startswith("https://") else post_url(remote_id)

    def publish(
        self,
        conn: Connection,
        post: PostRequest,
        idempotency_key: str,
        *,
        done: Sequence[PublishedPart] = (),
        on_part: PartCallback | None = None,
    ) -> Published:
        """A text (and link) post, one photo, or several photos as one post; see the module docstring.
        The Graph API has no idempotency key: reconciliation goes through :meth:`find_published`."""
        if not post.parts:
            raise Rejected("The post is empty.")
        if len(post.parts) > 1:
            raise Rejected("A Facebook Page post is one part; Pages have no threads.")
        if done:
            return Published.from_parts(list(done)[:1])
        part = post.parts[0]
        if any(m.mime.startswith("video/") for m in part.media):
            raise Rejected(VIDEO_REFUSAL)
        with self._session(conn) as client:
            if len(part.media) == 1:
                body = self._upload_photo(client, conn, part.media[0], caption=part.text)
                remote_id = body.get("post_id") or body.get("id")
            else:
                form: dict[str, str] = {"message": part.text}
                for i, item in enumerate(part.media):
                    photo = self._upload_photo(client, conn, item, caption=None).get("id")
                    if not photo:
                        raise Transient("Facebook sent a photo upload without an id.")
                    form[f"attached_media[{i}]"] = json.dumps({"media_fbid": str(photo)})
                if post.link and not part.media:
                    form["link"] = post.link
                response = call(client, "POST", path(conn.remote_id, "feed"), data=form)
                remote_id = json_object(response, "a new post").get("id")
            if not remote_id:
                raise Transient("Facebook published the post without giving its id.")
            made = PublishedPart(0, str(remote_id), self._permalink(client, str(remote_id)))
        if on_part is not None:
            on_part(made)
        return Published.from_parts([made])

    # --- reconciliation and history ------------------------------------------------------------

    def _own_posts(self, client: httpx.Client, conn: Connection, since: datetime | None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"fields": POST_FIELDS, "limit": PAGE_SIZE}
        if since is not None:
            params["since"] = int(read_back_from(since, client).timestamp())
        return self._paged(client, path(conn.remote_id, "posts"), params, "the Page's posts")

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """The Page's post since ``since`` with this text (``GET /{page-id}/posts?since=…``), or None."""
        if done:
            return Published.from_parts(list(done)[:1])
        texts = part_texts(text)
        if not texts:
            return None
        wanted = comparable_text(texts[0])
        with self._session(conn) as client:
            for item in self._own_posts(client, conn, since):
                if item.get("id") and comparable_text(str(item.get("message") or "")) == wanted:
                    return Published.from_parts([PublishedPart(0, str(item["id"]), self._link(item))])
        return None

    @staticmethod
    def _link(item: Mapping[str, Any]) -> str:
        link = item.get("permalink_url")
        return link if isinstance(link, str) and link else post_url(str(item.get("id")))

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The Page's own posts (``GET /{page-id}/posts``), newest first; metrics come from the sync."""
        out: list[RemotePost] = []
        with self._session(conn) as client:
            for item in self._own_posts(client, conn, since):
                when = parse_utc_time(item.get("created_time"))
                if not item.get("id") or when is None or (since is not None and when < since):
                    continue
                out.append(RemotePost(str(item["id"]), self._link(item), str(item.get("message") or ""), when, {}))
                if len(out) >= limit:
                    break
        return out

    # --- metrics -----------------------------------------------------------------------------

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Reactions, comments and shares of many posts at once (``GET /?ids=…&fields=…``). When Graph
        refuses the batch (one post was deleted), each post is read alone and the missing ones left out."""
        out: dict[str, PostMetrics] = {}
        ids = [i for i in dict.fromkeys(remote_ids) if i]
        with self._session(conn) as client:
            for start in range(0, len(ids), METRICS_BATCH):
                chunk = ids[start : start + METRICS_BATCH]
                try:
                    body = json_object(
                        call(client, "GET", path(), params={"ids": ",".join(chunk), "fields": POST_METRIC_FIELDS}),
                        "the posts' counts",
                    )
                    items = {k: v for k, v in body.items() if isinstance(v, dict)}
                except Rejected:
                    items = {}
                    for remote_id in chunk:
                        try:
                            response = call(client, "GET", path(remote_id), params={"fields": POST_METRIC_FIELDS})
                        except Rejected:
                            continue
                        items[remote_id] = json_object(response, "a post's counts")
                for remote_id in chunk:
                    values = post_counts(items.get(remote_id, {}))
                    if values:
                        out[remote_id] = PostMetrics(remote_id, values)
        return out

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        """``GET /{page-id}?fields=followers_count,fan_count``: followers (``fan_count`` when Graph gives
        no ``followers_count``)."""
        with self._session(conn) as client:
            response = call(client, "GET", path(conn.remote_id), params={"fields": "followers_count,fan_count"})
        body = json_object(response, "the Page's counts")
        followers = _count(body.get("followers_count"))
        if followers is None:
            followers = _count(body.get("fan_count"))
        if followers is None:
            raise Transient("Facebook sent no follower count for the Page.")
        return AccountMetrics({"followers": followers})

    # --- deleting ----------------------------------------------------------------------------

    def delete(self, conn: Connection, remote_id: str) -> None:
        """``DELETE /{post-id}`` (https://developers.facebook.com/docs/pages-api/posts); a post already gone
        (Graph's code 100, subcode 33: the object does not exist) is not an error."""
        with self._session(conn) as client:
            response = send(client, "DELETE", path(remote_id), network=NETWORK)
            if meta_graph.error_code(response) == (100, 33):
                return
            meta_graph.raise_for_graph(response, network=NETWORK)
        body = json_object(response, "the deletion")
        if body.get("success") is not True:
            raise Transient("Facebook did not confirm the deletion.")
