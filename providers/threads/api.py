"""Threads API plumbing: the versioned paths, and requests whose errors are mapped to typed ones.

Threads answers errors as the Graph API does (https://developers.facebook.com/docs/graph-api/guides/error-handling);
the mapping is shared with the other Meta networks in :mod:`providers.meta_graph`: 190 (and 102) the token
expired or was revoked; 4, 17, 32, 341 and 613 too many calls; 10 and 200-299 a permission missing from the
sign-in; 1 and 2 a passing fault; 368 and 506 (duplicate post) refusals of the content.
"""

from __future__ import annotations

from providers.meta_graph import GraphApi

NETWORK = "Threads"
API_URL = "https://graph.threads.net"
VERSION = "v1.0"

GRAPH = GraphApi(NETWORK, VERSION)
call = GRAPH.call
json_object = GRAPH.json_object
path = GRAPH.path
