"""Replaying documented exchanges (tests/fixtures/<network>/) to a provider through httpx.MockTransport.

A test module subclasses :class:`ScriptedServer` with its network's 404 body and a ``provider()`` built
on :meth:`ScriptedServer.transport`, then scripts each route with :meth:`ScriptedServer.on`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

Handler = Callable[[httpx.Request], httpx.Response]


def load_fixture(network: str, name: str) -> Any:
    """The JSON document ``tests/fixtures/<network>/<name>``."""
    return json.loads((FIXTURES / network / name).read_text(encoding="utf-8"))


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class FakeClock:
    """An injectable clock: sleeping advances time instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class ScriptedServer:
    """A scripted server: ``(METHOD, path)`` → a response, a queue of responses (the last one
    repeats), or a handler. Every request is kept in ``requests``; an unscripted one gets
    ``404`` with the network's ``NOT_FOUND`` body."""

    NOT_FOUND: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[httpx.Response] | Handler] = {}
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *responses: httpx.Response | Handler) -> Self:
        """Script a route; returns the server, to chain."""
        if len(responses) == 1 and callable(responses[0]):
            self.routes[(method, path)] = responses[0]
        else:
            self.routes[(method, path)] = list(responses)  # type: ignore[arg-type]
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json=self.NOT_FOUND)
        if callable(route):
            return route(request)
        return route.pop(0) if len(route) > 1 else route[0]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]
