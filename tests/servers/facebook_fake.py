"""A small stateful fake of the Graph API endpoints the Facebook Pages provider uses, on 127.0.0.1.

There is no Graph API server to install, so this answers the documented requests with the documented
shapes (each route names its page) and keeps state, so the shared provider contract suite runs against
the provider over real HTTP:

- ``GET /v25.0/me/accounts`` (``data`` of Pages with ``access_token``, ``paging.cursors``) —
  https://developers.facebook.com/documentation/business-sdk/common-scenarios/token-switch,
  https://developers.facebook.com/docs/graph-api/results (cursor paging)
- ``POST /v25.0/{page-id}/feed`` (``message``, ``link``, ``attached_media[i]``) → ``{"id": "{page}_{post}"}``
  — https://developers.facebook.com/docs/pages/publishing, https://developers.facebook.com/docs/pages-api/posts
- ``POST /v25.0/{page-id}/photos`` (multipart ``source``, ``caption``, ``published``) → ``{"id", "post_id"}``
  (``{"id"}`` when unpublished) — https://developers.facebook.com/docs/graph-api/photo-uploads and the
  Return Type in https://developers.facebook.com/docs/graph-api/reference/photo/ (Creating)
- ``GET /v25.0/{page-id}/posts`` — https://developers.facebook.com/docs/graph-api/reference/page/feed
- ``GET /v25.0/{post-id}`` and ``GET /v25.0?ids=…`` (keyed by id: "Multiple ID Read Requests",
  https://developers.facebook.com/docs/graph-api/using-graph-api) with the post fields ``permalink_url``,
  ``reactions`` (``summary.total_count`` — https://developers.facebook.com/docs/graph-api/reference/object/reactions),
  ``comments`` (``summary.order``, ``summary.total_count`` — https://developers.facebook.com/docs/graph-api/reference/object/comments)
  and ``shares`` (``{"count"}`` — https://developers.facebook.com/docs/graph-api/reference/post/)
- ``GET /v25.0/{page-id}?fields=followers_count,fan_count`` (the fields asked for, with ``id``) —
  https://developers.facebook.com/docs/graph-api/reference/page/
- ``DELETE /v25.0/{post-id}`` → ``{"success": true}`` — https://developers.facebook.com/docs/pages/publishing
- errors: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` —
  https://developers.facebook.com/docs/graph-api/guides/error-handling

Where it is simpler than Graph: a token never expires by itself (``expire(token)`` does it), ``since`` is
compared with whole seconds, a ``?ids=`` batch that names a missing post fails whole (code 100), and
the reaction, comment and share counts are whatever a test sets.
"""

from __future__ import annotations

import json
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from tests.servers.fake_http import FakeAPIHandler, FakeState, serve_fake
from tests.servers.graph_fake import INVALID_TOKEN, cursor_page, graph_error

VERSION = "v25.0"


@dataclass
class Page:
    id: str
    name: str
    username: str
    token: str
    followers: int = 0


@dataclass
class FacebookFake(FakeState):
    """The fake's state. ``url`` is set once the server listens."""

    FIRST_ID: ClassVar[int] = 546349135390552

    users: dict[str, list[str]] = field(default_factory=dict)  # user token -> page ids
    pages: dict[str, Page] = field(default_factory=dict)  # by page id
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by post id
    photos: dict[str, dict[str, Any]] = field(default_factory=dict)  # by photo id
    #: Sent as X-Business-Use-Case-Usage on every reply when set (its shape:
    #: https://developers.facebook.com/docs/graph-api/overview/rate-limiting/).
    usage_header: str = ""

    # --- set-up helpers for tests ----------------------------------------------------------

    def create_user(self, pages: int = 1, *, names: list[str] | None = None) -> str:
        """A user managing ``pages`` fresh Pages; returns the user access token."""
        token = "EAAB" + secrets.token_urlsafe(24)
        ids = []
        for i in range(pages):
            pid = self.next_id()
            name = names[i] if names and i < len(names) else f"Page {pid[-6:]}"
            self.pages[pid] = Page(pid, name, name.lower().replace(" ", ""), "EAAP" + secrets.token_urlsafe(24))
            ids.append(pid)
        self.users[token] = ids
        return token

    def expire(self, token: str) -> None:
        self.users.pop(token, None)
        for page in self.pages.values():
            if page.token == token:
                page.token = "expired-" + secrets.token_hex(8)

    def posts_of(self, page_id: str) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if p["page"] == page_id]


