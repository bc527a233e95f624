"""``campaign-desk accounts list|add|remove``."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.context import open_context
from desktop.cli.output import EXIT_OK, CommandFailed, UsageError, emit_json, say, table
from desktop.cli.secrets import read_secret
from desktop.services import accounts as svc
from desktop.services.transitions import Conflict
from desktop.services.vault import VaultError
from providers.base import ConnectedAccount, ProviderError
from providers.registry import Registry


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("accounts", parents=[common], help="list, connect and remove accounts")
    acc = p.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    ls = acc.add_parser("list", parents=[common], help="connected accounts")
    ls.set_defaults(handler=run_list)

    add = acc.add_parser("add", parents=[common], help="connect an account (secrets are read from standard input)")
    networks = add.add_subparsers(dest="network", metavar="NETWORK", required=True)
    for cls in Registry():
        info = cls.info
        if not info.available or not info.connect_fields:
            # Accepted so the refusal names the reason; nothing to read, no flags to take. Left out
            # of the help by giving no help= (argparse lists only subcommands that have one).
            np = networks.add_parser(info.id, parents=[common])
            np.set_defaults(handler=run_cannot_add, provider_id=info.id)
            continue
        secret_labels = [f.label for f in info.connect_fields if f.secret]
        np = networks.add_parser(
            info.id,
            parents=[common],
            help=f"connect {'an' if info.name[:1] in 'AEIOUX' else 'a'} {info.name} account",
            description=(
                f"Connect a {info.name} account. "
                + (f"Read from standard input, one per line: {', '.join(secret_labels)}." if secret_labels else "")
            ),
        )
        for f in info.connect_fields:
            if f.secret:
                continue
            np.add_argument(
                _flag(f.name),
                dest=f"field_{f.name}",
                metavar=f.name.upper(),
                required=f.required and f.default is None,
                default=f.default,
                help=f.help or f.label,
            )
        if svc.lists_accounts(cls):  # one token, several accounts (a Facebook user's Pages)
            np.add_argument(
                "--page",
                dest="choose_account",
                metavar="NAME_OR_ID",
                help="the Page to connect, by its name or id, when the token manages several",
            )
        np.set_defaults(handler=run_add, provider_id=info.id)

    rm = acc.add_parser("remove", parents=[common], help="remove an account and its keyring entry")
    rm.add_argument("id", type=int, help="account id (see 'accounts list')")
    rm.set_defaults(handler=run_remove)


def run_list(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        rows = svc.list_accounts(ctx)
    if as_json:
        emit_json({"accounts": [r.to_json() for r in rows]})
    elif not rows:
        say("No accounts yet. Connect one with: campaign-desk accounts add NETWORK ...")
    else:
        say(
            table(
                ["ID", "NETWORK", "HANDLE", "STATUS", "SCHEDULED"],
                [(r.id, r.network, r.handle, r.status + (" (paused)" if r.paused else ""), r.scheduled) for r in rows],
            )
        )
    return EXIT_OK


def run_cannot_add(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    """Networks the command line cannot connect: not available yet, or browser sign-in only.
    Bad usage (exit 2), like a network it does not know."""
    info = Registry().cls(args.provider_id).info
    if not info.available:
        raise UsageError(f"{info.name} is not available in this version of Campaign Desk yet.")
    raise UsageError(
        f"{info.name} accounts are connected by signing in through the browser: open Campaign Desk and use "
        f"Accounts › Connect › {info.name}."
    )


def run_add(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        info = ctx.registry.cls(args.provider_id).info
        status = ctx.vault.status()
        if not status.allowed:  # before reading secrets
            raise CommandFailed(status.message)
        fields: dict[str, str] = {}
        for f in info.connect_fields:
            if f.secret:
                fields[f.name] = read_secret(f.label)
            else:
                value = getattr(args, f"field_{f.name}", None)
                if value:
                    fields[f.name] = value
        try:
            found = svc.token_accounts(ctx, info.id, fields)
            chosen = _choose(info.name, found, getattr(args, "choose_account", None))
            row = svc.save_connected(ctx, info.id, chosen)
        except (ProviderError, VaultError, svc.AccountError) as exc:
            raise CommandFailed(f"could not connect the {info.name} account: {exc}") from exc
    if as_json:
        emit_json({"ok": True, "account": row.to_json()})
    else:
        say(f"Connected {info.name} account {row.handle} as #{row.id}.")
    return EXIT_OK


def _choose(network_name: str, found: list[ConnectedAccount], wanted: str | None) -> ConnectedAccount:
    """The one account the token can post as, or the one ``--page`` names; else bad usage (exit 2)
    listing what there is to choose from."""
    if wanted:
        try:
            return svc.choose_account(found, wanted)
        except svc.AccountError as exc:
            raise UsageError(str(exc)) from exc
    if len(found) == 1:
        return found[0]
    raise UsageError(
        f"This token can post as {len(found)} {network_name}: {svc.account_names(found)}. "
        "Choose one with --page NAME_OR_ID (its name or id)."
    )


def run_remove(args: argparse.Namespace, data_dir: str | None, as_json: bool) -> int:
    with open_context(data_dir) as ctx:
        try:
            removed = svc.remove_account(ctx, args.id)
        except (svc.AccountError, Conflict) as exc:  # not found, or a post of it is going out now
            raise CommandFailed(str(exc)) from exc
        except VaultError as exc:
            raise CommandFailed(f"could not remove the keyring entry: {exc}") from exc
    if as_json:
        emit_json(
            {
                "ok": True,
                "removed": {
                    "id": removed.id,
                    "handle": removed.handle,
                    "keyring_entry_deleted": removed.keyring_entry_deleted,
                    "variants_removed": removed.variants_removed,
                },
            }
        )
    else:
        extra = f", with {removed.variants_removed} scheduled or past post(s)" if removed.variants_removed else ""
        say(f"Removed account #{removed.id} {removed.handle}{extra}.")
    return EXIT_OK
