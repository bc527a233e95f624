"""Bluesky (AT Protocol): app-password sign-in, posts as ``app.bsky.feed.post`` records.

Writes go to the account's own PDS (found in its DID document), sessions to the server the user
signed in to (a PDS or the bsky.social entryway), metrics to an AppView. Each post's record key
is a TID derived from the idempotency key, so a retried publish cannot create a second post.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

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
    MetricsUnavailable,
    PartCallback,
    PostMetrics,
    PostPart,
    PostRequest,
    Problem,
    Provider,
    ProviderError,
    ProviderInfo,
    Published,
    PublishedPart,
    RateWindow,
    Rejected,
    RemotePost,
    Transient,
    count_graphemes,
    reported_counts,
)
from providers.bluesky import richtext
from providers.bluesky.tid import derive_rkey
from providers.bluesky.xrpc import TOKEN_ERRORS, ClientPool, Xrpc, error_name, expect_object, message_of, raise_for_xrpc
from providers.http import check_url
from providers.link_card import card_client, fetch_card, fetch_image, untracked
from providers.media_info import read_media_info
from providers.times import parse_utc_time

DEFAULT_SERVICE = "https://bsky.social"
DEFAULT_APPVIEW = "https://public.api.bsky.app"
POST = "app.bsky.feed.post"
MAX_TEXT_BYTES = 3000  # the lexicon's maxLength for text, in UTF-8 bytes
GET_POSTS_BATCH = 25
NO_APPVIEW = frozenset({"none", "off", "-"})
CARD_TIMEOUT = 5.0  # seconds for the linked page, then as much for its image
CARD_THUMB_BYTES = 1_000_000  # app.bsky.embed.external#external thumb: maxSize 1000000 (see _card_thumb)

log = logging.getLogger(__name__)


#: PostView counts (app.bsky.feed.defs#postView) and ProfileViewDetailed counts, by our metric names.
POST_COUNTS = {
    "likes": "likeCount",
    "reposts": "repostCount",
    "replies": "replyCount",
    "quotes": "quoteCount",
    "saves": "bookmarkCount",
}
PROFILE_COUNTS = {"followers": "followersCount", "following": "followsCount", "posts": "postsCount"}


def _now_iso() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def pds_from_did_doc(did_doc: Any, did: str) -> str | None:
    """The ``#atproto_pds`` service endpoint of a DID document, if it has one."""
    if not isinstance(did_doc, dict):
        return None
    for service in did_doc.get("service") or ():
        if not isinstance(service, dict):
            continue
        if service.get("id") in ("#atproto_pds", f"{did}#atproto_pds") and isinstance(
            service.get("serviceEndpoint"), str
        ):
            return str(service["serviceEndpoint"])
    return None


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    """(repo, collection, rkey) of ``at://repo/collection/rkey``."""
    if not uri.startswith("at://"):
        raise ValueError(f"not an at:// URI: {uri!r}")
    parts = uri[len("at://") :].split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"not a record URI: {uri!r}")
    return parts[0], parts[1], parts[2]


