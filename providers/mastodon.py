"""Mastodon: any instance of the network, through its REST API (docs.joinmastodon.org/methods).

Sign-in is through the browser (``info.oauth``: the app registers itself on the user's server
with ``POST /api/v1/apps``, then OAuth 2 with PKCE; see desktop.services.oauth), or, as an
advanced alternative, a personal access token (Preferences → Development) in the connect form.
Either way the vault keeps ``{"access_token": ...}``; Mastodon tokens do not expire.

Counting follows Mastodon's ``StatusLengthValidator`` (4.x): every ``http(s)://`` URL counts as
``characters_reserved_per_url`` (23), ``@user@domain`` counts as ``@user``, the content warning
counts too, and the rest is counted in grapheme clusters (``each_grapheme_cluster.size``).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
    MediaItem,
    OAuthSpec,
    PartCallback,
    PostMetrics,
    PostRequest,
    Problem,
    Provider,
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
from providers.http import (
    account_client,
    check_url,
    error_message,
    json_body,
    make_client,
    raise_for_status,
    send,
)
from providers.profiles import pasted_token
from providers.reconcile import live_prefix, part_texts, read_back_from
from providers.thread_publish import publish_parts
from providers.times import as_utc, parse_utc_time

NETWORK = "Mastodon"

#: What a stock Mastodon 4.4+ server accepts; each instance reports its own (see fetch_limits).
DEFAULT_LIMITS = Limits(
    max_chars=500,
    max_media=4,
    max_parts=25,  # our cap on a thread, not Mastodon's (it has none)
    url_length=23,
    media_types=frozenset(
        {
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "image/avif",
            "image/heic",
            "video/mp4",
            "video/webm",
            "video/quicktime",
        }
    ),
    max_image_bytes=16 * 1024 * 1024,  # 16777216 since 4.4 (10 MB before)
    max_video_bytes=103_809_024,  # 99 MB since 4.4 (40 MB before)
    max_alt_chars=1500,
    # /api/v2/instance configuration.media_attachments, as mastodon.social reports it
    # (docs.joinmastodon.org/entities/Instance/#media_attachments): image_matrix_limit 33177600
    # (7680×4320), video_matrix_limit 8294400 (3840×2160). Mastodon sets no video duration cap
    # (video_frame_rate_limit 120 is not checked: it needs the video's sample tables).
    max_image_pixels=33_177_600,
    max_video_pixels=8_294_400,
)

#: Mastodon's batch status lookup takes this many ids per request.
BATCH_SIZE = 20
#: How long an uploaded video may take to process before we call it transient.
MEDIA_PROCESSING_TIMEOUT = 60.0
#: find_published: pages of 40 statuses to look back through, at most.
MAX_HISTORY_PAGES = 10

# Simplified from twitter-text (which Mastodon's Extractor uses): URLs need a protocol
# (extract_url_without_protocol: false) and end before trailing punctuation.
_URL = regex.compile(
    r"(?<![\p{L}\p{N}_/@.-])https?://"
    r"(?:[\p{L}\p{N}-]+\.)+[\p{L}\p{N}-]{2,}(?::\d{1,5})?"  # a dotted host, optional port
    r"(?:[/?#][^\s<>\"]*)?",
    regex.IGNORECASE,
)
_URL_TRAILING = ".,:;!?'\"*"
# Mastodon's Account::MENTION_RE: "@user" or "@user@domain", not inside a word or a path.
_MENTION = regex.compile(
    r"(?<=^|[^/\p{L}\p{N}_])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]+)?",
    regex.IGNORECASE,
)
_TAG = regex.compile(r"<[^>]*>")
_BREAK = regex.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", regex.IGNORECASE)
_SPACE = regex.compile(r"\s+")


def _url_spans(text: str) -> Iterator[tuple[int, int]]:
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        # A closing parenthesis belongs to the URL only if the URL opened one.
        while text[end - 1] == ")" and text.count("(", m.start(), end) < text.count(")", m.start(), end):
            end -= 1
        yield m.start(), end


def countable_text(text: str, url_length: int | None = 23) -> str:
    """``text`` rewritten the way Mastodon measures it: URLs as ``url_length`` x's, mentions
    without their domain."""
    entities: list[tuple[int, int, str]] = []
    if url_length is not None:
        entities = [(s, e, "x" * url_length) for s, e in _url_spans(text)]
    for m in _MENTION.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e, _ in entities):  # overlapping: the URL wins
            entities.append((m.start(), m.end(), "@" + m.group(1)))
    out, last = [], 0
    for start, end, replacement in sorted(entities):
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


def plain_text(content_html: str) -> str:
    """A status's HTML ``content`` as the plain text that was posted (near enough to compare)."""
    text = _BREAK.sub("\n", content_html)
    return html.unescape(_TAG.sub("", text))


