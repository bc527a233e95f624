"""LinkedIn through its versioned REST API (Posts, Images, organization statistics).

Sign-in is OAuth 2.0 authorization code in the system browser (``info.oauth``) with the user's own
LinkedIn developer app, whose client secret LinkedIn requires at the token endpoint
(https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow). The
tokens become accounts in :meth:`LinkedInProvider.accounts_from_tokens`: the member
(``urn:li:person:<sub>`` from the OpenID ``GET /v2/userinfo``) and, when the organization scopes were
granted, every organization page the member may post for (``GET /rest/organizationAcls``, roles
ADMINISTRATOR, DIRECT_SPONSORED_CONTENT_POSTER or CONTENT_ADMIN(ISTRATOR), as the Posts API's
permission table lists them). Access tokens last 60 days; LinkedIn issues refresh tokens only to approved partners, so
:meth:`LinkedInProvider.refresh` renews a token only when one came with it, else asks to reconnect.

Posting: ``POST /rest/posts`` with the text as little ``commentary`` (:mod:`providers.linkedin.little`
escapes what LinkedIn would otherwise read as markup); the new post's URN comes back in the
``x-restli-id`` header ("A successful response will return 201 Created, and the newly created post
will be identified by the X-RestLi-Id response header"). One image goes up through the Images API
(``POST /rest/images?action=initializeUpload``, then ``PUT`` of the bytes to ``uploadUrl``) and is
referenced as ``content.media.id`` with its ``altText``. No threads; video is refused in validate.

Idempotency: LinkedIn has no idempotency key. Before a variant is sent again after an unknown
outcome, the app calls :meth:`LinkedInProvider.find_published`, which reads the author's own posts
(``GET /rest/posts?author=…&q=author``) and matches the text. ``idempotency_key`` is sent nowhere.

Metrics: organization posts report impressions, clicks, reactions, comments and reposts through
``/rest/organizationalEntityShareStatistics`` (scope rw_organization_admin, for a page's
ADMINISTRATOR only) and the page's followers through ``networkSizes``. The API offers no
statistics for a member's own posts or followers to ordinary apps (r_member_social is "restricted
and is available to approved users only"), so a member account reports them as not offered — never
as 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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
from providers.http import (
    account_token,
    check_url,
    error_message,
    is_loopback_host,
    json_body,
    make_client,
    send,
)
from providers.linkedin.api import (
    API_URL,
    NETWORK,
    OAUTH_URL,
    REST_HEADERS,
    call,
    enc,
    get_object,
    raise_for_linkedin,
)
from providers.linkedin.little import from_commentary, to_commentary, utf16_length
from providers.oauth_tokens import refreshed_secrets
from providers.profiles import pasted_token
from providers.reconcile import comparable_text, part_texts, read_back_from
from providers.times import as_utc

MB = 1024 * 1024

#: Sources (also in docs/networks/linkedin.md):
#: 3,000 characters of commentary — not stated in the official reference pages the corpus holds;
#: taken from the posting tools' published tables (https://docs.upload-post.com/resources/character-limits,
#: https://postproxy.dev/reference/platforms/), counted in UTF-16 units (the stricter count).
#: Images JPG, PNG, GIF, under 36,152,320 pixels (https://cdn.cdata.com/help/CLM/jdbc/pg_sp-uploadimage.htm,
#: repeating the Images API page). One image a post: content.media.id
#: (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api).
DEFAULT_LIMITS = Limits(
    max_chars=3000,
    max_media=1,
    max_parts=1,
    url_length=None,
    media_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
    max_image_bytes=5 * MB,  # our cap: the reference we hold names no byte limit for images
    max_video_bytes=0,
    max_alt_chars=4086,  # altText; LinkedIn's own composer allows 120 for the visible part, API more
    max_image_pixels=36_152_319,
)

#: Page roles that may post for an organization: the Posts API's w_organization_social list names
#: ADMINISTRATOR, DIRECT_SPONSORED_CONTENT_POSTER and CONTENT_ADMIN; the Organization Access Control
#: page spells the last CONTENT_ADMINISTRATOR
#: (https://learn.microsoft.com/en-us/linkedin/compliance/integrations/organizations/organization-access-control).
POSTING_ROLES = frozenset(
    {"ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER", "CONTENT_ADMIN", "CONTENT_ADMINISTRATOR"}
)
MEMBER_SCOPES = ("openid", "profile", "w_member_social")
ORGANIZATION_SCOPES = ("r_organization_social", "w_organization_social", "rw_organization_admin")
#: Organization share statistics: "rw_organization_admin … Restricted to organizations in which the
#: authenticated member has the following role: ADMINISTRATOR"
#: (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics,
#: tests/fixtures/linkedin/share_statistics.json). Other page roles may post but never read them.
STATISTICS_ROLE = "ADMINISTRATOR"
STATISTICS_SCOPE = "rw_organization_admin"
REDIRECT_PORT = 8736

#: totalShareStatistics of organizationalEntityShareStatistics, by our metric names.
SHARE_COUNTS = {
    "impressions": "impressionCount",
    "unique_impressions": "uniqueImpressionsCount",
    "clicks": "clickCount",
    "likes": "likeCount",
    "comments": "commentCount",
    "reposts": "shareCount",
}
#: find_published / recent_posts: posts a page, and pages to read back through at most.
PAGE_SIZE = 50
MAX_HISTORY_PAGES = 8
#: organizationalEntityShareStatistics takes a list of posts; we ask for this many at once.
BATCH_SIZE = 20


def post_url(urn: str) -> str:
    """Where a post is seen: https://www.linkedin.com/feed/update/<urn>/ (the Posts API's
    "View URL Structure")."""
    return f"https://www.linkedin.com/feed/update/{urn}/"


def is_organization(urn: str) -> bool:
    return urn.startswith("urn:li:organization:")


def granted_scopes(tokens: Mapping[str, str]) -> frozenset[str]:
    """The scopes a token response says were granted. LinkedIn writes them comma-separated ("A
    comma-separated list of scopes authorized by the member (e.g. "r_liteprofile,r_ads")", its own
    client's AccessToken3LResponse, tests/fixtures/linkedin/token_response.json); spaces are taken too."""
    return frozenset(str(tokens.get("scope") or "").replace(",", " ").split())


def _role_name(role: str) -> str:
    return role.replace("_", " ").capitalize()


def _millis(value: object) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


class LinkedInProvider(Provider):
    """LinkedIn through its versioned REST API, acting for a member or an organization page."""

    info = ProviderInfo(
        id="linkedin",
        name=NETWORK,
        auth_kind=AuthKind.OAUTH2,
        connect_fields=(
            ConnectField(
                "access_token",
                "Access token",
                secret=True,
                help=(
                    "An access token from your LinkedIn developer app's token generator (scopes openid "
                    "profile w_member_social; for a page also w_organization_social r_organization_social, "
                    "and rw_organization_admin for its statistics). It lasts 60 days and cannot be renewed."
                ),
            ),
            ConnectField(
                "organization",
                "Page",
                required=False,
                help="To post as a page you administer: its id or urn:li:organization:… URN. Empty: as yourself.",
                placeholder="urn:li:organization:2414183",
            ),
        ),
        limits=DEFAULT_LIMITS,
        counting="Every character counts, emoji as 2 (UTF-16); 3,000 in all. #tags stay hashtags.",
        threads=False,
        alt_text=True,
        native_idempotency=False,
        post_metrics=tuple(SHARE_COUNTS),
        account_metrics=("followers",),
        icon="linkedin",
        color="#0a66c2",
        oauth=OAuthSpec(
            # https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
            authorize_url=f"{OAUTH_URL}/oauth/v2/authorization",
            token_url=f"{OAUTH_URL}/oauth/v2/accessToken",
            scopes=MEMBER_SCOPES,
            client_secret_required=True,
            refreshes=False,  # refresh tokens only for approved partners (programmatic refresh)
            developer_app_url="https://www.linkedin.com/developers/apps",
            developer_app_help=(
                "Create an app at linkedin.com/developers (it must be linked to a LinkedIn page), add the "
                "products 'Sign In with LinkedIn using OpenID Connect' and 'Share on LinkedIn', and add the "
                "redirect URL shown here exactly under Auth → Authorized redirect URLs. Then copy the Client "
                "ID and Client Secret. To post as a page, the app also needs the 'Community Management API' "
                "product."
            ),
            redirect_port=REDIRECT_PORT,  # LinkedIn matches the redirect URL exactly, port included
            redirect_path="/callback",
            token_endpoint_auth_method="client_secret_post",
        ),
        available=False,  # see docs/networks/linkedin.md "Status"
    )
    metrics_batch_size = BATCH_SIZE

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        api_url: str = API_URL,
        oauth_url: str = OAUTH_URL,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = transport
        self._api_url = api_url
        self._oauth_url = oauth_url
        self._wall_clock = wall_clock

    # --- counting and offline checks ---------------------------------------------------------

    def measure(self, text: str, limits: Limits | None = None) -> int:
        return utf16_length(text)

    def validate(self, post: PostRequest, limits: Limits | None = None) -> list[Problem]:
        """The base checks; video is refused with its own words (not supported here yet)."""
        problems = super().validate(post, limits)
        for i, part in enumerate(post.parts):
            where = i if len(post.parts) > 1 else None
            for m in part.media:
                if m.mime.startswith("video/"):
                    problems = [p for p in problems if not (p.code == "media_type" and m.path.name in p.message)]
                    problems.append(
                        Problem("media_type", f"{m.path.name}: videos cannot be posted to LinkedIn from here.", where)
                    )
        return problems

    # --- HTTP plumbing -----------------------------------------------------------------------

    @contextmanager
    def _session(self, conn: Connection) -> Iterator[httpx.Client]:
        token = account_token(conn, "LinkedIn account")
        with self._client(conn.server_url or self._api_url, token, conn) as client:
            yield client

    @contextmanager
    def _client(self, base: str, token: str, conn: Connection | None = None) -> Iterator[httpx.Client]:
        """A client for LinkedIn's versioned REST API: the bearer token and its version headers on
        every request (the rate windows reported for an account's ``conn``)."""
        observe = conn.observe_rate if conn is not None else None
        with make_client(
            check_url(base), transport=self._transport, bearer=token, headers=REST_HEADERS, observe_rate=observe
        ) as client:
            yield client

    # --- connecting --------------------------------------------------------------------------

    def _member(self, client: httpx.Client, base: str, secrets: Mapping[str, str]) -> ConnectedAccount:
        """The member behind the token (OpenID userinfo: ``sub``, ``name``, ``picture``;
        https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2)."""
        user = get_object(client, "/v2/userinfo", "the account lookup")
        sub = str(user.get("sub") or "")
        if not sub:
            raise Transient("LinkedIn sent an account without an id.")
        name = str(user.get("name") or " ".join(str(user.get(k) or "") for k in ("given_name", "family_name")).strip())
        return ConnectedAccount(
            remote_id=f"urn:li:person:{sub}",
            handle=name or sub,
            display_name=name or sub,
            server_url=base,
            secrets=dict(secrets),
            avatar_url=str(user.get("picture") or ""),
            limits=DEFAULT_LIMITS,
        )

    def _organizations(
        self,
        client: httpx.Client,
        base: str,
        secrets: Mapping[str, str],
        granted: frozenset[str] | None = None,
    ) -> list[ConnectedAccount]:
        """The pages the member may post for: approved ACLs with a posting role
        (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role).

        Each page keeps the member's ``role`` on it and, when the sign-in said so, the ``scopes``
        granted, so :meth:`metrics_offered` knows whether LinkedIn will report its statistics."""
        acls = get_object(
            client, "/rest/organizationAcls", "the page roles", params={"q": "roleAssignee", "state": "APPROVED"}
        )
        seen: dict[str, ConnectedAccount] = {}
        for acl in acls.get("elements") or []:
            if not isinstance(acl, dict) or acl.get("role") not in POSTING_ROLES:
                continue
            urn = str(acl.get("organization") or acl.get("organizationTarget") or "")
            if not is_organization(urn) or urn in seen:
                continue
            org = get_object(client, f"/rest/organizations/{urn.rsplit(':', 1)[1]}", "the page lookup")
            name = str(org.get("localizedName") or org.get("vanityName") or urn)
            settings = {"kind": "organization", "role": str(acl["role"])}
            if granted is not None:
                settings["scopes"] = " ".join(sorted(granted))
            seen[urn] = ConnectedAccount(
                remote_id=urn,
                handle=str(org.get("vanityName") or name),
                display_name=name,
                server_url=base,
                secrets=dict(secrets),
                limits=DEFAULT_LIMITS,
                settings=settings,
            )
        return list(seen.values())

    def connect(self, fields: Mapping[str, str]) -> ConnectedAccount:
        """Check a pasted access token (``GET /v2/userinfo``); with ``organization``, the page the
        member may post for (``organizationAcls``)."""
        token = pasted_token(
            fields, "Sign in to LinkedIn with the browser (Connect → LinkedIn), or paste an access token."
        )
        base = check_url(self._api_url)
        wanted = (fields.get("organization") or "").strip()
        with self._client(base, token) as client:
            if not wanted:
                return self._member(client, base, {"access_token": token})
            urn = wanted if wanted.startswith("urn:li:") else f"urn:li:organization:{wanted}"
            for org in self._organizations(client, base, {"access_token": token}):
                if org.remote_id == urn:
                    return org
        raise Rejected(f"This LinkedIn account may not post for {urn}: it needs a page admin or content admin role.")

    def accounts_from_tokens(self, server_url: str, tokens: Mapping[str, str]) -> list[ConnectedAccount]:
        """The member and, when the organization scopes were granted, the pages they may post for.
        Secrets keep the token, its expiry, the refresh token (approved partners only) and the
        developer app's client id and secret (refreshing needs them)."""
        token = tokens.get("access_token") or ""
        if not token:
            raise AuthExpired("LinkedIn's sign-in gave no access token; please try again.")
        keep = ("access_token", "refresh_token", "expires_at", "scope", "client_id", "client_secret")
        secrets = {k: str(tokens[k]) for k in keep if tokens.get(k)}
        base = check_url(server_url or self._api_url)
        granted = granted_scopes(tokens)
        with self._client(base, token) as client:
            accounts = [self._member(client, base, secrets)]
            if "w_organization_social" in granted:
                accounts.extend(self._organizations(client, base, secrets, granted))
        return accounts

    def refresh(self, conn: Connection) -> Mapping[str, str]:
        """``POST /oauth/v2/accessToken`` with ``grant_type=refresh_token`` — only possible for apps
        LinkedIn approved for programmatic refresh
        (https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens).
        Without a refresh token the user must sign in again: AuthExpired."""
        refresh_token = conn.secrets.get("refresh_token")
        client_id, client_secret = conn.secrets.get("client_id"), conn.secrets.get("client_secret")
        if not refresh_token or not client_id or not client_secret:
            raise AuthExpired("LinkedIn sign-ins last 60 days and cannot be renewed by this app; please reconnect.")
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        with make_client(check_url(self._oauth_url), transport=self._transport) as client:
            response = call(client, "POST", "/oauth/v2/accessToken", data=data)
        body = json_body(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise Transient("LinkedIn sent an unexpected reply when renewing the sign-in.")
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
        """``POST /rest/posts`` (one part; LinkedIn has no threads). ``idempotency_key`` is sent
        nowhere: see the module docstring."""
        if done:
            return Published.from_parts(done)
        if not post.parts:
            raise Rejected("The post is empty.")
        if len(post.parts) > 1:
            raise Rejected("LinkedIn does not support threads.")
        part = post.parts[0]
        # The fields and values of LinkedIn's own Posts API example (linkedin-developers' client,
        # tests/fixtures/linkedin/create_post_request.json); commentary in the little format.
        body: dict[str, Any] = {
            "author": conn.remote_id,
            "commentary": to_commentary(part.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
        }
        with self._session(conn) as client:
            if part.media:
                if len(part.media) > 1:
                    raise Rejected("LinkedIn posts from here take one image.")
                item = part.media[0]
                image = self._upload(client, conn, item)
                body["content"] = {"media": {"id": image, **({"altText": item.alt_text} if item.alt_text else {})}}
            response = call(client, "POST", "/rest/posts", json=body)
        urn = response.headers.get("x-restli-id", "")
        if not urn.startswith("urn:li:"):
            raise Transient("LinkedIn accepted the post but did not say its id (no x-restli-id).")
        made = PublishedPart(0, urn, post_url(urn))
        if on_part is not None:
            on_part(made)
        return Published.from_parts([made])

    def _upload(self, client: httpx.Client, conn: Connection, item: MediaItem) -> str:
        """Images API: initializeUpload for the author, then PUT the bytes to ``uploadUrl``
        (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api)."""
        init = call(
            client,
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": conn.remote_id}},
        )
        reply = json_body(init)
        value = reply.get("value") if isinstance(reply, dict) else None
        if not isinstance(value, dict) or not value.get("uploadUrl") or not value.get("image"):
            raise Transient("LinkedIn sent an unexpected reply to an image upload.")
        upload_url = str(value["uploadUrl"])
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            raise Rejected(f"{item.path.name} cannot be read.", network_message=exc.strerror) from None
        host = urlsplit(upload_url).hostname or ""
        api_host = urlsplit(str(client.base_url)).hostname or ""
        # The token goes only to LinkedIn's own upload hosts (or the API's host, e.g. a local test server).
        trusted = host == api_host or host.endswith(".linkedin.com") or host == "linkedin.com"
        headers = {"Content-Type": "application/octet-stream"}
        if trusted:
            headers["Authorization"] = str(client.headers.get("Authorization", ""))
        elif not is_loopback_host(host) and urlsplit(upload_url).scheme != "https":
            raise Transient("LinkedIn gave an upload address that is not https.")
        with make_client(transport=self._transport) as uploader:
            call(uploader, "PUT", upload_url, content=data, headers=headers)
        return str(value["image"])

    # --- reading posts back ------------------------------------------------------------------

    def _author_posts(self, client: httpx.Client, author: str, start: int) -> list[dict[str, Any]]:
        """One page of the author's posts, newest first (``GET /rest/posts?q=author``).

        Reading a member's own posts needs r_member_social, which LinkedIn grants to approved
        partners only; without it the finder answers 403, and reconnecting would not help, so that
        is a refusal in words (Rejected), not an expired sign-in."""
        url = f"/rest/posts?author={enc(author)}&q=author&count={PAGE_SIZE}&start={start}&sortBy=LAST_MODIFIED"
        response = send(client, "GET", url, network=NETWORK)
        if response.status_code == 403 and not is_organization(author):
            raise Rejected(
                "LinkedIn lets only approved apps read a member's posts back, so this app cannot check whether "
                "an earlier attempt went out. Look at your LinkedIn profile: if the post is there, mark it "
                "published; if not, post it again.",
                network_message=error_message(response),
            )
        raise_for_linkedin(response)
        page = json_body(response)
        if not isinstance(page, dict):
            raise Transient("LinkedIn sent an unexpected reply to the account's posts.")
        elements = page.get("elements")
        return [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []

    @staticmethod
    def _created(post: Mapping[str, Any]) -> datetime | None:
        return _millis(post.get("publishedAt")) or _millis(post.get("createdAt"))

    def find_published(
        self,
        conn: Connection,
        idempotency_key: str,
        text: str | Sequence[str],
        since: datetime,
        *,
        done: Sequence[PublishedPart] = (),
    ) -> Published | None:
        """The author's published post with exactly this text, created at/after ``since`` (minus a
        little clock skew, and as much again as our clock runs ahead of LinkedIn's), read from
        ``GET /rest/posts?author=…&q=author`` newest first, at most 400 posts back. LinkedIn has no
        idempotency key, so the text is the match."""
        if done:
            return Published.from_parts(done, already=True)
        texts = part_texts(text)
        wanted = comparable_text(texts[0] if texts else "")
        oldest: datetime | None = None
        with self._session(conn) as client:
            for page_no in range(MAX_HISTORY_PAGES):
                page = self._author_posts(client, conn.remote_id, page_no * PAGE_SIZE)
                if oldest is None:  # after the first reply, whose Date tells LinkedIn's clock
                    oldest = read_back_from(since, client)
                for post in page:
                    created = self._created(post)
                    if created is not None and created < oldest:
                        return None
                    if post.get("lifecycleState", "PUBLISHED") != "PUBLISHED":
                        continue
                    if comparable_text(from_commentary(str(post.get("commentary") or ""))) == wanted:
                        urn = str(post.get("id") or "")
                        if urn:
                            return Published.from_parts([PublishedPart(0, urn, post_url(urn))], already=True)
                if len(page) < PAGE_SIZE:
                    return None
        return None

    def recent_posts(self, conn: Connection, *, since: datetime | None, limit: int = 200) -> list[RemotePost]:
        """The author's own published posts, newest first; reshares (``reshareContext``) left out."""
        since = as_utc(since) if since is not None else None
        found: list[RemotePost] = []
        with self._session(conn) as client:
            start = 0
            while len(found) < limit:
                page = self._author_posts(client, conn.remote_id, start)
                for post in page:
                    created = self._created(post)
                    if created is None or post.get("reshareContext") or not post.get("id"):
                        continue
                    if since is not None and created < since:
                        return found
                    if post.get("lifecycleState", "PUBLISHED") != "PUBLISHED":
                        continue
                    urn = str(post["id"])
                    found.append(
                        RemotePost(urn, post_url(urn), from_commentary(str(post.get("commentary") or "")), created, {})
                    )
                    if len(found) >= limit:
                        break
                if len(page) < PAGE_SIZE:
                    break
                start += PAGE_SIZE
        return found

    # --- metrics and removal -----------------------------------------------------------------

    def metrics_offered(self, conn: Connection) -> MetricsOffer:
        """A page reports post statistics when the member is its ADMINISTRATOR and the sign-in
        allowed rw_organization_admin (where the account's settings record them; accounts connected
        before they were recorded are asked, and a refusal says why). A member reports none."""
        if is_organization(conn.remote_id):
            followers = tuple(self.info.account_metrics)
            role = conn.settings.get("role")
            if role and role != STATISTICS_ROLE:
                return MetricsOffer(
                    (),
                    followers,
                    note=(
                        "LinkedIn reports a page's post statistics only to its administrators; your role on "
                        f"this page is {_role_name(role)}. Followers are still counted."
                    ),
                )
            scopes = conn.settings.get("scopes")
            if scopes is not None and STATISTICS_SCOPE not in scopes.split():
                return MetricsOffer(
                    (),
                    followers,
                    note=(
                        "This sign-in did not allow LinkedIn page statistics (rw_organization_admin). Reconnect "
                        "the page and allow it to collect post statistics."
                    ),
                )
            return MetricsOffer(tuple(self.info.post_metrics), followers)
        return MetricsOffer(
            (),
            (),
            note=(
                "LinkedIn's API does not report statistics for a member's own posts or followers to this app "
                "(only to approved partners); organization pages report them."
            ),
        )

    def post_metrics(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Lifetime totals per post from ``organizationalEntityShareStatistics`` (organic only, the
        last 12 months; https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics).
        A member's posts, and a page whose statistics LinkedIn keeps from this member: none (not
        offered, see :meth:`metrics_offered`)."""
        if not self.metrics_offered(conn).post:
            return {}
        ids = list(dict.fromkeys(remote_ids))
        found: dict[str, PostMetrics] = {}
        with self._session(conn) as client:
            for start in range(0, len(ids), BATCH_SIZE):
                chunk = ids[start : start + BATCH_SIZE]
                shares = [i for i in chunk if i.startswith("urn:li:share:")]
                ugc = [i for i in chunk if i.startswith("urn:li:ugcPost:")]
                url = (
                    "/rest/organizationalEntityShareStatistics?q=organizationalEntity"
                    f"&organizationalEntity={enc(conn.remote_id)}"
                )
                if shares:
                    url += "&shares=List(" + ",".join(enc(s) for s in shares) + ")"
                if ugc:
                    url += "&ugcPosts=List(" + ",".join(enc(u) for u in ugc) + ")"
                if not shares and not ugc:
                    continue
                page = get_object(client, url, "the post statistics")
                for element in page.get("elements") or []:
                    if not isinstance(element, dict):
                        continue
                    urn = str(element.get("share") or element.get("ugcPost") or "")
                    stats = element.get("totalShareStatistics")
                    if urn in chunk and isinstance(stats, dict):
                        found[urn] = PostMetrics(urn, reported_counts(stats, SHARE_COUNTS))
        return found

    def account_metrics(self, conn: Connection) -> AccountMetrics:
        """A page's followers: ``networkSizes`` with edgeType CompanyFollowedByMember
        (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/organizations/organization-network-size)."""
        if not is_organization(conn.remote_id):
            # Check the token anyway, so an expired sign-in shows as such rather than as "no metrics".
            with self._session(conn) as client:
                get_object(client, "/v2/userinfo", "the account lookup")
            raise MetricsUnavailable("LinkedIn does not report a member's followers to this app.")
        with self._session(conn) as client:
            size = get_object(
                client,
                f"/v2/networkSizes/{enc(conn.remote_id)}",
                "the follower count",
                params={"edgeType": "CompanyFollowedByMember"},
            )
        return AccountMetrics(reported_counts(size, {"followers": "firstDegreeSize"}))

    def delete(self, conn: Connection, remote_id: str) -> None:
        """``DELETE /rest/posts/{urn}``; a post already gone (404) counts as deleted."""
        with self._session(conn) as client:
            response = send(client, "DELETE", f"/rest/posts/{enc(remote_id)}", network=NETWORK)
            if response.status_code == 404:
                return
            raise_for_linkedin(response)
