"""A network's profile of the signed-in user (``id``, ``username``, ``name`` and an avatar address, as
X and Threads send it) as the account Connect adds, and the token pasted in a connect form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.base import ConnectedAccount, Limits, Rejected, Transient


def pasted_token(fields: Mapping[str, str], hint: str) -> str:
    """The access token pasted in the connect form, trimmed; Rejected with ``hint`` (where to get one)
    when the field is empty."""
    token = (fields.get("access_token") or "").strip()
    if not token:
        raise Rejected(hint)
    return token


def account_from_profile(
    profile: Mapping[str, Any],
    *,
    network: str,
    handle_prefix: str,
    avatar_key: str,
    server_url: str,
    secrets: Mapping[str, str],
    limits: Limits,
) -> ConnectedAccount:
    """The account a profile names: its id, ``handle_prefix`` + username, its name (else the
    username) and its ``avatar_key`` address; Transient when the profile has no id or username."""
    if not profile.get("id") or not profile.get("username"):
        raise Transient(f"{network} sent an account without an id or username.")
    return ConnectedAccount(
        remote_id=str(profile["id"]),
        handle=f"{handle_prefix}{profile['username']}",
        display_name=str(profile.get("name") or profile["username"]),
        server_url=server_url,
        secrets=dict(secrets),
        avatar_url=str(profile.get(avatar_key) or ""),
        limits=limits,
    )
