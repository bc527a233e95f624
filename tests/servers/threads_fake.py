"""A small stateful fake of the Threads API endpoints the Threads provider uses, on 127.0.0.1.

There is no Threads server to install, so this answers the documented requests with the documented
shapes (each route names its page) and keeps state, so the shared provider contract suite runs
against the provider over real HTTP:

- ``GET /v1.0/me`` — https://developers.facebook.com/docs/threads/threads-profiles
- ``POST /v1.0/{user}/threads`` (``{"id"}``), ``POST /v1.0/{user}/threads_publish?creation_id=``
  (``{"id"}``) — https://developers.facebook.com/docs/threads/posts
- ``GET /v1.0/{container}?fields=status,error_message`` — https://developers.facebook.com/docs/threads/troubleshooting
- ``GET /v1.0/{user}/threads_publishing_limit`` — https://developers.facebook.com/docs/threads/overview/
- ``GET /v1.0/{user}/threads`` (``data`` + ``paging.cursors``) —
  https://developers.facebook.com/docs/threads/retrieve-and-discover-posts/retrieve-posts
- ``GET /v1.0/{media}/replies`` — https://developers.facebook.com/docs/threads/retrieve-and-manage-replies
- ``GET /v1.0/{media}/insights`` — https://developers.facebook.com/docs/threads/insights
- ``DELETE /v1.0/{media}`` (``{"success": true, "deleted_id"}``) —
  https://developers.facebook.com/docs/threads/posts/delete-posts
- ``GET /access_token?grant_type=th_exchange_token``, ``GET /refresh_access_token?grant_type=th_refresh_token``
  — https://developers.facebook.com/docs/threads/get-started/long-lived-tokens/
- errors: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` —
  https://developers.facebook.com/docs/graph-api/guides/error-handling

NOT from the stored reference: ``GET /v1.0/{user}/threads_insights?metric=followers_count``. The
request is documented (https://developers.facebook.com/docs/threads/insights, user insights), but the
stored copy of the page holds no example response; this fake answers with ``total_value`` as the
Graph API does for other total metrics. It is an assumption, and docs/networks/threads.md says so.

Where it is simpler than Threads: text containers are FINISHED after one status read, the access
token may come as ``Authorization: Bearer`` or the ``access_token`` parameter, and a token never
expires by itself (``expire(token)`` does it).
"""

from __future__ import annotations

import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from tests.servers.fake_http import Account, AccountsFake, FakeAPIHandler, last_values, serve_fake
from tests.servers.graph_fake import INVALID_TOKEN, cursor_page, graph_error


@dataclass
class ThreadsFake(AccountsFake[Account]):
    """The fake's state. ``url`` is set once the server listens."""

    FIRST_ID: ClassVar[int] = 17889615691921648

    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_secret: str = "fake-threads-app-secret"
    quota_total: int = 250

    # --- set-up helpers for tests ----------------------------------------------------------

    def new_account(self, uid: str, username: str) -> Account:
        return Account(uid, username, username.title())

    def posts_of(self, user_id: str) -> list[dict[str, Any]]:
        """Every live post of the account, replies included."""
        return [m for m in self.media.values() if m["owner"] == user_id]

    def published_today(self, user_id: str, *, replies: bool) -> int:
        return sum(1 for m in self.posts_of(user_id) if bool(m["reply_to"]) == replies)


