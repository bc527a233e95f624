"""The plumbing the loopback fakes of network APIs share (facebook_fake, threads_fake, x_fake, …).

A fake is a state dataclass on :class:`FakeState` plus a request handler on :class:`FakeAPIHandler`
that implements ``route(method, path, query, raw)``; :func:`serve_fake` runs it on a free
127.0.0.1 port for the duration of a ``with`` and sets ``fake.url``. Every request is recorded in
``fake.requests`` as ``(method, path, headers, raw body)`` before it is routed, so a test can check
what the provider sent (the path without its query unless the handler sets ``record_query``).
"""

from __future__ import annotations

import itertools
import json
import secrets
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

RecordedRequest = tuple[str, str, dict[str, str], bytes]


@dataclass
class FakeState:
    """What every fake keeps besides its network's data: the URL it listens on (set by
    :func:`serve_fake`), the requests it was sent, and the lock its handler threads share.
    ``next_id`` counts up from ``FIRST_ID``, so ids have the network's shape."""

    FIRST_ID: ClassVar[int] = 1

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: Iterator[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ids = itertools.count(self.FIRST_ID)

    def next_id(self) -> str:
        return str(next(self._ids))


@dataclass
class Account:
    """An account on a fake network."""

    id: str
    username: str
    name: str
    followers: int = 0


A = TypeVar("A", bound=Account)


@dataclass
class AccountsFake(FakeState, Generic[A]):
    """A fake whose accounts are known by their access tokens (``users``)."""

    users: dict[str, A] = field(default_factory=dict)  # by access token

    def new_account(self, uid: str, username: str) -> A:
        """The account :meth:`create_account` adds: the fake's own type."""
        raise NotImplementedError

    def create_account(self, username: str | None = None) -> str:
        """A fresh account; returns its access token."""
        token = secrets.token_urlsafe(24)
        uid = self.next_id()
        self.users[token] = self.new_account(uid, username or f"user{uid[-6:]}")
        return token

    def expire(self, token: str) -> None:
        self.users.pop(token, None)


def last_values(encoded: str) -> dict[str, str]:
    """A query string or urlencoded form as a dict, the last value of a repeated name winning."""
    return {k: v[-1] for k, v in parse_qs(encoded).items()}


def read_form(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """``(fields, files)`` of a urlencoded or multipart/form-data body; a file is ``(filename, bytes)``."""
    if not content_type.startswith("multipart/form-data"):
        return (last_values(raw.decode()) if raw else {}), {}
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        filename = part.get_filename()
        if filename:
            files[name] = (filename, payload)
        else:
            fields[name] = payload.decode()
    return fields, files


class FakeAPIHandler(BaseHTTPRequestHandler):
    """Reads, records and routes each GET, POST and DELETE to ``route``; answers JSON.

    A subclass implements ``route`` and may add ``extra_headers`` (sent on every JSON answer);
    :func:`serve_fake` binds ``fake`` on a per-server subclass.
    """

    fake: Any
    #: Record ``self.path`` with its query (else the path alone).
    record_query: ClassVar[bool] = False

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def route(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        raise NotImplementedError

    def extra_headers(self) -> Mapping[str, str]:
        """Headers every answer carries (rate limits, usage); none by default."""
        return {}

    def send_json(self, status: int, body: Any | None, headers: Mapping[str, str] | None = None) -> None:
        """``body`` as JSON (``None``: an empty body without a content type)."""
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("content-type", "application/json; charset=utf-8")
        for name, value in {**self.extra_headers(), **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def bearer_token(self, query: Mapping[str, str] | None = None) -> str:
        """The ``Authorization: Bearer`` token; else, for an API that also takes it as a
        parameter, ``access_token`` of ``query``; else ``""``."""
        auth = self.headers.get("authorization") or ""
        return auth[7:] if auth.startswith("Bearer ") else (query or {}).get("access_token", "")

    def form(self, raw: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
        """:func:`read_form` of this request's body."""
        return read_form(self.headers.get("content-type") or "", raw)

    def answer(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.fake.requests.append((method, self.path if self.record_query else url.path, dict(self.headers), raw))
        self.route(method, url.path, last_values(url.query), raw)

    def do_GET(self) -> None:
        self.answer("GET")

    def do_POST(self) -> None:
        self.answer("POST")

    def do_DELETE(self) -> None:
        self.answer("DELETE")


def free_port() -> int:
    """A loopback port free right now (bound and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on (bound and released, so connecting is refused)."""
    return free_port()


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """Run ``handler`` on a free 127.0.0.1 port while the ``with`` lasts; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


F = TypeVar("F", bound=FakeState)


@contextmanager
def serve_fake(fake: F, handler: type[FakeAPIHandler], name: str) -> Iterator[F]:
    """Start ``fake`` behind ``handler`` on a free loopback port (``fake.url``); stop it on exit."""
    bound = type(f"{type(fake).__name__}Handler", (handler,), {"fake": fake})
    with serving(bound, name) as url:
        fake.url = url
        yield fake
