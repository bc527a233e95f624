"""Campaign Desk: the desktop app (Qt UI, services and local store)."""

from __future__ import annotations

try:
    from importlib.metadata import version as _version

    __version__ = _version("campaign-desk")
except Exception:  # running from a source tree or a frozen bundle without metadata
    __version__ = "0.1.0"

APP_NAME = "Campaign Desk"
APP_ID = "campaign-desk"
ORG_NAME = "Campaign Desk"
ORG_DOMAIN = "campaign-desk.app"
