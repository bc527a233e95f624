"""The Meta Graph API shapes the Facebook and Threads fakes both answer with.

- errors: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` —
  https://developers.facebook.com/docs/graph-api/guides/error-handling
- cursor paging: ``data`` and ``paging.cursors.before/after``, ``paging.next`` while more are left —
  https://developers.facebook.com/docs/graph-api/results
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def graph_error(code: int, message: str, kind: str = "OAuthException", subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "EJplcsCHuLu"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


INVALID_TOKEN = graph_error(190, "Invalid OAuth access token - Cannot parse access token")


def cursor_page(items: list[dict[str, Any]], query: Mapping[str, str], next_url: str) -> dict[str, Any]:
    """The page of ``items`` that ``query`` asks for (``limit``, default 25, after the ``after``
    cursor); ``paging.next`` is ``next_url`` with the next cursor."""
    limit = int(query.get("limit") or 25)
    start = int(query.get("after") or 0)
    chunk = items[start : start + limit]
    body: dict[str, Any] = {"data": chunk}
    if chunk:
        body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
        if start + len(chunk) < len(items):
            body["paging"]["next"] = f"{next_url}?after={start + len(chunk)}"
    return body
