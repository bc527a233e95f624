"""A token endpoint's reply (RFC 6749 §5.1: ``access_token``, ``refresh_token``, ``expires_in``,
``scope``) turned into the secrets the vault keeps for an account, for providers that call their
network's token endpoint themselves (X, LinkedIn, Threads) instead of through
:func:`providers.base.refresh_oauth_tokens`."""

from __future__ import annotations

from collections.abc import Mapping


def expires_at(expires_in: object, now: float) -> str | None:
    """``expires_at`` as the vault keeps it (whole epoch seconds) for a reply's ``expires_in``
    (seconds from ``now``); None when the reply gave no number."""
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        return str(int(now + float(expires_in)))
    return None


def refreshed_secrets(previous: Mapping[str, str], reply: Mapping[str, object], *, now: float) -> dict[str, str]:
    """``previous`` with what a refresh reply renews: the new ``access_token`` (the caller has checked
    there is one); ``refresh_token`` where the network rotated it (else the old one is kept);
    ``expires_at`` from ``expires_in``, and ``scope``, where the reply gives them."""
    fresh = dict(previous)
    fresh["access_token"] = str(reply["access_token"])
    if reply.get("refresh_token"):
        fresh["refresh_token"] = str(reply["refresh_token"])
    expiry = expires_at(reply.get("expires_in"), now)
    if expiry is not None:
        fresh["expires_at"] = expiry
    if isinstance(reply.get("scope"), str):
        fresh["scope"] = str(reply["scope"])
    return fresh
