"""Browser sign-in, once, for every network: OAuth 2.0 authorization code with PKCE (S256).

Driven only by the provider's declared :class:`~providers.base.OAuthSpec`:

1. the app's credentials for the network: registered on the user's server when the network
   lets apps register themselves (Mastodon ``POST /api/v1/apps``, cached per server), else the
   developer app the user entered in Settings › Network apps;
2. a one-shot loopback listener (:mod:`desktop.services.oauth_listener`) and a random ``state``;
3. the authorization URL (authlib's httpx client builds it, with the S256 challenge) handed to
   ``open_browser`` (the GUI passes ``QDesktopServices.openUrl``; tests play the browser);
4. the code exchanged for tokens (authlib again), then ``Provider.accounts_from_tokens``.

Nothing here blocks on the GUI thread: the UI runs :func:`sign_in` through its task runner and
passes the task's token as ``cancel``. No Qt. Secrets only ever go to the keyring.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx

from desktop.services import app_settings
from desktop.services.oauth_listener import LoopbackListener
from providers.base import ConnectedAccount, OAuthSpec, Provider, ProviderError
from providers.http import check_url

if TYPE_CHECKING:
    from desktop.services.context import AppContext

#: How long the app waits for the user to finish in the browser.
SIGN_IN_TIMEOUT = 300.0
_APP_SETTING = "oauth_app:{network}:{server}"  # non-secret: client id and redirect URI


class Cancellable(Protocol):
    @property
    def cancelled(self) -> bool: ...


class SignInError(Exception):
    """A browser sign-in that did not finish, in words for the user; ``network_message`` holds
    the network's own words where it sent some. Never contains a secret."""

    def __init__(self, message: str, *, network_message: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.network_message = network_message


class SignInCancelled(SignInError):
    pass


class SignInTimedOut(SignInError):
    pass


class SignInDenied(SignInError):
    """The user (or the network) refused in the browser."""


class AppCredentialsMissing(SignInError):
    """The network needs a developer app and its credentials are not entered yet."""


@dataclass(frozen=True)
class AppCredentials:
    """The app's identity on a network (or one server of it). The secret is never in a repr."""

    client_id: str
    client_secret: str = field(default="", repr=False)
    redirect_uri: str = ""


@dataclass(frozen=True)
class SignIn:
    """A finished browser sign-in: the accounts its tokens can act for (not stored yet)."""

    network: str
    server_url: str
    accounts: tuple[ConnectedAccount, ...]


def _spec(provider: Provider) -> OAuthSpec:
    spec = provider.info.oauth
    if spec is None:
        raise SignInError(f"{provider.info.name} has no browser sign-in; use its connect form.")
    return spec


def needs_server(spec: OAuthSpec) -> bool:
    """The network has many servers, and the user names theirs (Mastodon)."""
    return "{server}" in spec.authorize_url or "{server}" in spec.token_url


def redirect_uri_to_register(spec: OAuthSpec) -> str:
    """The redirect URI a developer app must list, exactly as the app will send it. Networks
    that accept any loopback port (RFC 8252 §7.3) get it without one."""
    port = f":{spec.redirect_port}" if spec.redirect_port else ""
    return f"http://127.0.0.1{port}{spec.redirect_path}"


def _setting_key(network: str, server_url: str) -> str:
    """The app-settings key of a registration; long server addresses are hashed to fit the column."""
    key = _APP_SETTING.format(network=network, server=server_url.rstrip("/"))
    if len(key) <= 100:
        return key
    digest = hashlib.sha256(server_url.rstrip("/").encode()).hexdigest()[:32]
    return _APP_SETTING.format(network=network, server=digest)


def _app_key(network: str, server_url: str) -> str:
    from desktop.services.vault import app_key

    return app_key(network, server_url)


def app_credentials(ctx: AppContext, network: str, server_url: str = "") -> AppCredentials | None:
    """The stored credentials of the app for ``network`` (and ``server_url`` where apps are
    registered per server), or None. The client id comes from the DB, the secret from the keyring."""
    stored = app_settings.get(ctx, _setting_key(network, server_url))
    if not isinstance(stored, dict) or not stored.get("client_id"):
        return None
    secret = (ctx.vault.load(_app_key(network, server_url)) or {}).get("client_secret", "")
    return AppCredentials(str(stored["client_id"]), secret, str(stored.get("redirect_uri") or ""))


def save_app_credentials(ctx: AppContext, network: str, creds: AppCredentials, server_url: str = "") -> None:
    """Store an app's credentials: the id (not secret) in the DB, the secret in the keyring only."""
    key = _app_key(network, server_url)
    if creds.client_secret:
        ctx.vault.save(key, {"client_secret": creds.client_secret})
    else:
        ctx.vault.delete(key)
    app_settings.put(
        ctx,
        _setting_key(network, server_url),
        {"client_id": creds.client_id, "redirect_uri": creds.redirect_uri},
    )


def _port_of(uri: str) -> int:
    try:
        return urlsplit(uri).port or 0
    except ValueError:
        return 0


def _app_for(
    ctx: AppContext, provider: Provider, spec: OAuthSpec, server: str, listener: LoopbackListener
) -> AppCredentials:
    network = provider.info.id
    if spec.registers_client:
        cached = app_credentials(ctx, network, server)
        if cached is not None and cached.redirect_uri == listener.redirect_uri:
            return cached
        try:
            registered = provider.register_client(server, listener.redirect_uri)
        except ProviderError as exc:
            raise SignInError(
                f"{provider.info.name} did not let Campaign Desk register itself on {urlsplit(server).netloc}. "
                f"{exc.message}",
                network_message=exc.network_message or "",
            ) from exc
        fresh = AppCredentials(
            registered["client_id"], registered.get("client_secret", ""), redirect_uri=listener.redirect_uri
        )
        save_app_credentials(ctx, network, fresh, server)
        return fresh
    creds = app_credentials(ctx, network)
    if creds is None or (spec.client_secret_required and not creds.client_secret):
        raise AppCredentialsMissing(
            f"Signing in to {provider.info.name} needs your own {provider.info.name} developer app. "
            "Enter its details in Settings › Network apps, then try again."
        )
    return creds


def _cached_port(ctx: AppContext, network: str, server: str, spec: OAuthSpec) -> int:
    if not spec.registers_client:
        return 0
    cached = app_credentials(ctx, network, server)
    return _port_of(cached.redirect_uri) if cached else 0


def sign_in(
    ctx: AppContext,
    network: str,
    *,
    open_browser: Callable[[str], object],
    server_url: str = "",
    cancel: Cancellable | None = None,
    timeout: float = SIGN_IN_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> SignIn:
    """Run the browser sign-in for ``network`` and return the accounts it gives access to.

    Raises :class:`SignInCancelled`, :class:`SignInTimedOut`, :class:`SignInDenied`,
    :class:`AppCredentialsMissing`, :class:`SignInError` (token exchange refused), or a
    ``ProviderError`` from ``accounts_from_tokens``. Stores nothing but the app's registration.
    """
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

    provider = ctx.registry.get(network)
    spec = _spec(provider)
    status = ctx.vault.status()
    if not status.allowed:  # before the user spends time in the browser
        raise SignInError(status.message)
    server = check_url(server_url) if needs_server(spec) else ""

    def stop() -> bool:
        return cancel is not None and cancel.cancelled

    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43-128
    listener = LoopbackListener(
        state,
        path=spec.redirect_path,
        port=spec.redirect_port,
        preferred_port=_cached_port(ctx, network, server, spec),
    )
    try:
        creds = _app_for(ctx, provider, spec, server, listener)
        client = OAuth2Client(
            client_id=creds.client_id,
            client_secret=creds.client_secret or None,
            token_endpoint_auth_method=spec.token_endpoint_auth_method or None,
            scope=spec.scope_separator.join(spec.scopes),
            redirect_uri=listener.redirect_uri,
            code_challenge_method="S256",
            transport=transport,
            timeout=30.0,
        )
        with client:
            url, _ = client.create_authorization_url(
                spec.authorize_url.format(server=server),
                state=state,
                code_verifier=verifier,
                **dict(spec.extra_authorize_params),
            )
            if stop():
                raise SignInCancelled("Sign-in cancelled.")
            open_browser(url)
            redirect = listener.wait(timeout, stop)
            listener.close()
            if redirect is None:
                if stop():
                    raise SignInCancelled("Sign-in cancelled.")
                raise SignInTimedOut(
                    f"The sign-in to {provider.info.name} was not finished in the browser within "
                    f"{timeout / 60:.0f} minutes. Try again when you are ready."
                )
            if redirect.error:
                raise SignInDenied(
                    f"{provider.info.name} did not give Campaign Desk access"
                    + (" because you declined." if redirect.error == "access_denied" else "."),
                    network_message=redirect.error_description or redirect.error,
                )
            if not redirect.code:
                raise SignInError(f"{provider.info.name} sent the browser back without a sign-in code. Try again.")
            try:
                token = client.fetch_token(
                    spec.token_url.format(server=server),
                    grant_type="authorization_code",
                    code=redirect.code,
                    code_verifier=verifier,
                )
            except OAuthError as exc:
                raise SignInError(
                    f"{provider.info.name} refused to finish the sign-in. Try again.",
                    network_message=exc.description or exc.error or "",
                ) from None
            except httpx.HTTPError as exc:
                raise SignInError(
                    f"Campaign Desk couldn't reach {provider.info.name} to finish the sign-in. "
                    "Check your internet connection, then try again.",
                    network_message=type(exc).__name__,
                ) from None
            except ValueError:  # not JSON
                raise SignInError(
                    f"{provider.info.name} sent an unreadable reply while finishing the sign-in. Try again."
                ) from None
    finally:
        listener.close()
    if stop():
        raise SignInCancelled("Sign-in cancelled.")
    tokens = token_secrets(token, creds)
    accounts = provider.accounts_from_tokens(server, tokens)
    return SignIn(network, server, tuple(accounts))


def token_secrets(token: Mapping[str, Any], creds: AppCredentials) -> dict[str, str]:
    """The token response as the string map providers and the vault take (see
    ``Provider.accounts_from_tokens``), with the app's credentials so a refresh can use them."""
    out = {k: str(token[k]) for k in ("access_token", "refresh_token", "token_type", "scope") if token.get(k)}
    if token.get("expires_at"):
        out["expires_at"] = str(int(float(token["expires_at"])))
    out["client_id"] = creds.client_id
    if creds.client_secret:
        out["client_secret"] = creds.client_secret
    return out
