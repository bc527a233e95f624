"""Fault injection for exactly-once tests: an httpx transport that breaks chosen calls, and a clock.

``FaultTransport`` sits between a provider and a real loopback server. A rule matches a method and
a path pattern and fires on the Nth matching call (and the ``times - 1`` after it):

- ``respond(...)``: answer without reaching the server (e.g. 429 with ``Retry-After``, 422);
- ``lose_reply()``: let the request reach the server, then raise a timeout, so the post exists
  but the caller never hears about it (the "unknown outcome" case).

``FakeClock`` is a settable ``utcnow`` for the publisher.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


@dataclass
class _Rule:
    method: str
    path: re.Pattern[str]
    nth: int
    times: int
    effect: Callable[[httpx.Request, httpx.BaseTransport], httpx.Response]
    seen: int = 0
    fired: int = 0


@dataclass
class FaultTransport(httpx.BaseTransport):
    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    rules: list[_Rule] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _add(self, method: str, path: str, nth: int, times: int, effect: Any) -> FaultTransport:
        self.rules.append(_Rule(method.upper(), re.compile(path), nth, times, effect))
        return self

    def respond(
        self,
        method: str,
        path: str,
        *,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        nth: int = 1,
        times: int = 1,
    ) -> FaultTransport:
        def effect(request: httpx.Request, _inner: httpx.BaseTransport) -> httpx.Response:
            content = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
            return httpx.Response(
                status,
                headers={"Content-Type": "application/json", **(headers or {})},
                content=content,
                request=request,
            )

        return self._add(method, path, nth, times, effect)

    def lose_reply(self, method: str, path: str, *, nth: int = 1, times: int = 1) -> FaultTransport:
        def effect(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
            response = inner.handle_request(request)
            response.read()
            raise httpx.ReadTimeout("reply lost (injected)", request=request)

        return self._add(method, path, nth, times, effect)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        chosen = None
        with self._lock:
            self.calls.append((request.method, request.url.path))
            for rule in self.rules:
                if rule.method != request.method or not rule.path.fullmatch(request.url.path):
                    continue
                rule.seen += 1
                if chosen is None and rule.seen >= rule.nth and rule.fired < rule.times:
                    rule.fired += 1
                    chosen = rule
        if chosen is not None:
            return chosen.effect(request, self.inner)
        return self.inner.handle_request(request)

    def count(self, method: str, path: str) -> int:
        pattern = re.compile(path)
        return sum(1 for m, p in self.calls if m == method.upper() and pattern.fullmatch(p))


class FakeClock:
    """``utcnow`` for the publisher, moved by the test."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now
