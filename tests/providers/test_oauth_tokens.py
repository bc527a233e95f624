"""providers.oauth_tokens: a token endpoint's reply (RFC 6749 §5.1) as the secrets the vault keeps."""

from __future__ import annotations

import pytest

from providers.oauth_tokens import expires_at, refreshed_secrets

NOW = 1_800_000_000.25
PREVIOUS = {
    "access_token": "old-access",
    "refresh_token": "old-refresh",
    "expires_at": "99",
    "scope": "a b",
    "client_id": "cid",
}


@pytest.mark.parametrize(
    ("expires_in", "expected"),
    [(7200, "1800007200"), (7200.9, "1800007201"), (0, "1800000000"), (True, None), ("7200", None), (None, None)],
)
def test_expires_at_counts_whole_seconds_from_now_and_only_numbers(expires_in: object, expected: str | None) -> None:
    assert expires_at(expires_in, NOW) == expected


def test_a_full_reply_renews_every_secret_it_names_and_keeps_the_rest() -> None:
    reply = {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 7200, "scope": "a b c"}
    assert refreshed_secrets(PREVIOUS, reply, now=NOW) == {
        "access_token": "new-access",
        "refresh_token": "new-refresh",
        "expires_at": "1800007200",
        "scope": "a b c",
        "client_id": "cid",
    }


def test_a_reply_with_only_an_access_token_keeps_the_old_refresh_token_expiry_and_scope() -> None:
    fresh = refreshed_secrets(PREVIOUS, {"access_token": "new-access", "refresh_token": ""}, now=NOW)
    assert fresh == {**PREVIOUS, "access_token": "new-access"}
    assert PREVIOUS["access_token"] == "old-access"  # the caller's mapping is not changed
