"""A small stateful fake of the X API v2 endpoints the X provider uses, on 127.0.0.1.

There is no X server to install, so this answers the documented requests with the documented
shapes (each route names its page below) and keeps state, so the shared provider contract suite
runs against the provider over real HTTP:

- ``GET /2/users/me`` — https://docs.x.com/x-api/users/lookup (``data`` with ``public_metrics``)
- ``POST /2/tweets`` (201 ``{"data": {"id", "text"}}``), ``DELETE /2/tweets/:id``
  (``{"data": {"deleted": true}}``) — https://docs.x.com/x-api/posts/creation-of-a-post,
  https://developer.x.com/en/docs/x-api/tweets/manage-tweets/api-reference/delete-tweets-id
- ``GET /2/tweets?ids=…`` with partial ``errors`` for unknown ids —
  https://docs.x.com/x-api/fundamentals/response-codes-and-errors, metrics as in
  https://docs.x.com/x-api/fundamentals/metrics
- ``GET /2/users/:id/tweets`` (``data``, ``meta.next_token``) — https://docs.x.com/x-api/posts/timelines
- media: ``POST /2/media/upload``, ``/2/media/upload/initialize``, ``/{id}/append``,
  ``/{id}/finalize``, ``GET /2/media/upload?command=STATUS``, ``POST /2/media/metadata`` —
  https://docs.x.com/x-api/media/quickstart/media-upload-chunked
- ``GET /i/oauth2/authorize`` (the consent page: the fake consents at once for ``signed_in``,
  after checking the client, the exact callback URI, ``code_challenge_method=S256`` and the
  scopes) and ``POST /2/oauth2/token`` (authorization code with PKCE, the refresh rotating the
  refresh token; public clients send ``client_id`` in the body, confidential ones HTTP Basic) —
  https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token and
  https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
- every response carries ``x-rate-limit-limit/-remaining/-reset`` (epoch seconds) —
  https://docs.x.com/x-api/fundamentals/rate-limits

Where it is simpler than X: one rate window for everything, text length checked with
twitter-text, video "processing" takes two STATUS polls, and a token never expires by itself
(``expire(token)`` does it). Its refusals have the documented shapes (the problem JSON, RFC 6749
token errors); the ``detail`` of the fake's own edge cases (unknown media, a missing route, …) are
the fake's words, which no test relies on: X's documented words live in ``tests/fixtures/x/``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from twitter_text import parse_tweet

from tests.servers.fake_http import Account, AccountsFake, FakeAPIHandler, last_values, serve_fake

PROBLEMS = "https://api.x.com/2/problems"
#: Token endpoint refusals. X's docs print none, so the fake answers what the standard its token
#: endpoint implements defines (RFC 6749 section 5.2, https://datatracker.ietf.org/doc/html/rfc6749#section-5.2):
#: ``invalid_client`` (401) when client authentication fails, ``invalid_grant`` (400) for a code or
#: refresh token that is invalid, used, issued to another client or whose PKCE verifier does not
#: match (RFC 7636 section 4.6).
INVALID_CLIENT = {"error": "invalid_client"}
INVALID_GRANT = {"error": "invalid_grant"}
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
#: X refuses a text the account posted recently, and a text over its length, with a 403 (POST
#: statuses/update reference: "Any attempt that would result in duplication will be blocked,
#: resulting in a 403 error"). Its v2 words for either are printed in no reference, so the fake
#: answers the documented generic problem
#: (https://docs.x.com/x-api/fundamentals/response-codes-and-errors: about:blank, "Forbidden").
FORBIDDEN = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden"}


@dataclass
class User(Account):
    following: int = 0


@dataclass
class Media:
    id: str
    category: str
    total: int = 0
    received: int = 0
    polls: int = 0
    finalized: bool = False
    alt_text: str = ""


@dataclass
class XFake(AccountsFake[User]):
    """The fake's state. ``url`` is set once the server listens."""

    FIRST_ID: ClassVar[int] = 1880028106020515840

    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # refresh → (client_id, username)
    client_secrets: dict[str, str | None] = field(default_factory=dict)
    private_metrics: bool = True
    #: Developer apps: client id → (client secret or None, the one callback URI registered).
    apps: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    #: The access token of whoever is signed in to x.com in the "browser".
    signed_in: str = ""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Why authorize or token requests were refused, in order (a test expects none, or one).
    refusals: list[str] = field(default_factory=list)
    remaining: int = 900

    # --- set-up helpers for tests ----------------------------------------------------------

    def new_account(self, uid: str, username: str) -> User:
        return User(uid, username, username.title())

    def grant_refresh(self, token: str, client_id: str, client_secret: str | None = None) -> str:
        refresh = secrets.token_urlsafe(24)
        self.client_secrets[client_id] = client_secret
        self.refresh_tokens[refresh] = (client_id, token)
        return refresh

    def register_app(self, client_id: str, callback: str, client_secret: str | None = None) -> None:
        self.apps[client_id] = (client_secret, callback)
        self.client_secrets[client_id] = client_secret

    def posts_of(self, user_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tweets.values() if t["author_id"] == user_id]

    def like(self, tweet_id: str, n: int = 1) -> None:
        self.tweets[tweet_id]["public_metrics"]["like_count"] += n


