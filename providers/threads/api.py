"""Threads API plumbing: the Graph-style error replies mapped to typed errors.

Threads answers errors as the Graph API does (https://developers.facebook.com/docs/graph-api/guides/error-handling);
the mapping is shared with the other Meta networks in :mod:`providers.meta_graph`: 190 (and 102) the token
expired or was revoked; 4, 17, 32, 341 and 613 too many calls; 10 and 200-299 a permission missing from the
sign-in; 1 and 2 a passing fault; 368 and 506 (duplicate post) refusals of the content.
"""

from __future__ import annotations

from typing import Any

import httpx

from providers import meta_graph
from providers.http import send
from providers.meta_graph import AUTH_CODES, RATE_CODES, TRANSIENT_CODES, error_words, graph_error

NETWORK = "Threads"
API_URL = "https://graph.threads.net"
VERSION = "v1.0"

__all__ = [
    "API_URL",
    "AUTH_CODES",
    "NETWORK",
    "RATE_CODES",
    "TRANSIENT_CODES",
    "VERSION",
    "call",
    "error_words",
    "graph_error",
    "json_object",
    "path",
    "raise_for_threads",
]


def raise_for_threads(response: httpx.Response, *, network: str = NETWORK) -> None:
    """Map a Threads (or other Graph API) error reply to a typed error; 2xx returns quietly."""
    meta_graph.raise_for_graph(response, network=network)


def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    """Send, map errors, return the 2xx response."""
    response = send(client, method, url, network=NETWORK, **kw)
    raise_for_threads(response)
    return response


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    return meta_graph.json_object(response, what, network=NETWORK)


def path(*segments: str) -> str:
    """``/v1.0/a/b``: the versioned path of a node or edge."""
    return "/" + "/".join((VERSION, *segments))
