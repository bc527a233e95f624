"""Secrets come from standard input or a prompt, never from arguments (others can read those)."""

from __future__ import annotations

import getpass
import sys

from desktop.cli.output import CommandFailed


def read_secret(label: str) -> str:
    """One secret: prompted without echo on a terminal, else one line of standard input."""
    if sys.stdin is None:
        raise CommandFailed(f"{label} must be given on standard input.")
    if sys.stdin.isatty():
        value = getpass.getpass(f"{label}: ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    value = value.strip()
    if not value:
        raise CommandFailed(f"No {label.lower()} was given on standard input.")
    return value