class _Handler(FakeAPIHandler):
    fake: ThreadsFake

    def route(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        form = last_values(raw.decode()) if raw else {}
        token = self.bearer_token(query)
        with self.fake.lock:
            user = self.fake.users.get(token)
            if path in ("/access_token", "/refresh_access_token") and method == "GET":
                return self._tokens(path, query, user, token)
            if user is None:
                return self.send_json(400, INVALID_TOKEN)
            segments = path.strip("/").split("/")
            if len(segments) < 2 or segments[0] != "v1.0":
                return self.send_json(404, graph_error(100, "Unsupported request", "GraphMethodException"))
            node, edge = segments[1], (segments[2] if len(segments) > 2 else "")
            if node == "me" and not edge and method == "GET":
                return self.send_json(200, self._me(user))
            if node == user.id and method == "POST" and edge == "threads":
                return self._create(user, form)
            if node == user.id and method == "POST" and edge == "threads_publish":
                return self._publish(user, query.get("creation_id", ""))
            if node == user.id and method == "GET" and edge == "threads_publishing_limit":
                return self._limit(user)
            if node == user.id and method == "GET" and edge == "threads":
                return self._list(user, query)
            if node == user.id and method == "GET" and edge == "threads_insights":
                return self._user_insights(user)
            if method == "GET" and not edge and node in self.fake.containers:
                return self._status(node)
            if node in self.fake.media and self.fake.media[node]["owner"] == user.id:
                if method == "DELETE" and not edge:
                    del self.fake.media[node]
                    return self.send_json(200, {"success": True, "deleted_id": node})
                if method == "GET" and not edge:
                    return self.send_json(200, self._item(self.fake.media[node], query.get("fields", "id")))
                if method == "GET" and edge == "insights":
                    return self._insights(node, query.get("metric", ""))
            if node in self.fake.media and method == "GET" and edge == "replies":
                return self._replies(node, query)
        return self.send_json(
            400,
            graph_error(
                100,
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation",
                "THApiException",
            ),
        )

    # --- endpoints ---------------------------------------------------------------------------

    def _tokens(self, route: str, query: dict[str, str], user: Account | None, token: str) -> None:
        if user is None:
            return self.send_json(400, INVALID_TOKEN)
        if route == "/access_token":
            if query.get("grant_type") != "th_exchange_token" or query.get("client_secret") != self.fake.client_secret:
                return self.send_json(400, graph_error(101, "Error validating client secret."))
        elif query.get("grant_type") != "th_refresh_token":
            return self.send_json(400, graph_error(100, "Unsupported grant_type", "OAuthException"))
        fresh = secrets.token_urlsafe(24)
        self.fake.users[fresh] = self.fake.users.pop(token)
        self.send_json(200, {"access_token": fresh, "token_type": "bearer", "expires_in": 5183944})

    def _me(self, user: Account) -> dict[str, Any]:
        return {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "threads_profile_picture_url": "https://scontent-sjc3-1.cdninstagram.com/link/to/profile/picture/on/threads/",
        }

    def _create(self, user: Account, form: dict[str, str]) -> None:
        if form.get("media_type") != "TEXT" or not form.get("text"):
            return self.send_json(400, graph_error(100, "The parameter text is required.", "THApiException"))
        if len(form["text"]) > 500:
            return self.send_json(
                400, graph_error(100, "Param text must be at most 500 characters long.", "THApiException")
            )
        reply_to = form.get("reply_to_id", "")
        if reply_to and reply_to not in self.fake.media:
            return self.send_json(400, graph_error(100, "Invalid parameter", "THApiException"))
        cid = self.fake.next_id()
        self.fake.containers[cid] = {
            "owner": user.id,
            "text": form["text"],
            "reply_to": reply_to,
            "status": "IN_PROGRESS",
        }
        self.send_json(200, {"id": cid})

    def _status(self, cid: str) -> None:
        container = self.fake.containers[cid]
        body = {"status": container["status"], "id": cid}
        if container["status"] == "IN_PROGRESS":  # ready at the next read
            container["status"] = "FINISHED"
        self.send_json(200, body)

    def _limit(self, user: Account) -> None:
        self.send_json(
            200,
            {
                "data": [
                    {
                        "quota_usage": self.fake.published_today(user.id, replies=False),
                        "config": {"quota_total": self.fake.quota_total, "quota_duration": 86400},
                        "reply_quota_usage": self.fake.published_today(user.id, replies=True),
                        "reply_config": {"quota_total": 1000, "quota_duration": 86400},
                    }
                ]
            },
        )

    def _publish(self, user: Account, cid: str) -> None:
        container = self.fake.containers.get(cid)
        if container is None or container["owner"] != user.id or container["status"] == "PUBLISHED":
            return self.send_json(400, graph_error(100, "Invalid parameter", "THApiException"))
        if not container["reply_to"] and self.fake.published_today(user.id, replies=False) >= self.fake.quota_total:
            return self.send_json(400, graph_error(4, "Application request limit reached"))
        mid = self.fake.next_id()
        container["status"] = "PUBLISHED"
        self.fake.media[mid] = {
            "id": mid,
            "owner": user.id,
            "username": user.username,
            "text": container["text"],
            "reply_to": container["reply_to"],
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink": f"https://www.threads.net/@{user.username}/post/{mid[-8:]}",
            "media_type": "TEXT_POST",
            "media_product_type": "THREADS",
            "likes": 0,
        }
        self.send_json(200, {"id": mid})

    def _item(self, media: dict[str, Any], fields: str) -> dict[str, Any]:
        wanted = {f.strip() for f in fields.split(",") if f.strip()} | {"id"}
        return {k: media[k] for k in wanted if k in media}

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> None:
        fields = query.get("fields", "id")
        shown = [self._item(m, fields) for m in items]
        self.send_json(200, cursor_page(shown, query, f"{self.fake.url}/next"))

    def _list(self, user: Account, query: dict[str, str]) -> None:
        since = int(query.get("since") or 0)
        items = [
            m
            for m in reversed(list(self.fake.media.values()))
            if m["owner"] == user.id
            and not m["reply_to"]
            and datetime.strptime(m["timestamp"], "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since
        ]
        self._page(items, query)

    def _replies(self, node: str, query: dict[str, str]) -> None:
        items = [m for m in self.fake.media.values() if m["reply_to"] == node]
        self._page(items, query)

    def _insights(self, node: str, metrics: str) -> None:
        media = self.fake.media[node]
        counts = {
            "views": 0,
            "likes": media["likes"],
            "replies": sum(1 for m in self.fake.media.values() if m["reply_to"] == node),
            "reposts": 0,
            "quotes": 0,
            "shares": 0,
        }
        data = [
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": counts[name]}],
                "title": name.title(),
                "description": f"The number of {name} on your post.",
                "id": f"{node}/insights/{name}/lifetime",
            }
            for name in metrics.split(",")
            if name in counts
        ]
        self.send_json(200, {"data": data})

    def _user_insights(self, user: Account) -> None:  # shape ASSUMED: see the module docstring
        self.send_json(
            200,
            {
                "data": [
                    {
                        "name": "followers_count",
                        "period": "day",
                        "title": "followers_count",
                        "total_value": {"value": user.followers},
                        "id": f"{user.id}/insights/followers_count/day",
                    }
                ]
            },
        )


def running_threads_fake() -> AbstractContextManager[ThreadsFake]:
    """Start the fake on a free loopback port; stop it on exit."""
    return serve_fake(ThreadsFake(), _Handler, "threads-fake")
