"""The provider interface: what every social network module implements.

A provider knows one network's API, limits and text counting, and nothing else:
no Qt, no database, no keyring. It is given what it needs for each call
(a :class:`Connection` built by the app from the store and the vault) and
returns plain values or raises one of the typed errors below.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import regex

# --- errors ---------------------------------------------------------------------------------


class ProviderError(Exception):
    """Base of every error a provider raises. ``message`` is fit to show a marketer."""

    def __init__(self, message: str, *, network_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The network's own words (error body), shown beneath our message.
        self.network_message = network_message
        #: Thread parts this call made live before it failed (``publish`` sets it).
        self.parts: tuple[PublishedPart, ...] = ()

    def __str__(self) -> str:
        if self.network_message and self.network_message not in self.message:
            return f"{self.message} ({self.network_message})"
        return self.message


class AuthExpired(ProviderError):
    """The credentials no longer work: refresh once, then ask the user to reconnect."""


class RateLimited(ProviderError):
    """The network asked us to slow down. ``retry_after`` is in seconds, if it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, network_message: str | None = None) -> None:
        super().__init__(message, network_message=network_message)
        self.retry_after = retry_after


class Rejected(ProviderError):
    """Permanent: the network refused this content. The user must edit it; retrying won't help."""

    @property
    def reason(self) -> str:
        return self.network_message or self.message


class Transient(ProviderError):
    """Temporary trouble (5xx, timeout, connection refused, malformed reply): retry with backoff."""


class MetricsUnavailable(ProviderError):
    """This account cannot report metrics as connected (e.g. a Bluesky account without an
    AppView). Publishing is unaffected; retrying won't help until its settings change."""


# --- declared data --------------------------------------------------------------------------


class AuthKind(enum.StrEnum):
    APP_PASSWORD = "app_password"
    ACCESS_TOKEN = "access_token"
    OAUTH2 = "oauth2"


