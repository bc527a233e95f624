"""Facebook Graph API plumbing: the versioned paths, and requests whose errors are mapped to typed ones
by the Graph error mapping shared with Threads and Instagram (:mod:`providers.meta_graph`)."""

from __future__ import annotations

from typing import Any

import httpx

from providers import meta_graph

NETWORK = "Facebook"
API_URL = "https://graph.facebook.com"
#: The Graph API version every request names (https://developers.facebook.com/docs/graph-api/guides/versioning).
VERSION = "v25.0"


def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    """Send, map errors, return the 2xx response."""
    return meta_graph.call_graph(client, method, url, network=NETWORK, **kw)


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    return meta_graph.json_object(response, what, network=NETWORK)


def path(*segments: str) -> str:
    """``/v25.0/a/b``: the versioned path of a node or edge."""
    return "/" + "/".join((VERSION, *segments))