def _comparable(text: str) -> str:
    # Mastodon renders a remote mention as "@user", and reflows whitespace into <p>/<br>.
    return _SPACE.sub(" ", countable_text(text, url_length=None)).strip()


def _next_max_id(response: httpx.Response) -> str:
    """``max_id`` of the Link header's ``rel="next"`` page, if the server sent one."""
    link = response.links.get("next", {}).get("url", "")
    values = parse_qs(urlsplit(link).query).get("max_id") if link else None
    return values[0] if values else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


#: Status entity counters (docs.joinmastodon.org/entities/Status), by our metric names.
STATUS_COUNTS = {
    "likes": "favourites_count",
    "reposts": "reblogs_count",
    "replies": "replies_count",
    "quotes": "quotes_count",  # Mastodon 4.5+
}
#: Account entity counters (docs.joinmastodon.org/entities/Account).
ACCOUNT_COUNTS = {"followers": "followers_count", "following": "following_count", "posts": "statuses_count"}


def limits_from_instance(data: Mapping[str, Any], base: Limits = DEFAULT_LIMITS) -> Limits:
    """Limits from an ``/api/v2/instance`` (or v1) document; missing values keep ``base``'s."""
    config = data.get("configuration") if isinstance(data, Mapping) else None
    if not isinstance(config, Mapping):
        return base
    statuses = config.get("statuses") or {}
    media = config.get("media_attachments") or {}
    types = media.get("supported_mime_types")
    return replace(
        base,
        max_chars=_int(statuses.get("max_characters")) or base.max_chars,
        max_media=_int(statuses.get("max_media_attachments")) or base.max_media,
        url_length=_int(statuses.get("characters_reserved_per_url")) or base.url_length,
        media_types=frozenset(t for t in types if isinstance(t, str)) if isinstance(types, list) else base.media_types,
        max_image_bytes=_int(media.get("image_size_limit")) or base.max_image_bytes,
        max_video_bytes=_int(media.get("video_size_limit")) or base.max_video_bytes,
        max_alt_chars=_int(media.get("description_limit")) or base.max_alt_chars,
        max_image_pixels=_int(media.get("image_matrix_limit")) or base.max_image_pixels,
        max_video_pixels=_int(media.get("video_matrix_limit")) or base.max_video_pixels,
    )


