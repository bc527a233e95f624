"""Facebook Graph API plumbing: the versioned paths, and requests whose errors are mapped to typed ones
by the Graph error mapping shared with Threads and Instagram (:mod:`providers.meta_graph`)."""

from __future__ import annotations

from providers.meta_graph import GraphApi

NETWORK = "Facebook"
API_URL = "https://graph.facebook.com"
#: The Graph API version every request names (https://developers.facebook.com/docs/graph-api/guides/versioning).
VERSION = "v25.0"

GRAPH = GraphApi(NETWORK, VERSION)
call = GRAPH.call
json_object = GRAPH.json_object
path = GRAPH.path