class BlueskyProvider(Provider):
    info = ProviderInfo(
        id="bluesky",
        name="Bluesky",
        auth_kind=AuthKind.APP_PASSWORD,
        connect_fields=(
            ConnectField(
                "handle", "Handle", placeholder="you.bsky.social", help="Your handle (or DID), without the @."
            ),
            ConnectField(
                "app_password",
                "App password",
                secret=True,
                placeholder="xxxx-xxxx-xxxx-xxxx",
                help="Create one in Bluesky: Settings → Privacy and security → App passwords.",
            ),
            ConnectField(
                "service",
                "Server (PDS or entryway)",
                required=False,
                default=DEFAULT_SERVICE,
                help="Leave as is unless your account lives on a self-hosted PDS.",
            ),
            ConnectField(
                "appview",
                "AppView (for metrics)",
                required=False,
                default=DEFAULT_APPVIEW,
                help='Where likes and followers are counted. "none" turns metrics off.',
            ),
        ),
        limits=Limits(
            max_chars=300,
            max_media=4,
            max_parts=25,
            media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
            # app.bsky.embed.images: at most 4 images, each blob maxSize 1000000 bytes
            # (github.com/bluesky-social/atproto lexicons/app/bsky/embed/images.json); the lexicon
            # sets no pixel cap (the app downsizes to 2000 px, the AppView re-encodes). Video
            # (app.bsky.embed.video: 100 MB, 3 minutes since March 2025) is not sent by this
            # provider yet, so it is not in media_types and has no limits here.
            max_image_bytes=1_000_000,
            max_video_bytes=0,
            max_alt_chars=2000,
        ),
        counting="Characters as people see them (graphemes): an emoji counts as one.",
        threads=True,
        alt_text=True,
        native_idempotency=True,
        # PostView counts (app.bsky.feed.defs): every one is optional in the lexicon, so a count an
        # AppView leaves out (bookmarkCount before bookmarks existed) is "not reported", never 0.
        post_metrics=("likes", "reposts", "replies", "quotes", "saves"),
        account_metrics=("followers", "following", "posts"),
        icon="bluesky",
        color="#1185fe",
    )
    metrics_batch_size = GET_POSTS_BATCH  # app.bsky.feed.getPosts takes at most 25 URIs

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        # ``transport`` lets tests put an httpx.MockTransport under every request (link cards' too).
        self._clients = ClientPool(transport)
        self._transport = transport
        self._card_client: httpx.Client | None = None  # for the pages posts link to (made on first use)
        self._card_lock = threading.Lock()

    def close(self) -> None:
        """Close the pooled HTTP connections (optional; they are also freed with the provider)."""
        self._clients.close()
        with self._card_lock:
            if self._card_client is not None:
                self._card_client.close()
                self._card_client = None

    def _xrpc(
        self, base_url: str, token: str | None = None, observe_rate: Callable[[RateWindow], None] | None = None
    ) -> Xrpc:
        return Xrpc(self._clients.get(base_url), token, observe_rate)

    # --- counting and checks -------------------------------------------------------------

    def measure(self, text: str, limits: Limits | None = None) -> int:
        """Graphemes of the text as posted: a long link counts as its shortened form."""
        return count_graphemes(richtext.display_text(text))

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        problems = super().validate(post, limits)
        for i, part in enumerate(post.parts):
            where = i if len(post.parts) > 1 else None
            if len(richtext.display_text(part.text).encode("utf-8")) > MAX_TEXT_BYTES:
                problems.append(Problem("too_long", f"The text is over Bluesky's {MAX_TEXT_BYTES}-byte limit.", where))
            for m in part.media:
                if m.mime.startswith("video/"):
                    problems.append(
                        Problem("media_type", f"{m.path.name}: videos are not supported for Bluesky yet.", where)
                    )
        return problems

    # --- accounts ------------------------------------------------------------------------

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        identifier = (fields.get("handle") or "").strip().lstrip("@")
        password = (fields.get("app_password") or "").strip()
        if not identifier or not password:
            raise Rejected("Enter your Bluesky handle and an app password.")
        service = check_url(fields.get("service") or DEFAULT_SERVICE)
        appview_field = (fields.get("appview") or DEFAULT_APPVIEW).strip()
        appview = "" if appview_field.lower() in NO_APPVIEW else check_url(appview_field)
        with self._xrpc(service) as x:
            r = x.post_raw("com.atproto.server.createSession", {"identifier": identifier, "password": password})
            if r.status_code == 401:
                raise AuthExpired("Bluesky did not accept this handle and app password.", network_message=message_of(r))
            raise_for_xrpc(r)
            session = expect_object(r)
        did, handle = session.get("did"), session.get("handle")
        if not isinstance(did, str) or not isinstance(handle, str) or "accessJwt" not in session:
            raise Transient("Bluesky sent an incomplete session.")
        pds = check_url(pds_from_did_doc(session.get("didDoc"), did) or service)
        secrets = {
            "access_jwt": str(session["accessJwt"]),
            "refresh_jwt": str(session.get("refreshJwt", "")),
            # Kept (in the OS keyring) so an expired refresh token can be replaced by a new login.
            "app_password": password,
        }
        conn = Connection(pds, did, handle, secrets, {"service": service, "appview": appview})
        return ConnectedAccount(
            remote_id=did,
            handle=handle,
            display_name=self._display_name(conn),
            server_url=pds,
            secrets=secrets,
            settings={"service": service, "appview": appview},
        )

    def _display_name(self, conn: Connection) -> str:
        """From the account's own profile record on its PDS; a failure is not fatal."""
        try:
            record = self._get_record(conn, "app.bsky.actor.profile", "self")
        except ProviderError:
            return ""
        value = record.get("value") if record else None
        name = value.get("displayName") if isinstance(value, dict) else None
        return name if isinstance(name, str) else ""

    def refresh(self, conn: Connection) -> Mapping[str, str]:
        """refreshSession with the refresh token; if that is expired or revoked, a new login with
        the stored app password. Transport trouble stays Transient (it is not the user's fault)."""
        service = conn.settings.get("service") or conn.server_url
        password = conn.secrets.get("app_password", "")
        with self._xrpc(service, observe_rate=conn.observe_rate) as x:
            refresh_jwt = conn.secrets.get("refresh_jwt", "")
            if refresh_jwt:
                r = x.post_raw("com.atproto.server.refreshSession", token=refresh_jwt)
                if r.status_code == 200:
                    return self._secrets(expect_object(r), password)
                if not (r.status_code == 401 or (r.status_code == 400 and error_name(r) in TOKEN_ERRORS)):
                    raise_for_xrpc(r)
            if not password:
                raise AuthExpired(f"The Bluesky session for @{conn.handle} has expired. Reconnect the account.")
            r = x.post_raw(
                "com.atproto.server.createSession", {"identifier": conn.remote_id, "password": password}, token=""
            )
            if r.status_code in (400, 401) and error_name(r) not in ("", "RateLimitExceeded"):
                raise AuthExpired(
                    f"Bluesky no longer accepts the app password for @{conn.handle}; it may have been revoked. "
                    "Reconnect the account with a new app password.",
                    network_message=message_of(r),
                )
            raise_for_xrpc(r)
            return self._secrets(expect_object(r), password)

    @staticmethod
    def _secrets(session: Mapping[str, Any], password: str) -> dict[str, str]:
        if not isinstance(session.get("accessJwt"), str):
            raise Transient("Bluesky sent an incomplete session.")
        out = {"access_jwt": str(session["accessJwt"]), "refresh_jwt": str(session.get("refreshJwt", ""))}
        if password:
            out["app_password"] = password
        return out

    # --- records -------------------------------------------------------------------------

    def _pds(self, conn: Connection) -> Xrpc:
        return self._xrpc(conn.server_url, conn.secrets.get("access_jwt", ""), conn.observe_rate)

    def _get_record(self, conn: Connection, collection: str, rkey: str) -> dict[str, Any] | None:
        """The record, or None if it does not exist. Public on the PDS: no token needed."""
        with self._xrpc(conn.server_url, observe_rate=conn.observe_rate) as x:
            r = x.get_raw(
                "com.atproto.repo.getRecord", {"repo": conn.remote_id, "collection": collection, "rkey": rkey}
            )
        if r.status_code == 400 and error_name(r) == "RecordNotFound":
            return None
        raise_for_xrpc(r)
        return expect_object(r)

    def _existing_post(self, conn: Connection, rkey: str) -> tuple[str, str] | None:
        found = self._existing_post_text(conn, rkey)
        return None if found is None else (found[0], found[1])

    def _existing_post_text(self, conn: Connection, rkey: str) -> tuple[str, str, str] | None:
        """(uri, cid, text) of the post under ``rkey``, or None."""
        record = self._get_record(conn, POST, rkey)
        if record is None:
            return None
        uri, cid, value = record.get("uri"), record.get("cid"), record.get("value")
        if not isinstance(uri, str) or not isinstance(cid, str):
            raise Transient("Bluesky sent an unexpected record.")
        text = value.get("text") if isinstance(value, dict) else None
        return uri, cid, text if isinstance(text, str) else ""

    def _url(self, conn: Connection, uri: str) -> str:
        return f"https://bsky.app/profile/{conn.handle}/post/{parse_at_uri(uri)[2]}"

    # --- publishing ----------------------------------------------------------------------

    def publish(
        self,
        conn: Connection,
        post: PostRequest,
        idempotency_key: str,
        *,
        done: Sequence[PublishedPart] = (),
        on_part: PartCallback | None = None,
    ) -> Published:
        """Each part is written under its own derived record key, replying to the first (root)
        and the previous (parent) part. A part whose key already holds a record is not
        written again: that is what makes retries safe (``done`` parts are read back the same
        way, for the reply references the next part needs)."""
        if not post.parts:
            raise Rejected("The post is empty.")
        refs: list[tuple[str, str]] = []
        made: list[PublishedPart] = []
        stale: list[int] = []
        created_any = False
        for i, part in enumerate(post.parts):
            rkey = derive_rkey(idempotency_key, i)
            earlier = False
            try:
                found = self._existing_post_text(conn, rkey)
                if found is None:
                    record = self._record(conn, post, part, i, refs)
                    ref = self._create(conn, rkey, record)
                    created_any = True
                else:
                    ref = (found[0], found[1])
                    # an earlier attempt wrote it before the user edited this part
                    earlier = i >= len(done) and found[2] != richtext.display_text(part.text)
                    if earlier:
                        stale.append(i)
            except ProviderError as exc:
                exc.parts = tuple(made)
                raise
            refs.append(ref)
            made.append(PublishedPart(i, ref[0], self._url(conn, ref[0]), stale=earlier))
            if on_part is not None and i >= len(done):
                on_part(made[-1])
        return Published.from_parts(made, already=not created_any, stale_parts=stale)

    def _create(self, conn: Connection, rkey: str, record: dict[str, Any]) -> tuple[str, str]:
        body = {"repo": conn.remote_id, "collection": POST, "rkey": rkey, "record": record}
        try:
            with self._pds(conn) as x:
                out = x.procedure("com.atproto.repo.createRecord", body)
        except (Transient, Rejected):
            # The PDS answers a duplicate key with a 500; a timeout may hide a success. Either
            # way, if the key now holds a record, it is ours.
            existing = self._existing_post(conn, rkey)
            if existing is not None:
                return existing
            raise
        uri, cid = out.get("uri"), out.get("cid")
        if not isinstance(uri, str) or not isinstance(cid, str):
            raise Transient("Bluesky sent an unexpected reply to createRecord.")
        return uri, cid

    def _record(
        self, conn: Connection, post: PostRequest, part: PostPart, index: int, refs: list[tuple[str, str]]
    ) -> dict[str, Any]:
        # The text as the official app posts it: long links shortened, the facet holds the full URI.
        record: dict[str, Any] = {"$type": POST, "text": richtext.display_text(part.text), "createdAt": _now_iso()}
        found = richtext.facets(part.text, lambda handle: self._resolve_handle(conn, handle))
        if found:
            record["facets"] = found
        if post.language:
            record["langs"] = [post.language.replace("_", "-")]
        if refs:
            root, parent = refs[0], refs[-1]
            record["reply"] = {
                "root": {"uri": root[0], "cid": root[1]},
                "parent": {"uri": parent[0], "cid": parent[1]},
            }
        if part.media:
            record["embed"] = {"$type": "app.bsky.embed.images", "images": [self._upload(conn, m) for m in part.media]}
        elif post.link and index == 0:
            record["embed"] = {"$type": "app.bsky.embed.external", "external": self._external(conn, post.link)}
        return record

    # --- link card -----------------------------------------------------------------------

    def _page_client(self) -> httpx.Client:
        with self._card_lock:
            if self._card_client is None:
                self._card_client = card_client(self._transport, timeout=CARD_TIMEOUT)
            return self._card_client

    def _external(self, conn: Connection, link: str) -> dict[str, Any]:
        """The card for ``link`` (app.bsky.embed.external#external): the page's title and
        description, and its image uploaded as the thumb. Best effort: whatever fails (the page,
        its image, the upload), the card falls back to the host name, and the post still goes."""
        host = urlsplit(link).hostname or link
        external: dict[str, Any] = {"uri": link, "title": host, "description": ""}
        try:
            card = fetch_card(self._page_client(), untracked(link), timeout=CARD_TIMEOUT)
            if card is None:
                return external
            external["title"] = card.title or card.site_name or host
            external["description"] = card.description
            thumb = self._card_thumb(conn, card.image) if card.image else None
            if thumb is not None:
                external["thumb"] = thumb
        except Exception:  # a preview must never stop a post (see the docstring)
            log.info("Bluesky link card for %s: falling back to the host name", host, exc_info=True)
        return external

    def _card_thumb(self, conn: Connection, image_url: str) -> dict[str, Any] | None:
        """The card image as an uploaded blob, or None. The lexicon takes any ``image/*`` up to
        1,000,000 bytes for the thumb (app.bsky.embed.external#external, ``thumb``:
        ``{"type": "blob", "accept": ["image/*"], "maxSize": 1000000}``, github.com/bluesky-
        social/atproto lexicons/app/bsky/embed/external.json); SVG is left out: apps do not
        draw it."""
        got = fetch_image(self._page_client(), image_url, CARD_THUMB_BYTES, timeout=CARD_TIMEOUT)
        if got is None or got[1] == "image/svg+xml":
            return None
        data, mime = got
        try:
            with self._pds(conn) as x:
                out = x.procedure("com.atproto.repo.uploadBlob", content=data, content_type=mime)
        except ProviderError:
            log.info("Bluesky link card: the thumb upload failed", exc_info=True)
            return None
        blob = out.get("blob")
        return blob if isinstance(blob, dict) else None

    def _resolve_handle(self, conn: Connection, handle: str) -> str | None:
        with self._xrpc(conn.server_url, observe_rate=conn.observe_rate) as x:
            r = x.get_raw("com.atproto.identity.resolveHandle", {"handle": handle})
        if r.status_code == 400:  # HandleNotFound, or not a valid handle: no facet
            return None
        raise_for_xrpc(r)
        did = expect_object(r).get("did")
        return did if isinstance(did, str) else None

    def _upload(self, conn: Connection, media: MediaItem) -> dict[str, Any]:
        lim = self.info.limits
        if media.mime not in lim.media_types:
            raise Rejected(f"{media.path.name}: Bluesky does not accept {media.mime}.")
        try:
            data = media.path.read_bytes()
        except OSError as exc:
            raise Rejected(f"{media.path.name} cannot be read.", network_message=str(exc)) from None
        if len(data) > lim.max_image_bytes:
            raise Rejected(
                f"{media.path.name} is {len(data) / 1e6:.1f} MB; Bluesky takes images up to "
                f"{lim.max_image_bytes / 1e6:.1f} MB."
            )
        with self._pds(conn) as x:
            out = x.procedure("com.atproto.repo.uploadBlob", content=data, content_type=media.mime)
        blob = out.get("blob")
        if not isinstance(blob, dict):
            raise Transient("Bluesky sent an unexpected reply to uploadBlob.")
        image: dict[str, Any] = {"image": blob, "alt": media.alt_text or ""}
        if media.width and media.height:
            size: tuple[int, int] | None = (media.width, media.height)
        else:
            info = read_media_info(media.path)
            size = (info.width, info.height) if info.width and info.height else None
        if size:
            image["aspectRatio"] = {"width": size[0], "height": size[1]}
        return image

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """The records under this key's derived record keys, part after part, while they exist."""
        # a plain text: look for as many parts as a thread may have
        wanted = self.info.limits.max_parts if isinstance(text, str) else max(1, len(text))
        uris: list[str] = []
        for i in range(wanted):
            ref = self._existing_post(conn, derive_rkey(idempotency_key, i))
            if ref is None:
                break
            uris.append(ref[0])
        if not uris:
            return None
        parts = [PublishedPart(i, u, self._url(conn, u)) for i, u in enumerate(uris)]
        return Published.from_parts(parts, already=True)

    def delete(self, conn: Connection, remote_id: str) -> None:
        try:
            repo, collection, rkey = parse_at_uri(remote_id)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        with self._pds(conn) as x:
            x.procedure("com.atproto.repo.deleteRecord", {"repo": repo, "collection": collection, "rkey": rkey})

    # --- metrics -------------------------------------------------------------------------

    def metrics_offered(self, conn: Connection) -> MetricsOffer:
        """Everything declared when the account has an AppView (its setting); none without one,
        since posts and profiles are counted there, not on the PDS."""
        if self._appview(conn):
            return super().metrics_offered(conn)
        return MetricsOffer(
            (),
            (),
            "No metrics: this Bluesky account has no AppView configured. Reconnect it and set one to count them.",
        )

    def _appview(self, conn: Connection) -> str:
        value = conn.settings.get("appview", DEFAULT_APPVIEW)
        return "" if not value or value.lower() in NO_APPVIEW else value

    def _appview_query(self, conn: Connection, nsid: str, params: Any) -> dict[str, Any]:
        appview = self._appview(conn)
        if not appview:
            raise MetricsUnavailable("Bluesky metrics need an AppView; none is set for this account.")
        via_pds = appview.rstrip("/") == conn.server_url.rstrip("/")
        # The PDS proxies app.bsky.* to its own AppView for signed-in calls; the public AppView needs no token.
        token = conn.secrets.get("access_jwt", "") if via_pds else None
        with self._xrpc(appview, token, conn.observe_rate) as x:
            r = x.get_raw(nsid, params)
        # A bare PDS without an AppView answers 400 "No service configured for ..."; an
        # AppView that is not one answers 404/501.
        unavailable = (400, 404, 501, 502) if via_pds else (404, 501)
        if r.status_code in unavailable and error_name(r) not in TOKEN_ERRORS:
            raise MetricsUnavailable(
                f"Bluesky metrics need an AppView, and {appview} does not provide one.",
                network_message=message_of(r),
            )
        raise_for_xrpc(r)
        return expect_object(r)

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        out: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        for start in range(0, len(ids), GET_POSTS_BATCH):
            batch = ids[start : start + GET_POSTS_BATCH]
            data = self._appview_query(conn, "app.bsky.feed.getPosts", {"uris": batch})
            posts = data.get("posts")
            if not isinstance(posts, list):
                raise Transient("Bluesky sent an unexpected reply to getPosts.")
            for view in posts:
                if not isinstance(view, dict) or view.get("uri") not in batch:
                    continue
                out[view["uri"]] = PostMetrics(view["uri"], reported_counts(view, POST_COUNTS))
        return out

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        data = self._appview_query(conn, "app.bsky.actor.getProfile", {"actor": conn.remote_id})
        return AccountMetrics(reported_counts(data, PROFILE_COUNTS))

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The account's own posts and replies, newest first, from the AppView's
        ``app.bsky.feed.getAuthorFeed`` (``filter=posts_with_replies``, 100 a page, cursor
        paging). Reposts and pins (items with a ``reason``) and posts by anyone else are left
        out; paging stops at the first post older than ``since`` or at ``limit`` posts."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        found: list[RemotePost] = []
        params: dict[str, Any] = {"actor": conn.remote_id, "limit": 100, "filter": "posts_with_replies"}
        seen_cursors: set[str] = set()
        while len(found) < limit:
            data = self._appview_query(conn, "app.bsky.feed.getAuthorFeed", params)
            feed = data.get("feed")
            if not isinstance(feed, list):
                raise Transient("Bluesky sent an unexpected reply to getAuthorFeed.")
            for item in feed:
                post = self._remote_post(conn, item)
                if post is None:
                    continue
                if since is not None and post.published_at < since:
                    return found  # newest first: everything further back is older still
                found.append(post)
                if len(found) >= limit:
                    return found
            cursor = data.get("cursor")
            if not feed or not isinstance(cursor, str) or not cursor or cursor in seen_cursors:
                break
            seen_cursors.add(cursor)
            params["cursor"] = cursor
        return found

    def _remote_post(self, conn: Connection, item: object) -> RemotePost | None:
        """One feedViewPost as a RemotePost, or None for a repost, a pin or someone else's post."""
        if not isinstance(item, dict) or item.get("reason"):
            return None
        view = item.get("post")
        if not isinstance(view, dict) or not isinstance(view.get("uri"), str):
            return None
        author = view.get("author")
        if not isinstance(author, dict) or author.get("did") != conn.remote_id:
            return None
        raw_record = view.get("record")
        record: dict[str, Any] = raw_record if isinstance(raw_record, dict) else {}
        published = parse_utc_time(record.get("createdAt")) or parse_utc_time(view.get("indexedAt"))
        if published is None:
            return None
        reply = record.get("reply")
        parent = reply.get("parent") if isinstance(reply, dict) else None
        parent_uri = parent.get("uri") if isinstance(parent, dict) else None
        text = record.get("text")
        try:
            url = self._url(conn, view["uri"])
        except ValueError:
            return None
        return RemotePost(
            remote_id=view["uri"],
            url=url,
            text=text if isinstance(text, str) else "",
            published_at=published,
            metrics=reported_counts(view, POST_COUNTS),
            reply_to=parent_uri if isinstance(parent_uri, str) else None,
        )
