"""The credential vault: the only code that touches ``keyring``.

One keyring service name, one entry per account, whose value is a JSON object with that
account's secrets. Secrets never go to the DB, logs, exceptions or settings files.

An insecure backend (plaintext file, null or fail backend) is refused unless the user
explicitly allows it: the Settings checkbox, or ``CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING=1``
for headless servers and CI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE_NAME = "campaign-desk"
ALLOW_INSECURE_ENV = "CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING"

# Backends that keep secrets encrypted by the operating system.
_SECURE_MODULES = (
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


class VaultError(Exception):
    """A keyring problem, in words for the user. Never contains a secret."""


class InsecureKeyringRefused(VaultError):
    pass


class VaultUnavailable(VaultError):
    """The keyring could not be reached now (locked, no D-Bus, backend error): try again later."""


def env_allows_insecure() -> bool:
    return os.environ.get(ALLOW_INSECURE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def account_key(provider: str, server_url: str, remote_id: str) -> str:
    """The keyring user name for one account: stable across DB rebuilds, unique per server."""
    return f"{provider}|{server_url.rstrip('/')}|{remote_id}"


def app_key(network: str, server_url: str = "") -> str:
    """The keyring user name for the app's own credentials on a network (its developer app's
    client secret, or the registration on one server): never confused with an account's."""
    return f"app|{network}|{server_url.rstrip('/')}"


@dataclass(frozen=True)
class KeyringStatus:
    backend: str  # dotted class name
    secure: bool
    allowed: bool  # secrets may be stored (secure, or insecure explicitly allowed)
    message: str  # one line for the command line (names the backend, for whoever fixes it)

    @property
    def sentence(self) -> str:
        """The status in words for the app's pages: no backend class names (those are under
        Help › Diagnostics)."""
        if self.secure:
            return "Your sign-ins are stored in the system keyring, encrypted."
        if self.backend == "unavailable":
            return "The system keyring could not be loaded, so sign-ins cannot be stored. Help › Diagnostics says why."
        if self.allowed:
            return "This computer's keyring does not encrypt; sign-ins are stored anyway because you allowed it."
        return (
            "This computer's keyring does not encrypt, so accounts cannot be connected until you allow "
            "unencrypted storage (Settings › Credentials)."
        )

    def to_json(self) -> dict[str, Any]:
        return {"backend": self.backend, "secure": self.secure, "allowed": self.allowed, "message": self.message}


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_secure(backend: KeyringBackend) -> bool:
    chained = getattr(backend, "backends", None)
    if chained is not None:  # ChainerBackend writes to its first (highest-priority) backend
        return bool(chained) and _is_secure(chained[0])
    return type(backend).__module__.startswith(_SECURE_MODULES)


class Vault:
    """Reads and writes account secrets in the OS keyring."""

    def __init__(self, *, allow_insecure: bool = False, backend: KeyringBackend | None = None) -> None:
        self._allow_insecure = allow_insecure or env_allows_insecure()
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend or keyring.get_keyring()

    def set_allow_insecure(self, allowed: bool) -> None:
        self._allow_insecure = allowed or env_allows_insecure()

    def status(self) -> KeyringStatus:
        try:
            backend = self.backend
        except Exception as exc:  # a broken keyring config must not crash the app
            return KeyringStatus("unavailable", False, False, f"The system keyring could not be loaded: {exc}")
        name = _backend_name(backend)
        secure = _is_secure(backend)
        if secure:
            return KeyringStatus(name, True, True, "Credentials are kept in the system keyring.")
        module = type(backend).__module__
        if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
            what = "No system keyring is available"
        else:
            what = f"The keyring backend {type(backend).__name__} does not encrypt credentials"
        if self._allow_insecure:
            return KeyringStatus(name, False, True, f"{what}; storing them anyway because you allowed it.")
        return KeyringStatus(
            name,
            False,
            False,
            f"{what}. Connecting accounts is refused until you allow insecure storage "
            f"(Settings, or {ALLOW_INSECURE_ENV}=1).",
        )

    def save(self, key: str, secrets: Mapping[str, str]) -> None:
        """Store an account's secrets, replacing what was there."""
        status = self.status()
        if not status.allowed:
            raise InsecureKeyringRefused(status.message)
        payload = json.dumps(dict(secrets), separators=(",", ":"), sort_keys=True)
        self._call("save credentials", lambda b: b.set_password(SERVICE_NAME, key, payload))

    def load(self, key: str) -> dict[str, str] | None:
        """An account's secrets, or None if the keyring has no entry for it."""
        raw = self._call("read credentials", lambda b: b.get_password(SERVICE_NAME, key))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            raise VaultError("The saved credentials for this account are damaged; please reconnect it.") from None
        if not isinstance(data, dict):
            raise VaultError("The saved credentials for this account are damaged; please reconnect it.")
        return {str(k): str(v) for k, v in data.items()}

    def delete(self, key: str) -> bool:
        """Remove an account's entry. True if there was one."""
        try:
            self._call("delete credentials", lambda b: b.delete_password(SERVICE_NAME, key))
        except VaultError as exc:
            if isinstance(exc.__cause__, keyring.errors.PasswordDeleteError):
                return False
            raise
        return True

    def _call(self, what: str, fn: Any) -> Any:
        try:
            return fn(self.backend)
        except keyring.errors.PasswordDeleteError as exc:
            raise VaultError(f"Could not {what}: no entry.") from exc
        except keyring.errors.KeyringLocked as exc:
            raise VaultUnavailable(
                f"Could not {what}: the system keyring is locked. Unlock it (log in to the desktop) and try again."
            ) from exc
        except keyring.errors.NoKeyringError as exc:
            raise VaultUnavailable(f"Could not {what}: no system keyring is available.") from exc
        except Exception as exc:  # D-Bus down, backend bugs: a message, never a traceback
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise VaultUnavailable(f"Could not {what} in the system keyring ({detail}).") from exc
