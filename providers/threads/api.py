"""Threads API plumbing: the versioned paths, and requests whose errors are mapped to typed ones.

Threads answers errors as the Graph API does (https://developers.facebook.com/docs/graph-api/guides/error-handling);
the mapping is shared with the other Meta networks in :mod:`providers.meta_graph`: 190 (and 102) the token
expired or was revoked; 4, 17, 32, 341 and 613 too many calls; 10 and 200-299 a permission missing from the
sign-in; 1 and 2 a passing fault; 368 and 506 (duplicate post) refusals of the content.
"""

from __future__ import annotations

from typing import Any

import httpx

from providers import meta_graph

NETWORK = "Threads"
API_URL = "https://graph.threads.net"
VERSION = "v1.0"


def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    """Send, map errors, return the 2xx response."""
    return meta_graph.call_graph(client, method, url, network=NETWORK, **kw)


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    return meta_graph.json_object(response, what, network=NETWORK)


def path(*segments: str) -> str:
    """``/v1.0/a/b``: the versioned path of a node or edge."""
    return "/" + "/".join((VERSION, *segments))