class MastodonProvider(Provider):
    """Mastodon through its client REST API, authenticated by a personal access token."""

    info = ProviderInfo(
        id="mastodon",
        name=NETWORK,
        auth_kind=AuthKind.ACCESS_TOKEN,
        connect_fields=(
            ConnectField(
                "instance",
                "Server",
                help="The address of your Mastodon server.",
                placeholder="https://mastodon.social",
            ),
            ConnectField(
                "access_token",
                "Access token",
                secret=True,
                help="Preferences → Development → New application, then copy 'Your access token'.",
            ),
        ),
        limits=DEFAULT_LIMITS,
        counting="Characters as you see them; every link counts as 23; @user@server counts as @user.",
        threads=True,
        alt_text=True,
        native_idempotency=True,
        idempotency_window=3600.0,  # Mastodon keeps Idempotency-Key results for about an hour
        # quotes_count is in the Status entity since Mastodon 4.5; an older server leaves it out,
        # and then the post's quotes are "not reported", never 0 (see _counts).
        post_metrics=("likes", "reposts", "replies", "quotes"),
        account_metrics=("followers", "following", "posts"),
        icon="mastodon",
        color="#6364ff",
        # docs.joinmastodon.org/methods/oauth/ and /methods/apps/: authorization code with PKCE
        # (S256 since 4.3), apps registered per server, tokens that do not expire.
        oauth=OAuthSpec(
            authorize_url="{server}/oauth/authorize",
            token_url="{server}/oauth/token",
            scopes=("read", "write"),
            registers_client=True,
            refreshes=False,
            token_endpoint_auth_method="client_secret_post",
        ),
    )
    metrics_batch_size = BATCH_SIZE
    #: Shown on the user's server when they authorize the app.
    client_name = "Campaign Desk"
    #: Shown beside the name when set; the project has no public site yet, so none is claimed.
    website = ""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        media_timeout: float = MEDIA_PROCESSING_TIMEOUT,
    ) -> None:
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._media_timeout = media_timeout

    # --- counting and offline checks ---------------------------------------------------------

    def measure(self, text: str, limits: Limits | None = None) -> int:
        lim = self.limits_for(limits)
        return count_graphemes(countable_text(text, lim.url_length))

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """The base checks, with the content warning counted into each part's length
        (Mastodon counts ``spoiler_text + text`` against one limit)."""
        problems = super().validate(post, limits)
        warning = post.content_warning or ""
        if not warning:
            return problems
        lim = self.limits_for(limits)
        problems = [p for p in problems if p.code != "too_long"]
        for i, part in enumerate(post.parts):
            n = self.measure(part.text, lim) + count_graphemes(warning)
            if n > lim.max_chars:
                where = i if len(post.parts) > 1 else None
                problems.append(
                    Problem(
                        "too_long",
                        f"{n} of {lim.max_chars} characters with the content warning: {n - lim.max_chars} too many.",
                        where,
                    )
                )
        return problems

    # --- HTTP plumbing -----------------------------------------------------------------------

    @contextmanager
    def _client(
        self, server_url: str, token: str | None, observe_rate: Callable[[RateWindow], None] | None = None
    ) -> Iterator[httpx.Client]:
        with make_client(server_url, transport=self._transport, bearer=token, observe_rate=observe_rate) as client:
            yield client

    def _session(self, conn: Connection) -> httpx.Client:
        return account_client(conn, conn.server_url, whose="Mastodon account", transport=self._transport)

    def _call(self, client: httpx.Client, method: str, path: str, **kw: Any) -> httpx.Response:
        response = send(client, method, path, network=NETWORK, **kw)
        if response.status_code == 403 and "authorized scopes" in (error_message(response) or ""):
            # "This action is outside the authorized scopes": only a new token helps.
            raise AuthExpired(
                "This Mastodon access token is missing a permission; please reconnect with read and write access.",
                network_message=error_message(response),
            )
        raise_for_status(response, network=NETWORK)
        return response

    def _get_json(self, client: httpx.Client, path: str, **kw: Any) -> Any:
        return json_body(self._call(client, "GET", path, **kw))

    # --- connecting --------------------------------------------------------------------------

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        """Check the token against the instance (verify_credentials) and learn its limits."""
        instance = check_url(fields.get("instance", ""))
        token = pasted_token(fields, "Paste the access token from Preferences → Development on your Mastodon server.")
        with self._client(instance, token) as client:
            response = send(client, "GET", "/api/v1/accounts/verify_credentials", network=NETWORK)
            if response.status_code == 404:
                raise Rejected(f"{instance} does not look like a Mastodon server.")
            raise_for_status(response, network=NETWORK)
            account = json_body(response)
            limits, domain = self._instance(client)
        if not isinstance(account, dict) or "id" not in account:
            raise Transient("Mastodon sent an unexpected reply to verify_credentials.")
        host = domain or (urlsplit(instance).netloc)
        acct = str(account.get("acct") or account.get("username") or "")
        return ConnectedAccount(
            remote_id=str(account["id"]),
            handle=f"@{acct}" if "@" in acct else f"@{acct}@{host}",
            display_name=str(account.get("display_name") or account.get("username") or acct),
            server_url=instance,
            secrets={"access_token": token},
            avatar_url=str(account.get("avatar") or ""),
            limits=limits,
        )

    def register_client(self, server_url: str, redirect_uri: str) -> Mapping[str, str]:
        """``POST /api/v1/apps`` on the user's server: the app's client id and secret for this
        redirect URI and the spec's scopes (docs.joinmastodon.org/methods/apps/#create)."""
        instance = check_url(server_url)
        scopes = " ".join(self.info.oauth.scopes) if self.info.oauth else "read write"
        data = {
            "client_name": self.client_name,
            "redirect_uris": redirect_uri,
            "scopes": scopes,
        }
        if self.website:
            data["website"] = self.website
        with self._client(instance, None) as client:
            response = send(client, "POST", "/api/v1/apps", network=NETWORK, data=data)
            if response.status_code == 404:
                raise Rejected(f"{instance} does not look like a Mastodon server.")
            raise_for_status(response, network=NETWORK)
            app = json_body(response)
        if not isinstance(app, dict) or not app.get("client_id") or not app.get("client_secret"):
            raise Transient("Mastodon sent an unexpected reply when registering the app.")
        return {"client_id": str(app["client_id"]), "client_secret": str(app["client_secret"])}

    def accounts_from_tokens(self, server_url: str, tokens: Mapping[str, str]) -> list[ConnectedAccount]:
        """The one account the token acts for (verify_credentials), as ``connect`` finds it. The
        vault keeps the token and the app's credentials (to revoke the token later)."""
        account = self.connect({"instance": server_url, "access_token": tokens.get("access_token", "")})
        kept = {k: tokens[k] for k in ("access_token", "client_id", "client_secret") if tokens.get(k)}
        return [replace(account, secrets=kept)]

    def fetch_limits(self, conn: Connection) -> Limits:
        with self._client(conn.server_url, conn.secrets.get("access_token"), conn.observe_rate) as client:
            return self._instance(client)[0]

    def _instance(self, client: httpx.Client) -> tuple[Limits, str]:
        """(limits, domain) from /api/v2/instance, else /api/v1/instance (Mastodon < 4.0), else defaults."""
        for path, domain_key in (("/api/v2/instance", "domain"), ("/api/v1/instance", "uri")):
            response = send(client, "GET", path, network=NETWORK)
            if response.status_code in (404, 410):
                continue
            raise_for_status(response, network=NETWORK)
            data = json_body(response)
            if isinstance(data, dict):
                return limits_from_instance(data), str(data.get(domain_key) or "")
        return DEFAULT_LIMITS, ""

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
        """Post each part with ``Idempotency-Key`` (``key:i`` per part of a thread), each part
        replying to the previous one, resuming after the ``done`` parts. Mastodon remembers a key
        for about an hour, so a retry in that window returns a status already made instead of
        posting it again. A status that comes back with another text than the part has now is
        that earlier one, sent before the user edited the part: it is kept (never posted beside)
        and named in ``stale_parts``. (Media is uploaded again on a retry; the server deletes
        unattached uploads by itself.)"""
        if not post.parts:
            raise Rejected("The post is empty.")
        threaded = len(post.parts) > 1
        stale: list[int] = []
        with self._session(conn) as client:

            def send_part(index: int, previous: PublishedPart | None) -> PublishedPart:
                part = post.parts[index]
                media_ids = [self._upload(client, item) for item in part.media]
                data: dict[str, Any] = {"status": part.text}
                if media_ids:
                    data["media_ids[]"] = media_ids
                if previous is not None:
                    data["in_reply_to_id"] = previous.remote_id
                if post.visibility:
                    data["visibility"] = post.visibility
                if post.content_warning:
                    data["spoiler_text"] = post.content_warning
                if post.language:
                    data["language"] = post.language
                key = f"{idempotency_key}:{index}" if threaded else idempotency_key
                response = self._call(client, "POST", "/api/v1/statuses", data=data, headers={"Idempotency-Key": key})
                status = json_body(response)
                if not isinstance(status, dict) or "id" not in status:
                    raise Transient("Mastodon sent an unexpected reply to a new post.")
                # Mastodon makes a status with exactly the text it is given, so one with other text
                # is the key's earlier result: sent before the user edited this part. Told by its
                # text, never by its age: a retry seconds after the unheard attempt gets the same
                # replay, and our clock need not agree with the server's.
                earlier = self._body(status) != _comparable(part.text)
                if earlier:
                    stale.append(index)
                url = str(status.get("url") or status.get("uri") or "")
                return PublishedPart(index, str(status["id"]), url, stale=earlier)

            parts = publish_parts(post, done, on_part, send_part)
        return Published.from_parts(parts, stale_parts=stale)

    def _upload(self, client: httpx.Client, item: MediaItem) -> str:
        """Upload one attachment (POST /api/v2/media) and wait until the server has processed it:
        200 means ready, 202 means poll GET /api/v1/media/:id (206 while processing)."""
        data = {"description": item.alt_text} if item.alt_text else {}
        try:
            fh = item.path.open("rb")
        except OSError as exc:
            raise Rejected(f"{item.path.name} cannot be read.", network_message=exc.strerror) from None
        with fh:
            files = {"file": (item.path.name, fh, item.mime)}
            response = self._call(client, "POST", "/api/v2/media", files=files, data=data)
        media = json_body(response)
        if not isinstance(media, dict) or "id" not in media:
            raise Transient("Mastodon sent an unexpected reply to a media upload.")
        media_id = str(media["id"])
        if response.status_code == 200 and media.get("url"):
            return media_id
        deadline = self._clock() + self._media_timeout
        delay = 0.5
        while self._clock() < deadline:
            self._sleep(min(delay, max(0.0, deadline - self._clock())))
            delay = min(delay * 2, 5.0)
            response = send(client, "GET", f"/api/v1/media/{media_id}", network=NETWORK)
            if response.status_code == 206:
                continue
            if response.status_code == 422:
                raise Rejected(f"Mastodon could not process {item.path.name}.", network_message=error_message(response))
            raise_for_status(response, network=NETWORK)
            media = json_body(response)
            if isinstance(media, dict) and media.get("url"):
                return media_id
        raise Transient(f"Mastodon is still processing {item.path.name} after {self._media_timeout:.0f} s.")

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """What of this post is live: the first part is the account's status with exactly its
        text created at/after ``since``; each further part is the account's reply to the part
        before with exactly its text, walked through ``GET /api/v1/statuses/:id/context``.

        Mastodon keeps an Idempotency-Key for about an hour and offers no lookup by key, so the
        first part is found by reading the account's own statuses (40 a page, newest first, back
        to ``since`` minus a little clock skew, at most 400) and comparing plain text: the
        ``text`` source field where the server gives it, else the HTML ``content`` with tags
        stripped. ``idempotency_key`` is not sent anywhere."""
        with self._session(conn) as client:
            parts = live_prefix(
                part_texts(text),
                done,
                lambda part_text: self._find_first(client, conn, part_text, since),
                lambda parent, part_text, index: self._find_reply(client, conn, parent.remote_id, part_text, index),
            )
        return None if parts is None else Published.from_parts(parts, already=True)

    @staticmethod
    def _body(status: Mapping[str, Any]) -> str:
        source = status.get("text")
        return _comparable(source if isinstance(source, str) else plain_text(str(status.get("content") or "")))

    def _find_first(self, client: httpx.Client, conn: Connection, text: str, since: datetime) -> PublishedPart | None:
        oldest = read_back_from(since, client)
        wanted = _comparable(text)
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        for _ in range(MAX_HISTORY_PAGES):
            page = self._get_json(client, f"/api/v1/accounts/{conn.remote_id}/statuses", params=params)
            if not isinstance(page, list) or not page:
                return None
            for status in page:
                if not isinstance(status, dict) or status.get("reblog"):
                    continue
                created = parse_utc_time(status.get("created_at"))
                if created is not None and created < oldest:
                    return None  # newest first: everything further back is older still
                if self._body(status) == wanted:
                    return PublishedPart(0, str(status["id"]), str(status.get("url") or status.get("uri") or ""))
            params["max_id"] = str(page[-1].get("id"))
        return None

    def _find_reply(
        self, client: httpx.Client, conn: Connection, parent_id: str, text: str, index: int
    ) -> PublishedPart | None:
        """The account's own direct reply to ``parent_id`` with exactly ``text``, if any."""
        context = self._get_json(client, f"/api/v1/statuses/{parent_id}/context")
        descendants = context.get("descendants") if isinstance(context, dict) else None
        wanted = _comparable(text)
        for status in descendants if isinstance(descendants, list) else []:
            if not isinstance(status, dict):
                continue
            author = status.get("account")
            if str(status.get("in_reply_to_id")) != str(parent_id):
                continue
            if not isinstance(author, dict) or str(author.get("id")) != str(conn.remote_id):
                continue
            if self._body(status) == wanted:
                return PublishedPart(index, str(status["id"]), str(status.get("url") or status.get("uri") or ""))
        return None

    # --- metrics and removal -----------------------------------------------------------------

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Counters from ``GET /api/v1/statuses?id[]=…`` (Mastodon 4.3+), or one request per
        status on older servers. Deleted or unknown statuses are left out."""
        found: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        with self._session(conn) as client:
            batch_ok = True
            for start in range(0, len(ids), BATCH_SIZE):
                chunk = ids[start : start + BATCH_SIZE]
                statuses: list[Any] = []
                if batch_ok:
                    response = send(client, "GET", "/api/v1/statuses", network=NETWORK, params={"id[]": chunk})
                    if response.status_code == 404:
                        batch_ok = False
                    else:
                        raise_for_status(response, network=NETWORK)
                        page = json_body(response)
                        statuses = page if isinstance(page, list) else []
                if not batch_ok:
                    statuses = [s for s in (self._status_or_none(client, i) for i in chunk) if s is not None]
                for status in statuses:
                    if isinstance(status, dict) and str(status.get("id")) in ids:
                        found[str(status["id"])] = PostMetrics(
                            str(status["id"]), reported_counts(status, STATUS_COUNTS)
                        )
        return found

    def _status_or_none(self, client: httpx.Client, status_id: str) -> Any:
        response = send(client, "GET", f"/api/v1/statuses/{status_id}", network=NETWORK)
        if response.status_code == 404:
            return None
        raise_for_status(response, network=NETWORK)
        return json_body(response)

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        with self._session(conn) as client:
            account = self._get_json(client, "/api/v1/accounts/verify_credentials")
        if not isinstance(account, dict):
            raise Transient("Mastodon sent an unexpected reply to verify_credentials.")
        return AccountMetrics(reported_counts(account, ACCOUNT_COUNTS))

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The account's own statuses, newest first: ``GET /api/v1/accounts/:id/statuses`` with
        ``exclude_reblogs=true``, 40 a page, paging back with ``max_id`` (the Link header's
        ``next``, else the last id) until a status older than ``since`` or ``limit`` of them.
        Boosts and direct messages are left out; replies are kept with ``reply_to``."""
        since = as_utc(since) if since is not None else None
        found: list[RemotePost] = []
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        with self._session(conn) as client:
            while len(found) < limit:
                response = self._call(client, "GET", f"/api/v1/accounts/{conn.remote_id}/statuses", params=params)
                page = json_body(response)
                if not isinstance(page, list):
                    raise Transient("Mastodon sent an unexpected reply to the account's statuses.")
                if not page:
                    break
                for status in page:
                    post = self._remote_post(status) if isinstance(status, dict) else None
                    if post is None:
                        continue
                    if since is not None and post.published_at < since:
                        return found  # newest first: everything further back is older still
                    found.append(post)
                    if len(found) >= limit:
                        break
                last = page[-1]
                next_id = _next_max_id(response) or (str(last.get("id") or "") if isinstance(last, dict) else "")
                if not next_id or next_id == params.get("max_id"):
                    break
                params["max_id"] = next_id
        return found

    def _remote_post(self, status: Mapping[str, Any]) -> RemotePost | None:
        # A boost is someone else's post; a direct message is a conversation, not a post to measure.
        if status.get("reblog") or "id" not in status or status.get("visibility") == "direct":
            return None
        created = parse_utc_time(status.get("created_at"))
        if created is None:
            return None
        reply_to = status.get("in_reply_to_id")
        source = status.get("text")
        return RemotePost(
            remote_id=str(status["id"]),
            url=str(status.get("url") or status.get("uri") or ""),
            text=source if isinstance(source, str) else plain_text(str(status.get("content") or "")),
            published_at=created,
            metrics=reported_counts(status, STATUS_COUNTS),
            reply_to=str(reply_to) if reply_to else None,
        )

    def delete(self, conn: Connection, remote_id: str) -> None:
        """Delete one status. One that is already gone (404) counts as deleted."""
        with self._session(conn) as client:
            response = send(client, "DELETE", f"/api/v1/statuses/{remote_id}", network=NETWORK)
            if response.status_code == 404:
                return
            raise_for_status(response, network=NETWORK)