@dataclass(frozen=True)
class ConnectField:
    """One field of a provider's connect form (GUI) and of ``accounts add NETWORK`` (CLI).

    A ``secret`` field is read from standard input on the command line and shown as a
    password box in the GUI; it is never written anywhere but the keyring.
    """

    name: str
    label: str
    secret: bool = False
    required: bool = True
    default: str | None = None
    help: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class Limits:
    """What a network (or one server of it) accepts. Providers may learn them per account."""

    max_chars: int
    max_media: int = 4
    max_parts: int = 1  # >1 when threads are supported
    url_length: int | None = None  # URLs count as this many characters, if the network does that
    media_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
    max_image_bytes: int = 5 * 1024 * 1024
    max_video_bytes: int = 0
    max_alt_chars: int = 1500
    #: Width × height caps, and the longest video; 0 = the network sets none. Checked against
    #: what the file's content says (providers.media_info), never its name.
    max_image_pixels: int = 0
    max_video_pixels: int = 0
    max_video_seconds: float = 0

    def to_json(self) -> dict[str, object]:
        return {
            "max_chars": self.max_chars,
            "max_media": self.max_media,
            "max_parts": self.max_parts,
            "url_length": self.url_length,
            "media_types": sorted(self.media_types),
            "max_image_bytes": self.max_image_bytes,
            "max_video_bytes": self.max_video_bytes,
            "max_alt_chars": self.max_alt_chars,
            "max_image_pixels": self.max_image_pixels,
            "max_video_pixels": self.max_video_pixels,
            "max_video_seconds": self.max_video_seconds,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Limits:
        types = data.get("media_types")
        return cls(
            max_chars=int(data["max_chars"]),  # type: ignore[call-overload]
            max_media=int(data.get("max_media", 4)),  # type: ignore[call-overload]
            max_parts=int(data.get("max_parts", 1)),  # type: ignore[call-overload]
            url_length=(
                int(data["url_length"]) if data.get("url_length") is not None else None  # type: ignore[call-overload]
            ),
            media_types=frozenset(types) if isinstance(types, list) else Limits.media_types,
            max_image_bytes=int(data.get("max_image_bytes", 5 * 1024 * 1024)),  # type: ignore[call-overload]
            max_video_bytes=int(data.get("max_video_bytes", 0)),  # type: ignore[call-overload]
            max_alt_chars=int(data.get("max_alt_chars", 1500)),  # type: ignore[call-overload]
            max_image_pixels=int(data.get("max_image_pixels", 0)),  # type: ignore[call-overload]
            max_video_pixels=int(data.get("max_video_pixels", 0)),  # type: ignore[call-overload]
            max_video_seconds=float(data.get("max_video_seconds", 0)),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class OAuthSpec:
    """How a network signs in through the system browser: OAuth 2.0 authorization code with
    PKCE (S256) and a loopback redirect (RFC 8252). Declared data; ``desktop.services.oauth``
    runs the flow, the provider only turns the tokens it gets into accounts
    (:meth:`Provider.accounts_from_tokens`) and refreshes them (:meth:`Provider.refresh`).

    ``authorize_url`` and ``token_url`` may contain ``{server}`` (the instance URL, without a
    trailing slash) for networks with many servers (Mastodon)."""

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    scope_separator: str = " "
    #: The app registers itself on each server (Mastodon ``POST /api/v1/apps``); otherwise the
    #: user creates a developer app on the network and enters its client id in Settings.
    registers_client: bool = False
    #: The network insists on a client secret even with PKCE (a confidential client).
    client_secret_required: bool = False
    #: Tokens expire and come with a refresh token (``Provider.refresh`` renews them).
    refreshes: bool = True
    #: Where the user creates the developer app, and how (shown in Settings beside the exact
    #: redirect URI to register).
    developer_app_url: str = ""
    developer_app_help: str = ""
    #: The redirect URI the developer app must register. Networks that match it exactly
    #: (no port wildcards) need a fixed port; 0 = any free port, as RFC 8252 allows.
    redirect_port: int = 0
    redirect_path: str = "/callback"
    extra_authorize_params: Mapping[str, str] = field(default_factory=dict)
    #: How the token endpoint takes the client's credentials ("client_secret_basic",
    #: "client_secret_post" or "none"); empty: basic when there is a secret, else none.
    token_endpoint_auth_method: str = ""


@dataclass(frozen=True)
class ProviderInfo:
    """Everything the app needs to know about a network without calling it."""

    id: str  # stable, lowercase: "mastodon", "bluesky"
    name: str  # shown to the user
    auth_kind: AuthKind
    connect_fields: tuple[ConnectField, ...]
    limits: Limits  # defaults; a provider may refine them per account (see fetch_limits)
    counting: str  # one line for the user: how length is counted
    threads: bool = False
    alt_text: bool = True
    native_idempotency: bool = False  # the network itself deduplicates retries
    #: How long the network remembers an idempotency key, in seconds (None: for ever, e.g. a
    #: Bluesky record key). Past it, a retry after an unknown outcome must use find_published.
    idempotency_window: float | None = None
    post_metrics: tuple[str, ...] = ()  # e.g. ("likes", "reposts", "replies")
    account_metrics: tuple[str, ...] = ()  # e.g. ("followers", "following", "posts")
    icon: str = ""  # resource name under resources/icons/networks/
    color: str = ""  # the network's brand colour (#rrggbb), so charts draw it the same everywhere
    #: Browser sign-in, for networks that have it (None: the connect form only).
    oauth: OAuthSpec | None = None
    #: Shown in Connect and accepted by ``accounts add``. A network whose provider is not yet
    #: complete (its contract suite does not pass in full) stays hidden.
    available: bool = True
    #: A pasted token can act for several accounts (Facebook: a user token and the Pages it
    #: manages): Connect lists them with ``accounts_from_tokens("", fields)`` for the user to pick.
    token_lists_accounts: bool = False


# --- values passed in and out ---------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """What a provider needs to act for one account: who and where (from the store),
    and its secrets (from the vault). Never logged: ``repr`` hides the secrets."""

    server_url: str
    remote_id: str  # the network's id for the account (Mastodon id, Bluesky DID)
    handle: str
    secrets: Mapping[str, str] = field(repr=False)
    settings: Mapping[str, str] = field(default_factory=dict)  # non-secret, e.g. AppView URL
    #: Called with the rate-limit window of every HTTP response the provider receives while
    #: acting for this account (when its headers carry one), publishing included. It may be
    #: called from any thread the provider runs on; it must not raise.
    observe_rate: Callable[[RateWindow], None] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class RateWindow:
    """A rate-limit window as the network reported it in response headers."""

    limit: int
    remaining: int
    resets_at: datetime | None  # UTC
    scope: str = "default"


@dataclass(frozen=True)
class MetricsOffer:
    """What an account can report now: post metrics, account metrics, and why some are missing."""

    post: tuple[str, ...]
    account: tuple[str, ...]
    note: str = ""  # a sentence for the user when something is missing ("…has no AppView…")


@dataclass(frozen=True)
class RemotePost:
    """A post found on the network (history import): published outside or inside the app."""

    remote_id: str
    url: str
    text: str
    published_at: datetime  # UTC
    metrics: Mapping[str, int]  # only the metrics the network reports for it
    reply_to: str | None = None  # remote id of the parent when it is a reply


@dataclass(frozen=True)
class ConnectedAccount:
    """The result of ``connect``: identity for the store, secrets for the vault."""

    remote_id: str
    handle: str
    display_name: str
    server_url: str
    secrets: Mapping[str, str] = field(repr=False)
    avatar_url: str = ""
    limits: Limits | None = None
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaItem:
    path: Path
    mime: str
    alt_text: str = ""
    size: int = 0
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class PostPart:
    text: str
    media: tuple[MediaItem, ...] = ()


@dataclass(frozen=True)
class PostRequest:
    """One variant to publish: one part, or several for a thread (each replies to the previous)."""

    parts: tuple[PostPart, ...]
    language: str | None = None
    content_warning: str | None = None
    visibility: str | None = None  # network-specific, e.g. Mastodon "public" / "unlisted"
    link: str | None = None  # a link to preview as a card, where the network supports it

    @classmethod
    def single(cls, text: str, media: Sequence[MediaItem] = (), **kw: str | None) -> PostRequest:
        return cls(parts=(PostPart(text=text, media=tuple(media)),), **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Problem:
    """Something that would make the network refuse a post, in words for the user."""

    code: str  # "too_long", "empty", "too_many_media", "media_type", "media_size", "alt_missing", ...
    message: str
    part: int | None = None  # which part of a thread, 0-based


@dataclass(frozen=True)
class PublishedPart:
    """One live part of a post (index 0 is the post itself, then each reply of its thread)."""

    index: int
    remote_id: str
    url: str = ""
    #: Found live with an earlier text than the post has now (it went out before an edit).
    stale: bool = False

    def to_json(self) -> dict[str, object]:
        """The public shape (``--json``)."""
        return {"index": self.index, "remote_id": self.remote_id, "url": self.url or None}

    def to_record(self) -> dict[str, object]:
        """The stored shape: the public one, plus what the app must remember."""
        return {**self.to_json(), **({"stale": True} if self.stale else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> PublishedPart:
        return cls(
            int(data["index"]),  # type: ignore[call-overload]
            str(data["remote_id"]),
            str(data.get("url") or ""),
            bool(data.get("stale", False)),
        )


#: ``publish`` calls this with each part the moment the network returns it, so the caller can save
#: it before the next part is sent.
PartCallback = Callable[[PublishedPart], None]


@dataclass(frozen=True)
class Published:
    remote_id: str  # the first part's id
    url: str
    part_ids: tuple[str, ...] = ()  # every part's id, in order, for threads
    already: bool = False  # the network told us this key was published before
    part_urls: tuple[str, ...] = ()  # each part's URL where known, in the order of part_ids
    #: Parts (0-based) the network already held under this key with a different text: an earlier
    #: attempt went out before the user's edit, and the edit was not sent.
    stale_parts: tuple[int, ...] = ()

    @property
    def parts(self) -> tuple[PublishedPart, ...]:
        ids = self.part_ids or (self.remote_id,)
        urls = self.part_urls or (self.url,)
        return tuple(PublishedPart(i, rid, urls[i] if i < len(urls) else "") for i, rid in enumerate(ids))

    @classmethod
    def from_parts(
        cls, parts: Sequence[PublishedPart], *, already: bool = False, stale_parts: Sequence[int] = ()
    ) -> Published:
        return cls(
            remote_id=parts[0].remote_id,
            url=parts[0].url,
            part_ids=tuple(p.remote_id for p in parts),
            part_urls=tuple(p.url for p in parts),
            already=already,
            stale_parts=tuple(stale_parts),
        )


@dataclass(frozen=True)
class PostMetrics:
    remote_id: str
    values: Mapping[str, int]


@dataclass(frozen=True)
class AccountMetrics:
    values: Mapping[str, int]


# --- counting helpers used by several providers ---------------------------------------------


def reported_counts(entity: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, int]:
    """``{metric: count}`` for each of ``fields`` (metric → the network's key) the entity reports
    as a whole number; one it leaves out (or sends as something else) is not reported, never 0."""
    out: dict[str, int] = {}
    for metric, key in fields.items():
        value = entity.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out[metric] = value
    return out


_GRAPHEME = regex.compile(r"\X")


def count_graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, UAX #29)."""
    return len(_GRAPHEME.findall(text))


# --- browser sign-in tokens ------------------------------------------------------------------


def refresh_oauth_tokens(
    spec: OAuthSpec,
    secrets: Mapping[str, str],
    *,
    server_url: str = "",
    network: str = "The network",
    transport: Any = None,
) -> dict[str, str]:
    """A standard OAuth 2.0 refresh (RFC 6749 §6) at ``spec.token_url`` with authlib, for a
    provider's ``refresh``: ``secrets`` as the vault keeps them (``refresh_token``, ``client_id``,
    ``client_secret`` where there is one). Returns the new secrets (a rotated refresh token
    replaces the old one; one the network did not rotate is kept; ``expires_at`` in epoch
    seconds). Raises AuthExpired with the network's words when the network refuses
    (``invalid_grant``: reconnect), Transient when it cannot be reached or answers garbage."""
    import httpx
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

    refresh_token = secrets.get("refresh_token", "")
    if not refresh_token:
        raise AuthExpired(f"{network} gave no way to renew this sign-in; please reconnect the account.")
    client_secret = secrets.get("client_secret") or None
    client = OAuth2Client(
        client_id=secrets.get("client_id", ""),
        client_secret=client_secret,
        token_endpoint_auth_method=spec.token_endpoint_auth_method or None,
        transport=transport,
        timeout=30.0,
    )
    try:
        with client:
            token = client.refresh_token(
                spec.token_url.format(server=server_url.rstrip("/")), refresh_token=refresh_token
            )
    except OAuthError as exc:
        raise AuthExpired(
            f"{network} refused to renew the sign-in; please reconnect the account.",
            network_message=exc.description or exc.error or None,
        ) from None
    except httpx.HTTPError as exc:
        raise Transient(
            f"Could not reach {network} to renew the sign-in.", network_message=type(exc).__name__
        ) from None
    except ValueError:
        raise Transient(f"{network} sent an unreadable reply while renewing the sign-in.") from None
    if not token.get("access_token"):
        raise Transient(f"{network} sent no new token while renewing the sign-in.")
    fresh = dict(secrets)
    fresh["access_token"] = str(token["access_token"])
    fresh["refresh_token"] = str(token.get("refresh_token") or refresh_token)
    if token.get("expires_at"):
        fresh["expires_at"] = str(int(float(token["expires_at"])))
    else:
        fresh.pop("expires_at", None)
    if token.get("scope"):
        fresh["scope"] = str(token["scope"])
    return fresh


# --- the interface ---------------------------------------------------------------------------


class Provider(ABC):
    """One social network. Subclasses declare ``info`` and implement the calls."""

    info: ProviderInfo
    #: How many remote ids one ``post_metrics`` request can take.
    metrics_batch_size: int = 1

    def limits_for(self, connection_limits: Limits | None = None) -> Limits:
        return connection_limits or self.info.limits

    @abstractmethod
    def measure(self, text: str, limits: Limits | None = None) -> int:
        """Length of ``text`` as the network counts it."""

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """Offline checks before scheduling. The base checks length, parts and media against
        ``limits``; providers add their own rules by extending it."""
        lim = self.limits_for(limits)
        problems: list[Problem] = []
        if not post.parts:
            return [Problem("empty", "The post is empty.")]
        if len(post.parts) > max(1, lim.max_parts):
            if lim.max_parts <= 1:
                problems.append(Problem("no_threads", f"{self.info.name} does not support threads."))
            else:
                problems.append(
                    Problem("too_many_parts", f"{self.info.name} threads have at most {lim.max_parts} parts.")
                )
        for i, part in enumerate(post.parts):
            where = i if len(post.parts) > 1 else None
            if not part.text.strip() and not part.media:
                problems.append(Problem("empty", "The post has no text and no media.", where))
            n = self.measure(part.text, lim)
            if n > lim.max_chars:
                problems.append(
                    Problem("too_long", f"{n} of {lim.max_chars} characters: {n - lim.max_chars} too many.", where)
                )
            problems.extend(self._validate_media(part.media, lim, where))
        return problems

    def _validate_media(self, media: Sequence[MediaItem], lim: Limits, where: int | None) -> list[Problem]:
        problems: list[Problem] = []
        if len(media) > lim.max_media:
            problems.append(
                Problem("too_many_media", f"{self.info.name} takes at most {lim.max_media} attachments.", where)
            )
        for m in media:
            if m.size <= 0:
                problems.append(Problem("media_empty", f"{m.path.name} is empty (0 bytes).", where))
                continue
            if m.mime not in lim.media_types:
                what = (
                    "it is not a supported image or video"
                    if m.mime == "application/octet-stream"  # providers.media_info.UNKNOWN
                    else f"{self.info.name} does not accept {m.mime}"
                )
                problems.append(Problem("media_type", f"{m.path.name}: {what}.", where))
                continue
            video = m.mime.startswith("video/")
            pixel_cap = lim.max_video_pixels if video else lim.max_image_pixels
            if pixel_cap and m.width and m.height and m.width * m.height > pixel_cap:
                problems.append(
                    Problem(
                        "media_pixels",
                        f"{m.path.name} is {m.width}×{m.height} ({m.width * m.height / 1e6:.1f} megapixels); "
                        f"{self.info.name} takes up to {pixel_cap / 1e6:.1f} megapixels.",
                        where,
                    )
                )
            if video and lim.max_video_seconds:
                from providers.media_info import read_media_info  # only when a duration limit applies

                try:  # MediaItem carries no duration: read it from the content
                    seconds = read_media_info(m.path).duration
                except OSError:
                    seconds = None
                if seconds is not None and seconds > lim.max_video_seconds:
                    problems.append(
                        Problem(
                            "media_duration",
                            f"{m.path.name} lasts {seconds:.0f} s; {self.info.name} takes videos up to "
                            f"{lim.max_video_seconds:.0f} s.",
                            where,
                        )
                    )
            cap = lim.max_video_bytes if video else lim.max_image_bytes
            if cap and m.size > cap:
                problems.append(
                    Problem(
                        "media_size",
                        f"{m.path.name} is {m.size / 1e6:.1f} MB; {self.info.name} takes up to {cap / 1e6:.1f} MB.",
                        where,
                    )
                )
            if m.alt_text and len(m.alt_text) > lim.max_alt_chars:
                problems.append(
                    Problem(
                        "alt_too_long", f"Alt text for {m.path.name} is over {lim.max_alt_chars} characters.", where
                    )
                )
        return problems

    @abstractmethod
    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        """Check the user's connect-form values against the network and return the account."""

    def accounts_from_tokens(self, server_url: str, tokens: Mapping[str, str]) -> list[ConnectedAccount]:
        """After a browser sign-in: the accounts these tokens can act for (one for most networks;
        the Pages a Facebook user manages, a LinkedIn member and their organizations). ``tokens``
        holds the token response (``access_token``, ``refresh_token``, ``expires_at`` as epoch
        seconds, ``scope``) plus ``client_id``/``client_secret`` of the app that got them; each
        account's ``secrets`` are what the vault keeps for it."""
        raise NotImplementedError(f"{self.info.name} has no browser sign-in.")

    def register_client(self, server_url: str, redirect_uri: str) -> Mapping[str, str]:
        """For networks whose OAuthSpec says ``registers_client``: register the app on the user's
        server with this exact ``redirect_uri`` and the spec's scopes; returns ``client_id`` and
        ``client_secret``. The caller caches them per server (the secret in the keyring)."""
        raise NotImplementedError(f"{self.info.name} does not let apps register themselves.")

    def refresh(self, conn: Connection) -> Mapping[str, str]:
        """New secrets for an account whose credentials expired. Raise AuthExpired if impossible.
        The caller stores the result in the vault before using it."""
        raise AuthExpired(f"{self.info.name} credentials cannot be refreshed; please reconnect the account.")

    def fetch_limits(self, conn: Connection) -> Limits:
        """Limits of the account's server, where they vary (Mastodon instances)."""
        return self.info.limits

    @abstractmethod
    def publish(
        self,
        conn: Connection,
        post: PostRequest,
        idempotency_key: str,
        *,
        done: Sequence[PublishedPart] = (),
        on_part: PartCallback | None = None,
    ) -> Published:
        """Publish ``post``. The same ``idempotency_key`` is sent on every attempt of one variant,
        so a provider with native idempotency never creates a second post for it.

        Threads: ``done`` are the parts already live (a prefix of ``post.parts``); publishing
        resumes after them, the next part replying to the last. ``on_part`` is called with each
        part as soon as the network returns it. An error raised after some parts went live
        carries them in ``ProviderError.parts``. The result lists every part, ``done`` included."""

    @abstractmethod
    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """After an unknown outcome (a crash, a timeout) past the network's idempotency window:
        what of this post is live. ``text`` is the post's text, or each part's text for a thread;
        ``done`` the parts already known. Returns the longest live prefix of the thread found on
        the network (``done`` included; it may be shorter than the thread, and then publishing
        resumes after it), or None when not even the first part is there."""

    @abstractmethod
    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Current counters for many posts at once (missing ids are left out)."""

    @abstractmethod
    def account_metrics(self, conn: Connection) -> AccountMetrics:
        """Current counters for the account (followers, ...)."""

    def metrics_offered(self, conn: Connection) -> MetricsOffer:
        """What this account can report now. By default what the network declares; a provider
        whose metrics depend on the connection (a Bluesky server without an AppView) narrows
        it and says why in ``note``. Offline: no network call."""
        return MetricsOffer(tuple(self.info.post_metrics), tuple(self.info.account_metrics))

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The account's own recent posts on the network, newest first, for the history import:
        top-level posts and replies (``reply_to`` set), never reposts or boosts; those published
        before ``since`` and any past ``limit`` are left out. The default knows none."""
        return []

    @abstractmethod
    def delete(self, conn: Connection, remote_id: str) -> None:
        """Remove a published post."""
