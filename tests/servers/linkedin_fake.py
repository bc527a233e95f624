"""A small stateful fake of the LinkedIn REST endpoints the LinkedIn provider uses, on 127.0.0.1.

There is no LinkedIn server to install, so this answers the documented requests with the
documented shapes and keeps state, so the shared provider contract suite runs against the provider
over real HTTP:

- ``GET /v2/userinfo`` (``sub``, ``name``, ``given_name``, ``family_name``, ``picture``: OpenID
  Connect's claim names; LinkedIn's sample is not sourced, see docs/networks/linkedin.md "Status") —
  https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
- ``GET /rest/organizationAcls?q=roleAssignee`` (``elements`` of ``roleAssignee``, ``role``,
  ``state``, ``organization``), ``GET /rest/organizations/{id}`` —
  https://learn.microsoft.com/en-us/linkedin/compliance/integrations/organizations/organization-access-control
- ``POST /rest/posts`` (201, id in ``x-restli-id``), ``GET /rest/posts?author=…&q=author``,
  ``DELETE /rest/posts/{urn}`` (204) —
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
- ``POST /rest/images?action=initializeUpload`` (``value.uploadUrl``, ``value.image``,
  ``value.uploadUrlExpiresAt``: not sourced, see docs/networks/linkedin.md "Status"), ``PUT`` of the
  bytes to the upload URL —
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
- ``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&…&shares=List(…)`` —
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
  (only for a page's ADMINISTRATOR, as the page says: tests/fixtures/linkedin/share_statistics.json;
  the ``totalShareStatistics`` keys are not sourced)
- ``GET /v2/networkSizes/{urn}?edgeType=CompanyFollowedByMember`` (``firstDegreeSize``) —
  https://learn.microsoft.com/en-us/linkedin/marketing/integrations/community-management/organizations/organization-network-size
- ``POST /oauth/v2/accessToken`` with ``grant_type=refresh_token`` —
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens; the
  reply has the properties LinkedIn's own client reads (tests/fixtures/linkedin/token_response.json)
- errors as ``{"message", "serviceErrorCode", "status"}`` —
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling

Where it is simpler than LinkedIn: it sends no rate-limit headers (LinkedIn publishes none; its
limits are daily and shown only in the developer portal), and a token never expires by itself
(``expire(token)`` does it). Like LinkedIn as its users report, a commentary is cut at the first
reserved character that is not escaped, so a test sees what the post would show.
"""

from __future__ import annotations

import json
import secrets
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

import regex

from tests.servers.fake_http import FakeAPIHandler, FakeState, last_values, serve_fake

#: The documented sample error (error-handling page).
UNAUTHORIZED = {"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401}
RESERVED = set("|{}@[]()<>#\\*_~")
#: "rw_organization_admin … Restricted to organizations in which the authenticated member has the
#: following role: ADMINISTRATOR" (share statistics page).
STATISTICS_ROLE = "ADMINISTRATOR"
_TEMPLATE = regex.compile(r"\{hashtag\|[#＃]\|[^|{}]+\}")
_MENTION = regex.compile(r"@\[[^\]]*\]\(urn:li:[^)]*\)")


def shown_text(commentary: str) -> str:
    """What LinkedIn keeps of a commentary: everything up to the first unescaped reserved character
    that starts no template or mention."""
    i = 0
    while i < len(commentary):
        ch = commentary[i]
        if ch == "\\" and i + 1 < len(commentary) and commentary[i + 1] in RESERVED:
            i += 2
            continue
        if ch in RESERVED:
            m = _TEMPLATE.match(commentary, i) or _MENTION.match(commentary, i)
            if m is None:
                return commentary[:i]
            i = m.end()
            continue
        i += 1
    return commentary


@dataclass
class Member:
    sub: str
    name: str
    roles: dict[str, str] = field(default_factory=dict)  # organization urn → role
    #: r_member_social ("restricted and is available to approved users only"): may read own posts.
    partner: bool = False


@dataclass
class LinkedInFake(FakeState):
    """The fake's state. ``url`` is set once the server listens."""

    FIRST_ID: ClassVar[int] = 7265000000000000000

    members: dict[str, Member] = field(default_factory=dict)  # by access token
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)  # by urn
    followers: dict[str, int] = field(default_factory=dict)  # organization urn → count
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by urn
    stats: dict[str, dict[str, int]] = field(default_factory=dict)  # post urn → totalShareStatistics
    images: dict[str, bytes | None] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # → (id, secret, token)

    # --- set-up helpers for tests ----------------------------------------------------------

    def create_member(self, name: str = "Avery Quinn") -> str:
        """A fresh member; returns its access token."""
        token = secrets.token_urlsafe(24)
        self.members[token] = Member(secrets.token_urlsafe(6), name)
        return token

    def create_organization(self, token: str, role: str = "ADMINISTRATOR", name: str = "Acme Corp") -> str:
        """A page the member behind ``token`` holds ``role`` on; returns its URN."""
        org_id = str(2414183 + len(self.organizations))
        urn = f"urn:li:organization:{org_id}"
        self.organizations[urn] = {"id": int(org_id), "localizedName": name, "vanityName": f"acme-{org_id}"}
        self.followers[urn] = 0
        self.members[token].roles[urn] = role
        return urn

    def grant_refresh(self, token: str, client_id: str, client_secret: str) -> str:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = (client_id, client_secret, token)
        return refresh

    def expire(self, token: str) -> None:
        self.members.pop(token, None)

    def posts_of(self, author: str) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if p["author"] == author]


