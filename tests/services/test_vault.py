"""The vault against real keyring backends (keyrings.alt file backend, keyring's fail/null)."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from desktop.services.vault import (
    ALLOW_INSECURE_ENV,
    SERVICE_NAME,
    InsecureKeyringRefused,
    Vault,
    VaultError,
    VaultUnavailable,
    account_key,
)


class LockedKeyring(KeyringBackend):
    """A backend that behaves like a locked Secret Service collection."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class DbusDownKeyring(LockedKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable\nmore detail")


class FakeSecureKeyring(PlaintextKeyring):
    """A real file keyring posing as a system one, to test the secure path end to end."""


FakeSecureKeyring.__module__ = "keyring.backends.SecretService"


def _file_backend(tmp_path: Path, cls: type[PlaintextKeyring] = PlaintextKeyring) -> PlaintextKeyring:
    backend = cls()
    backend.file_path = str(tmp_path / "kr" / "keyring.cfg")  # type: ignore[misc]
    return backend


def test_round_trip_one_json_entry_per_account(tmp_path: Path) -> None:
    backend = _file_backend(tmp_path)
    vault = Vault(allow_insecure=True, backend=backend)
    key = account_key("bluesky", "http://localhost:2583/", "did:plc:abc")
    vault.save(key, {"access_jwt": "a.b.c", "refresh_jwt": "r.s.t"})
    assert vault.load(key) == {"access_jwt": "a.b.c", "refresh_jwt": "r.s.t"}
    assert backend.get_password(SERVICE_NAME, key) == '{"access_jwt":"a.b.c","refresh_jwt":"r.s.t"}'
    vault.save(key, {"access_jwt": "new"})  # replaces, never merges stale secrets
    assert vault.load(key) == {"access_jwt": "new"}
    assert vault.delete(key) is True
    assert vault.load(key) is None
    assert vault.delete(key) is False


def test_key_ignores_trailing_slash() -> None:
    assert account_key("m", "https://a.social/", "1") == account_key("m", "https://a.social", "1")


def test_insecure_backend_is_refused_unless_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV)
    vault = Vault(backend=_file_backend(tmp_path))
    status = vault.status()
    assert (status.secure, status.allowed) == (False, False)
    assert "does not encrypt" in status.message and ALLOW_INSECURE_ENV in status.message
    with pytest.raises(InsecureKeyringRefused, match="does not encrypt"):
        vault.save("k", {"token": "secret-value"})
    vault.set_allow_insecure(True)  # the Settings checkbox
    vault.save("k", {"token": "secret-value"})
    assert vault.status().allowed and not vault.status().secure


def test_environment_variable_allows_insecure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    vault = Vault(backend=_file_backend(tmp_path))
    assert vault.status().allowed
    vault.set_allow_insecure(False)  # the env var still wins: it is the admin's explicit choice
    assert vault.status().allowed


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_missing_keyring_is_reported_and_refused(backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV)
    vault = Vault(backend=backend)
    status = vault.status()
    assert not status.secure and not status.allowed
    assert "No system keyring" in status.message
    with pytest.raises(InsecureKeyringRefused):
        vault.save("k", {"t": "v"})


def test_fail_backend_read_is_a_clear_error() -> None:
    vault = Vault(allow_insecure=True, backend=fail.Keyring())
    with pytest.raises(VaultUnavailable, match="no system keyring is available"):
        vault.load("k")


def test_secure_backend_needs_no_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV)
    vault = Vault(backend=_file_backend(tmp_path, FakeSecureKeyring))
    status = vault.status()
    assert status.secure and status.allowed
    vault.save("k", {"t": "v"})
    assert vault.load("k") == {"t": "v"}


def test_locked_keyring_becomes_a_message_not_a_traceback() -> None:
    vault = Vault(allow_insecure=True, backend=LockedKeyring())
    with pytest.raises(VaultUnavailable, match="locked") as info:
        vault.save("k", {"token": "s3cr3t-value"})
    assert "s3cr3t" not in str(info.value)
    with pytest.raises(VaultUnavailable, match="locked"):
        vault.load("k")


def test_backend_crash_is_one_line() -> None:
    vault = Vault(allow_insecure=True, backend=DbusDownKeyring())
    with pytest.raises(VaultUnavailable) as info:
        vault.load("k")
    assert "ServiceUnknown" in str(info.value) and "\n" not in str(info.value)


def test_damaged_entry_asks_to_reconnect(tmp_path: Path) -> None:
    backend = _file_backend(tmp_path)
    backend.set_password(SERVICE_NAME, "k", "not json")
    with pytest.raises(VaultError, match="reconnect"):
        Vault(allow_insecure=True, backend=backend).load("k")


def test_default_backend_is_the_active_keyring() -> None:
    # the autouse fixture installed a file keyring; the vault follows keyring.get_keyring()
    vault = Vault()
    vault.save("k", {"x": "y"})
    assert keyring.get_keyring().get_password(SERVICE_NAME, "k") == '{"x":"y"}'