def _problem(status: int, kind: str, title: str, detail: str) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": f"{PROBLEMS}/{kind}", "status": status}


class _Handler(FakeAPIHandler):
    fake: XFake

    def extra_headers(self) -> dict[str, str]:
        """One rate window for everything, spent by every answer."""
        with self.fake.lock:
            self.fake.remaining = max(0, self.fake.remaining - 1)
            remaining = self.fake.remaining
        return {
            "x-rate-limit-limit": "900",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(time.time()) + 900),
        }

    def _user(self) -> User | None:
        return self.fake.users.get(self.bearer_token())

    def _media_form(self, raw: bytes) -> dict[str, Any]:
        """Fields of a multipart/form-data body: text fields as str, files as bytes."""
        fields, files = self.form(raw)
        return {**fields, **{name: content for name, (_, content) in files.items()}}

    def route(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        if path == "/2/oauth2/token" and method == "POST":
            return self._token(raw)
        if path == "/i/oauth2/authorize" and method == "GET":
            return self._authorize(query)
        user = self._user()
        if user is None:
            return self.send_json(401, UNAUTHORIZED)
        with self.fake.lock:
            if path == "/2/users/me" and method == "GET":
                return self._me(user)
            if path == "/2/tweets" and method == "POST":
                return self._create(user, json.loads(raw or b"{}"))
            if path == "/2/tweets" and method == "GET":
                return self._lookup(query)
            if path.startswith("/2/tweets/") and method == "DELETE":
                return self._delete(user, path.rsplit("/", 1)[1])
            if path.startswith("/2/users/") and path.endswith("/tweets") and method == "GET":
                return self._timeline(path.split("/")[3], query)
            if path.startswith("/2/media"):
                return self._media(method, path, query, raw)
        return self.send_json(404, _problem(404, "resource-not-found", "Not Found Error", f"No route {path}"))

    # --- endpoints -------------------------------------------------------------------------

    def _me(self, user: User) -> None:
        posts = len(self.fake.posts_of(user.id))
        self.send_json(
            200,
            {
                "data": {
                    "id": user.id,
                    "name": user.name,
                    "username": user.username,
                    "public_metrics": {
                        "followers_count": user.followers,
                        "following_count": user.following,
                        "tweet_count": posts,
                        "listed_count": 0,
                    },
                }
            },
        )

    def _create(self, user: User, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not text and not media_ids:
            return self.send_json(
                400,
                _problem(
                    400, "invalid-request", "Invalid Request", "One or more parameters to your request was invalid."
                ),
            )
        if parse_tweet(text).weightedLength > 280:
            return self.send_json(403, FORBIDDEN)
        for t in self.fake.posts_of(user.id):
            if t["text"] == text and text:
                return self.send_json(403, FORBIDDEN)
        for mid in media_ids:
            m = self.fake.media.get(str(mid))
            if m is None or not m.finalized:
                return self.send_json(
                    400, _problem(400, "invalid-request", "Invalid Request", f"Your media IDs are invalid: {mid}.")
                )
        tweet_id = self.fake.next_id()
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "author_id": user.id,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            },
            "non_public_metrics": {"impression_count": 0, "url_link_clicks": 0, "user_profile_clicks": 0},
            "media_ids": [str(m) for m in media_ids],
        }
        reply = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply:
            parent = self.fake.tweets.get(str(reply))
            if parent is None:
                return self.send_json(
                    400, _problem(400, "invalid-request", "Invalid Request", "The replied-to post does not exist.")
                )
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": str(reply)}]
            parent["public_metrics"]["reply_count"] += 1
        self.fake.tweets[tweet_id] = tweet
        self.send_json(201, {"data": {"id": tweet_id, "text": text}})

    def _public(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        for name in ("created_at", "public_metrics", "non_public_metrics", "referenced_tweets"):
            if name in fields and name in tweet:
                out[name] = tweet[name]
        return out

    def _lookup(self, query: dict[str, str]) -> None:
        fields = set((query.get("tweet.fields") or "").split(","))
        if "non_public_metrics" in fields and not self.fake.private_metrics:
            return self.send_json(
                400,
                {
                    "errors": [
                        {
                            "parameters": {"tweet.fields": ["non_public_metrics"]},
                            "message": "The field non_public_metrics is not available to this client.",
                        }
                    ],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": f"{PROBLEMS}/invalid-request",
                },
            )
        data, errors = [], []
        for tid in (query.get("ids") or "").split(","):
            tweet = self.fake.tweets.get(tid)
            if tweet is None:
                errors.append(
                    {
                        "value": tid,
                        "detail": f"Could not find tweet with id: [{tid}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": tid,
                        "type": f"{PROBLEMS}/resource-not-found",
                    }
                )
            else:
                data.append(self._public(tweet, fields))
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        self.send_json(200, body)

    def _delete(self, user: User, tweet_id: str) -> None:
        tweet = self.fake.tweets.get(tweet_id)
        if tweet is None:
            return self.send_json(
                404,
                _problem(404, "resource-not-found", "Not Found Error", f"Could not find tweet with id: [{tweet_id}]."),
            )
        if tweet["author_id"] != user.id:
            return self.send_json(
                403, _problem(403, "not-authorized-for-resource", "Forbidden", "You may not delete this.")
            )
        del self.fake.tweets[tweet_id]
        self.send_json(200, {"data": {"deleted": True}})

    def _timeline(self, user_id: str, query: dict[str, str]) -> None:
        fields = set((query.get("tweet.fields") or "").split(","))
        posts = sorted(self.fake.posts_of(user_id), key=lambda t: int(t["id"]), reverse=True)
        if query.get("start_time"):
            start = datetime.fromisoformat(query["start_time"].replace("Z", "+00:00"))
            posts = [t for t in posts if datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) >= start]
        size = int(query.get("max_results") or 10)
        offset = int(query.get("pagination_token") or 0)
        page = posts[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0]["id"], page[-1]["id"]
        if offset + size < len(posts):
            meta["next_token"] = str(offset + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._public(t, fields) for t in page]
        self.send_json(200, body)

    def _media(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        fake = self.fake
        if path == "/2/media/upload" and method == "POST":
            form = self._media_form(raw)
            mid = fake.next_id()
            fake.media[mid] = Media(mid, str(form.get("media_category") or "tweet_image"), finalized=True)
            size = len(form.get("media") or b"")
            return self.send_json(
                200, {"data": {"id": mid, "media_key": f"3_{mid}", "size": size, "expires_after_secs": 86400}}
            )
        if path == "/2/media/upload/initialize" and method == "POST":
            body = json.loads(raw or b"{}")
            mid = fake.next_id()
            fake.media[mid] = Media(mid, str(body.get("media_category")), total=int(body.get("total_bytes") or 0))
            return self.send_json(200, {"data": {"id": mid, "media_key": f"13_{mid}", "expires_after_secs": 1295999}})
        if path == "/2/media/upload" and method == "GET" and query.get("command") == "STATUS":
            m = fake.media.get(query.get("media_id", ""))
            if m is None:
                return self.send_json(404, _problem(404, "resource-not-found", "Not Found Error", "Unknown media."))
            m.polls += 1
            state = "succeeded" if m.polls >= 2 else "in_progress"
            info: dict[str, Any] = {"state": state, "progress_percent": 100 if state == "succeeded" else 50}
            if state != "succeeded":
                info["check_after_secs"] = 1
            return self.send_json(200, {"data": {"id": m.id, "media_key": f"13_{m.id}", "processing_info": info}})
        if path == "/2/media/metadata" and method == "POST":
            body = json.loads(raw or b"{}")
            m = fake.media.get(str(body.get("id")))
            if m is None:
                return self.send_json(404, _problem(404, "resource-not-found", "Not Found Error", "Unknown media."))
            m.alt_text = str(((body.get("metadata") or {}).get("alt_text") or {}).get("text") or "")
            return self.send_json(200, {"data": {"id": m.id, "associated_metadata": body.get("metadata")}})
        parts = path.split("/")  # /2/media/upload/{id}/append|finalize
        if len(parts) == 6 and method == "POST":
            m = fake.media.get(parts[4])
            if m is None:
                return self.send_json(404, _problem(404, "resource-not-found", "Not Found Error", "Unknown media."))
            if parts[5] == "append":
                m.received += len(self._media_form(raw).get("media") or b"")
                return self.send_json(200, {"data": {"expires_at": int(time.time()) + 86400}})
            if parts[5] == "finalize":
                if m.received != m.total:
                    return self.send_json(
                        400,
                        _problem(400, "invalid-request", "Invalid Request", "File size does not match total_bytes."),
                    )
                m.finalized = True
                data: dict[str, Any] = {
                    "id": m.id,
                    "media_key": f"13_{m.id}",
                    "size": m.total,
                    "expires_after_secs": 86400,
                }
                if m.category == "tweet_video":
                    data["processing_info"] = {"state": "pending", "check_after_secs": 1}
                return self.send_json(200, {"data": data})
        self.send_json(404, _problem(404, "resource-not-found", "Not Found Error", f"No route {path}"))

    def _token(self, raw: bytes) -> None:
        form = last_values(raw.decode())
        client_id = form.get("client_id")
        auth = self.headers.get("authorization") or ""
        if auth.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if self.fake.client_secrets.get(cid) != secret:
                return self.send_json(401, INVALID_CLIENT)
            client_id = cid
        elif client_id and self.fake.client_secrets.get(client_id):
            self.fake.refusals.append("confidential client without HTTP Basic")
            return self.send_json(401, INVALID_CLIENT)
        if form.get("grant_type") == "authorization_code":
            return self._exchange(form, client_id)
        refresh = form.get("refresh_token", "")
        grant = self.fake.refresh_tokens.pop(refresh, None) if form.get("grant_type") == "refresh_token" else None
        if grant is None or grant[0] != client_id:
            return self.send_json(400, INVALID_GRANT)
        _, old_token = grant
        user = self.fake.users.pop(old_token, None)
        if user is None:
            return self.send_json(400, INVALID_GRANT)
        token = secrets.token_urlsafe(24)
        self.fake.users[token] = user
        new_refresh = secrets.token_urlsafe(24)
        self.fake.refresh_tokens[new_refresh] = (grant[0], token)
        self.send_json(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": token,
                "scope": "tweet.read tweet.write users.read media.write offline.access",
                "refresh_token": new_refresh,
            },
        )

    def _authorize(self, query: dict[str, str]) -> None:
        app = self.fake.apps.get(query.get("client_id", ""))
        problems = []
        if query.get("response_type") != "code":
            problems.append("response_type is not code")
        if app is None:
            problems.append("unknown client_id")
        elif query.get("redirect_uri") != app[1]:
            problems.append(f"redirect_uri {query.get('redirect_uri')} is not the registered {app[1]}")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problems.append("no S256 code challenge")
        if not {"tweet.read", "tweet.write", "users.read"} <= set(query.get("scope", "").split()):
            problems.append("scopes missing")
        if not query.get("state"):
            problems.append("no state")
        if problems or self.fake.signed_in not in self.fake.users:
            self.fake.refusals.extend(problems or ["nobody signed in"])
            return self.send_json(400, {"error": "invalid_request", "error_description": "; ".join(problems)})
        code = secrets.token_urlsafe(24)
        self.fake.codes[code] = {
            "client_id": query["client_id"],
            "redirect_uri": query["redirect_uri"],
            "challenge": query["code_challenge"],
            "token": self.fake.signed_in,
            "scope": query["scope"],
        }
        location = f"{query['redirect_uri']}?state={query['state']}&code={code}"
        self.send_response(302)
        self.send_header("location", location)
        self.send_header("content-length", "0")
        self.end_headers()

    def _exchange(self, form: dict[str, str], client_id: str | None) -> None:
        grant = self.fake.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        why = ""
        if grant is None:
            why = "unknown or used code"
        elif grant["client_id"] != client_id:
            why = "code issued to another client"
        elif grant["redirect_uri"] != form.get("redirect_uri"):
            why = "redirect_uri differs from the authorize request's"
        elif grant["challenge"] != challenge:
            why = "code_verifier does not match the code_challenge"
        if grant is None or why:
            self.fake.refusals.append(why)
            return self.send_json(400, INVALID_GRANT)
        user = self.fake.users[grant["token"]]
        token = secrets.token_urlsafe(24)
        self.fake.users[token] = user
        refresh = secrets.token_urlsafe(24)
        self.fake.refresh_tokens[refresh] = (grant["client_id"], token)
        self.send_json(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": token,
                "scope": grant["scope"],
                "refresh_token": refresh,
            },
        )


def running_x_fake() -> AbstractContextManager[XFake]:
    """Start the fake on a free loopback port; stop it on exit."""
    return serve_fake(XFake(), _Handler, "x-fake")