def _error(status: int, message: str, code: str = "", service: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "serviceErrorCode": service or status, "message": message}
    if code:
        body["code"] = code
    return body


class _Handler(FakeAPIHandler):
    fake: LinkedInFake
    record_query = True  # tests read the finder and action parameters LinkedIn was sent

    def _member(self) -> Member | None:
        return self.fake.members.get(self.bearer_token())

    def route(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        if path == "/oauth/v2/accessToken" and method == "POST":
            return self._token(raw)
        member = self._member()
        if member is None:
            return self.send_json(401, UNAUTHORIZED)
        with self.fake.lock:
            if path == "/v2/userinfo" and method == "GET":
                first, _, last = member.name.partition(" ")
                return self.send_json(
                    200,
                    {
                        "sub": member.sub,
                        "name": member.name,
                        "given_name": first,
                        "family_name": last,
                        "picture": f"https://media.licdn.com/dms/image/{member.sub}",
                    },
                )
            if path == "/rest/organizationAcls" and method == "GET":
                elements = [
                    {
                        "roleAssignee": f"urn:li:person:{member.sub}",
                        "role": role,
                        "state": "APPROVED",
                        "organization": urn,
                    }
                    for urn, role in member.roles.items()
                ]
                return self.send_json(200, {"elements": elements, "paging": {"count": 10, "start": 0, "links": []}})
            if path.startswith("/rest/organizations/") and method == "GET":
                org = self.fake.organizations.get(f"urn:li:organization:{path.rsplit('/', 1)[1]}")
                if org is None:
                    return self.send_json(404, _error(404, "Not found"))
                return self.send_json(200, org)
            if path == "/rest/posts" and method == "POST":
                return self._create(member, json.loads(raw or b"{}"))
            if path == "/rest/posts" and method == "GET":
                return self._by_author(member, query)
            if path.startswith("/rest/posts/") and method == "DELETE":
                return self._delete(member, unquote(path[len("/rest/posts/") :]))
            if path == "/rest/images" and query.get("action") == "initializeUpload" and method == "POST":
                image = f"urn:li:image:D4E10AQ{self.fake.next_id()[-10:]}"
                self.fake.images[image] = None
                value = {
                    "uploadUrlExpiresAt": int(time.time() * 1000) + 3_600_000,
                    "uploadUrl": f"{self.fake.url}/dms-uploads/{image}",
                    "image": image,
                }
                return self.send_json(200, {"value": value})
            if path.startswith("/dms-uploads/") and method == "PUT":
                image = unquote(path[len("/dms-uploads/") :])
                if image not in self.fake.images:
                    return self.send_json(404, _error(404, "Unknown upload"))
                self.fake.images[image] = raw
                return self.send_json(201, None)
            if path == "/rest/organizationalEntityShareStatistics" and method == "GET":
                return self._share_stats(member, query)
            if path.startswith("/v2/networkSizes/") and method == "GET":
                urn = unquote(path[len("/v2/networkSizes/") :])
                if urn not in member.roles:
                    return self._forbidden("organizationalEntityFollowerStatistics.GET")
                return self.send_json(200, {"firstDegreeSize": self.fake.followers.get(urn, 0)})
        return self.send_json(404, _error(404, f"No route {path}"))

    def _forbidden(self, what: str) -> None:
        self.send_json(403, _error(403, f"Not enough permissions to access: {what}", "ACCESS_DENIED", 100))

    def _may_post(self, member: Member, author: str) -> bool:
        return author == f"urn:li:person:{member.sub}" or member.roles.get(author) in {
            "ADMINISTRATOR",
            "DIRECT_SPONSORED_CONTENT_POSTER",
            "CONTENT_ADMINISTRATOR",
        }

    def _create(self, member: Member, body: dict[str, Any]) -> None:
        for name in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
            if name not in body:
                return self.send_json(
                    422, _error(422, f"/{name} :: field is required but not found and has no default value")
                )
        author = str(body["author"])
        if not self._may_post(member, author):
            return self._forbidden("partnerApiPostsExternal.CREATE")
        media = (body.get("content") or {}).get("media") if isinstance(body.get("content"), dict) else None
        if media is not None and self.fake.images.get(str(media.get("id"))) is None:
            return self.send_json(400, _error(400, f"Image {media.get('id')} has not been uploaded"))
        urn = f"urn:li:share:{self.fake.next_id()}"
        now = int(time.time() * 1000)
        self.fake.posts[urn] = {
            **body,
            "commentary": shown_text(str(body["commentary"])),
            "id": urn,
            "createdAt": now,
            "publishedAt": now,
            "lastModifiedAt": now,
        }
        self.fake.stats[urn] = {
            "uniqueImpressionsCount": 0,
            "shareCount": 0,
            "engagement": 0,
            "clickCount": 0,
            "likeCount": 0,
            "impressionCount": 0,
            "commentCount": 0,
        }
        self.send_json(201, None, {"x-restli-id": urn, "x-linkedin-id": urn})

    def _by_author(self, member: Member, query: dict[str, str]) -> None:
        author = query.get("author", "")
        if query.get("q") != "author" or not author:
            return self.send_json(400, _error(400, "q=author and author are required"))
        own = author == f"urn:li:person:{member.sub}"
        if not self._may_post(member, author) or (own and not member.partner):
            return self._forbidden("partnerApiPostsExternal.FINDER-author")
        start, count = int(query.get("start", 0)), int(query.get("count", 10))
        posts = sorted(self.fake.posts_of(author), key=lambda p: (p["lastModifiedAt"], p["id"]), reverse=True)
        page = posts[start : start + count]
        self.send_json(200, {"elements": page, "paging": {"start": start, "count": count, "links": []}})

    def _delete(self, member: Member, urn: str) -> None:
        post = self.fake.posts.get(urn)
        if post is None:
            return self.send_json(404, _error(404, f"Post {urn} not found"))
        if not self._may_post(member, str(post["author"])):
            return self._forbidden("partnerApiPostsExternal.DELETE")
        del self.fake.posts[urn]
        self.send_json(204, None)

    def _share_stats(self, member: Member, query: dict[str, str]) -> None:
        org = query.get("organizationalEntity", "")
        if query.get("q") != "organizationalEntity" or member.roles.get(org) != STATISTICS_ROLE:
            return self._forbidden("organizationalEntityShareStatistics.FINDER-organizationalEntity")
        elements = []
        for key, kind in (("shares", "share"), ("ugcPosts", "ugcPost")):
            raw = query.get(key, "")
            if not (raw.startswith("List(") and raw.endswith(")")):
                continue
            for urn in raw[5:-1].split(","):
                post = self.fake.posts.get(urn)
                if post is None or post["author"] != org:
                    continue
                elements.append(
                    {"totalShareStatistics": dict(self.fake.stats[urn]), kind: urn, "organizationalEntity": org}
                )
        self.send_json(200, {"elements": elements, "paging": {"count": 10, "start": 0, "links": []}})

    def _token(self, raw: bytes) -> None:
        form = last_values(raw.decode())
        if form.get("grant_type") != "refresh_token":
            return self.send_json(400, {"error": "unsupported_grant_type", "error_description": "grant_type"})
        known = self.fake.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if known is None or (form.get("client_id"), form.get("client_secret")) != known[:2]:
            return self.send_json(
                400, {"error": "invalid_request", "error_description": "The provided refresh token is invalid"}
            )
        member = self.fake.members.pop(known[2], None)
        if member is None:
            return self.send_json(400, {"error": "invalid_request", "error_description": "revoked"})
        token = secrets.token_urlsafe(24)
        self.fake.members[token] = member
        refresh = self.fake.grant_refresh(token, known[0], known[1])
        self.send_json(
            200,
            {
                "access_token": token,
                "expires_in": 5183999,
                "refresh_token": refresh,
                "refresh_token_expires_in": 31536000,
            },
        )

    def do_PUT(self) -> None:  # the image upload
        self.answer("PUT")


def running_linkedin_fake() -> AbstractContextManager[LinkedInFake]:
    """Start the fake on a free loopback port; stop it on exit."""
    return serve_fake(LinkedInFake(), _Handler, "linkedin-fake")