class _Handler(FakeAPIHandler):
    fake: FacebookFake

    def extra_headers(self) -> dict[str, str]:
        return {"x-business-use-case-usage": self.fake.usage_header} if self.fake.usage_header else {}

    def route(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        token = self.bearer_token(query)
        segments = path.strip("/").split("/")
        if not segments or segments[0] != VERSION:
            return self.send_json(404, graph_error(100, "Unsupported request", "GraphMethodException"))
        node = segments[1] if len(segments) > 1 else ""
        edge = segments[2] if len(segments) > 2 else ""
        with self.fake.lock:
            if node == "me" and edge == "accounts" and method == "GET":
                if token not in self.fake.users:
                    return self.send_json(400, INVALID_TOKEN)
                return self._accounts(self.fake.users[token], query)
            page = next((p for p in self.fake.pages.values() if p.token == token), None)
            if page is None:
                return self.send_json(400, INVALID_TOKEN)
            if not node and method == "GET" and "ids" in query:
                return self._batch(page, query)
            if node == page.id:
                if method == "POST" and edge == "feed":
                    return self._feed(page, self.form(raw)[0])
                if method == "POST" and edge == "photos":
                    return self._photo(page, *self.form(raw))
                if method == "GET" and edge == "posts":
                    return self._list(page, query)
                if method == "GET" and not edge:
                    counts = {"followers_count": page.followers, "fan_count": page.followers}
                    wanted = query.get("fields", "").split(",")
                    return self.send_json(200, {**{k: v for k, v in counts.items() if k in wanted}, "id": page.id})
            post = self.fake.posts.get(node)
            if post is not None and post["page"] == page.id and not edge:
                if method == "DELETE":
                    del self.fake.posts[node]
                    return self.send_json(200, {"success": True})
                if method == "GET":
                    return self.send_json(200, self._item(post, query.get("fields", "id")))
        return self.send_json(
            400,
            graph_error(
                100,
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                "GraphMethodException",
                33,
            ),
        )

    # --- endpoints ---------------------------------------------------------------------------

    def _accounts(self, page_ids: list[str], query: dict[str, str]) -> None:
        items = [
            {
                "access_token": p.token,
                "category": "Blogger",
                "category_list": [{"id": "361282040719868", "name": "Blogger"}],
                "name": p.name,
                "username": p.username,
                "id": p.id,
                "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
            }
            for p in (self.fake.pages[i] for i in page_ids)
        ]
        self.send_json(200, cursor_page(items, query, f"{self.fake.url}/{VERSION}/me/accounts"))

    def _new_post(self, page: Page, message: str, photos: list[str]) -> str:
        pid = f"{page.id}_{self.fake.next_id()}"
        self.fake.posts[pid] = {
            "id": pid,
            "page": page.id,
            "message": message,
            "photos": photos,
            "created_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{page.username}/posts/{pid.split('_')[1]}",
            "reactions": 0,
            "comments": 0,
            "shares": 0,
        }
        return pid

    def _feed(self, page: Page, form: dict[str, str]) -> None:
        attached = []
        for key in sorted(k for k in form if k.startswith("attached_media[")):
            fbid = json.loads(form[key]).get("media_fbid", "")
            photo = self.fake.photos.get(fbid)
            if photo is None or photo["page"] != page.id or photo["published"]:
                return self.send_json(400, graph_error(100, "Invalid parameter", "OAuthException"))
            attached.append(fbid)
        if not form.get("message") and not form.get("link") and not attached:
            return self.send_json(400, graph_error(100, "(#100) Missing message or attachment", "OAuthException"))
        pid = self._new_post(page, form.get("message", ""), attached)
        if form.get("link"):
            self.fake.posts[pid]["link"] = form["link"]
        self.send_json(200, {"id": pid})

    def _photo(self, page: Page, form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> None:
        if "source" not in files or not files["source"][1]:
            return self.send_json(400, graph_error(324, "(#324) Requires upload file", "OAuthException"))
        photo_id = self.fake.next_id()
        published = form.get("published", "true") != "false"
        self.fake.photos[photo_id] = {
            "page": page.id,
            "name": files["source"][0],
            "bytes": files["source"][1],
            "published": published,
        }
        if not published:
            return self.send_json(200, {"id": photo_id})
        pid = self._new_post(page, form.get("caption", ""), [photo_id])
        self.send_json(200, {"id": photo_id, "post_id": pid})

    def _item(self, post: dict[str, Any], fields: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": post["id"]}
        for name in (f.strip() for f in fields.split(",")):
            key = name.split(".")[0]
            if key == "reactions":
                out[key] = {"data": [], "summary": {"total_count": post[key]}}
            elif key == "comments":
                out[key] = {"data": [], "summary": {"order": "chronological", "total_count": post[key]}}
            elif key == "shares":
                if post["shares"]:  # Graph leaves shares out until the post is shared
                    out["shares"] = {"count": post["shares"]}
            elif key in ("message", "created_time", "permalink_url") and post.get(key):
                out[key] = post[key]
        return out

    def _list(self, page: Page, query: dict[str, str]) -> None:
        since = int(query.get("since") or 0)
        items = [
            self._item(p, query.get("fields", "id"))
            for p in reversed(self.fake.posts_of(page.id))
            if datetime.strptime(p["created_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since
        ]
        self.send_json(200, cursor_page(items, query, f"{self.fake.url}/{VERSION}/{page.id}/posts"))

    def _batch(self, page: Page, query: dict[str, str]) -> None:
        ids = [i for i in query["ids"].split(",") if i]
        missing = [i for i in ids if i not in self.fake.posts or self.fake.posts[i]["page"] != page.id]
        if missing:
            return self.send_json(
                400, graph_error(100, f"(#100) Some of the aliases you requested do not exist: {missing[0]}")
            )
        self.send_json(200, {i: self._item(self.fake.posts[i], query.get("fields", "id")) for i in ids})


def running_facebook_fake() -> AbstractContextManager[FacebookFake]:
    """Start the fake on a free loopback port; stop it on exit."""
    return serve_fake(FacebookFake(), _Handler, "facebook-fake")
