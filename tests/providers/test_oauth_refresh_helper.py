"""providers.base.refresh_oauth_tokens: the refresh request (RFC 6749 §6) and what comes of each
answer, replayed with httpx.MockTransport."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import httpx
import pytest

from providers.base import AuthExpired, OAuthSpec, Transient, refresh_oauth_tokens

SPEC = OAuthSpec(authorize_url="https://net.example/authorize", token_url="https://net.example/oauth2/token", scopes=())
SECRETS = {"access_token": "old", "refresh_token": "r1", "client_id": "cid", "expires_at": "1"}


def _transport(status: int, body: object, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


def test_a_rotated_pair_replaces_the_old_one() -> None:
    seen: list[httpx.Request] = []
    body = {"access_token": "new", "refresh_token": "r2", "expires_in": 7200, "token_type": "bearer", "scope": "w"}
    fresh = refresh_oauth_tokens(SPEC, SECRETS, network="Net", transport=_transport(200, body, seen))
    assert (fresh["access_token"], fresh["refresh_token"], fresh["client_id"]) == ("new", "r2", "cid")
    assert abs(int(fresh["expires_at"]) - (time.time() + 7200)) < 60
    form = parse_qs(seen[0].content.decode())
    assert seen[0].url == "https://net.example/oauth2/token"
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["r1"] and form["client_id"] == ["cid"]


def test_a_refresh_token_the_network_did_not_rotate_is_kept() -> None:
    fresh = refresh_oauth_tokens(
        SPEC, SECRETS, transport=_transport(200, {"access_token": "new", "token_type": "bearer"})
    )
    assert fresh["refresh_token"] == "r1" and "expires_at" not in fresh


def test_invalid_grant_means_reconnect_with_the_networks_words() -> None:
    body = {"error": "invalid_grant", "error_description": "Value passed for the token was invalid."}
    with pytest.raises(AuthExpired) as err:
        refresh_oauth_tokens(SPEC, SECRETS, network="Net", transport=_transport(400, body))
    assert "reconnect" in err.value.message and err.value.network_message == body["error_description"]


@pytest.mark.parametrize("status, body", [(503, "<html>busy</html>"), (500, {"oops": True})])
def test_an_unreadable_answer_is_transient(status: int, body: object) -> None:
    with pytest.raises(Transient):
        refresh_oauth_tokens(SPEC, SECRETS, transport=_transport(status, body))


def test_no_refresh_token_means_reconnect() -> None:
    with pytest.raises(AuthExpired):
        refresh_oauth_tokens(SPEC, {"access_token": "a"}, transport=_transport(200, {}))
