"""dmgbuild settings for the macOS disk image: the app next to an Applications link, drag to install.

    pip install dmgbuild
    dmgbuild -s installer/dmg_settings.py -D app="dist/Campaign Desk.app" \
        "Campaign Desk" dist/CampaignDesk-0.1.0-macos-arm64.dmg

dmgbuild executes this file with ``defines`` (the ``-D`` values) in scope; every other top-level
name below is a dmgbuild setting.
"""

# ruff: noqa: F821 — `defines` is provided by dmgbuild
import os.path

# dmgbuild exec()s this file without __file__: paths are relative to the repo root, where it runs.
application = defines.get("app", "dist/Campaign Desk.app")
appname = os.path.basename(application)

# UDZO (zlib) opens on every supported macOS; ULFO (lzfse) would be a little smaller.
format = defines.get("format", "UDZO")
filesystem = "HFS+"
size = None  # computed from the contents

files = [application]
symlinks = {"Applications": "/Applications"}
icon = "resources/icons/app.icns"  # the mounted volume's icon

background = "builtin-arrow"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 160), (640, 300))
default_view = "icon-view"
show_icon_preview = False
arrange_by = None
icon_size = 128
text_size = 13
icon_locations = {appname: (160, 130), "Applications": (480, 130)}
