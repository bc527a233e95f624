"""A minimal Mastodon-shaped server on 127.0.0.1 that answers every new status after a fixed delay.

For the publisher fan-out benchmark (test_bench_publish_fanout.py): mastodon-mock spends
100–200 ms of its own CPU on each new status on this machine, which would measure the mock, not
the publisher. This one does only what publishing to Mastodon needs, with the documented shapes
(docs.joinmastodon.org/methods/statuses/#create, /methods/accounts/#verify_credentials,
/methods/instance/#v2):

- ``GET /api/v1/accounts/verify_credentials`` and ``GET /api/v2/instance`` (connecting),
- ``POST /api/v1/statuses``, held ``delay`` seconds before it answers, with Mastodon's
  ``Idempotency-Key`` rule: the same key from the same token gets the status it made before.

It runs in its own process, as a network would (its threads never compete with the publisher's
for the interpreter lock), each request on its own thread, so requests overlap as they do on a
real server. Two test-only endpoints: ``POST /_bench/accounts`` makes an account and returns its
token; ``GET /_bench/statuses`` (with that token) gives the texts it posted, oldest first, and the
most new-status requests it had in flight at once.
"""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

STARTUP_TIMEOUT = 30.0


class FanoutServer:
    """The server in a subprocess, for a test: ``with FanoutServer(delay=0.2) as server: ...``."""

    def __init__(self, *, delay: float) -> None:
        self.delay = delay
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._client: httpx.Client | None = None

    def __enter__(self) -> FanoutServer:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--delay", str(self.delay)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # "listening on PORT", once the socket is bound
        if not line.startswith("listening on "):
            self.__exit__()
            raise RuntimeError(f"the fan-out server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[-1])}"
        self._client = httpx.Client(base_url=self.url, timeout=STARTUP_TIMEOUT)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def create_account(self) -> str:
        """A new account; returns its access token."""
        assert self._client is not None
        response = self._client.post("/_bench/accounts")
        response.raise_for_status()
        return str(response.json()["access_token"])

    def statuses(self, token: str) -> tuple[list[str], int]:
        """The texts the account behind ``token`` has posted, oldest first, and the most
        ``POST /api/v1/statuses`` requests it had in flight at once."""
        assert self._client is not None
        response = self._client.get("/_bench/statuses", headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        data = response.json()
        return [str(text) for text in data["texts"]], int(data["most_at_once"])


# --- the server process ------------------------------------------------------------------------------


@dataclass
class _Account:
    id: str
    username: str
    statuses: list[tuple[str, str]] = field(default_factory=list)  # (id, text), oldest first
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_flight: int = 0
    most_at_once: int = 0


class _Service:
    def __init__(self, delay: float, url: str) -> None:
        self.delay = delay
        self.url = url
        self.accounts: dict[str, _Account] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(110_000_000_000_000_001)

    def create_account(self) -> str:
        token = secrets.token_urlsafe(16)
        with self.lock:
            number = len(self.accounts) + 1
            self.accounts[token] = _Account(id=str(number), username=f"fan{number}")
        return token

    def account_for(self, authorization: str) -> _Account | None:
        return self.accounts.get(authorization.removeprefix("Bearer ").strip())

    def account_json(self, account: _Account) -> dict[str, Any]:
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.username,
            "display_name": account.username.capitalize(),
            "avatar": "",
            "url": f"{self.url}/@{account.username}",
        }

    def instance_json(self) -> dict[str, Any]:
        return {
            "domain": self.url.removeprefix("http://"),
            "configuration": {
                "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23}
            },
        }

    def create_status(self, account: _Account, text: str, key: str) -> dict[str, Any]:
        with self.lock:
            if key and key in account.by_key:
                return account.by_key[key]
            status_id = str(next(self.ids))
            status = {
                "id": status_id,
                "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "url": f"{self.url}/@{account.username}/{status_id}",
                "uri": f"{self.url}/users/{account.username}/statuses/{status_id}",
                "content": f"<p>{escape(text)}</p>",
                "visibility": "public",
                "account": self.account_json(account),
            }
            account.statuses.append((status_id, text))
            if key:
                account.by_key[key] = status
            return status


def _handler(service: _Service) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)  # also sends Date, as Mastodon does
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _account(self) -> _Account | None:
            account = service.account_for(self.headers.get("Authorization", ""))
            if account is None:
                self._reply(401, {"error": "The access token is invalid"})
            return account

        def do_GET(self) -> None:
            if self.path == "/api/v2/instance":
                self._reply(200, service.instance_json())
            elif self.path in ("/api/v1/accounts/verify_credentials", "/_bench/statuses"):
                account = self._account()
                if account is None:
                    return
                if self.path == "/_bench/statuses":
                    with service.lock:
                        texts = [text for _id, text in account.statuses]
                        self._reply(200, {"texts": texts, "most_at_once": account.most_at_once})
                else:
                    self._reply(200, service.account_json(account))
            else:
                self._reply(404, {"error": "Record not found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.path == "/_bench/accounts":
                self._reply(200, {"access_token": service.create_account()})
                return
            if self.path != "/api/v1/statuses":
                self._reply(404, {"error": "Record not found"})
                return
            account = self._account()
            if account is None:
                return
            text = parse_qs(body).get("status", [""])[0]
            if not text:
                self._reply(422, {"error": "Validation failed: Text can't be blank"})
                return
            with service.lock:
                account.in_flight += 1
                account.most_at_once = max(account.most_at_once, account.in_flight)
            try:
                time.sleep(service.delay)  # the network's answer takes this long
                status = service.create_status(account, text, self.headers.get("Idempotency-Key", ""))
            finally:
                with service.lock:
                    account.in_flight -= 1
            self._reply(200, status)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # every account's connection at once, and then some


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, required=True, help="seconds before a new status is answered")
    args = parser.parse_args()
    service = _Service(args.delay, "")
    httpd = _Server(("127.0.0.1", 0), _handler(service))
    port = httpd.server_address[1]
    service.url = f"http://127.0.0.1:{port}"
    print(f"listening on {port}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
