"""Every test gets its own data dir, DB and keyring file; nothing touches the user's real ones."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

pytest_plugins = ["tests.servers.pds", "tests.servers.mastodon"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data dir (``CAMPAIGN_DESK_HOME``) and a real file keyring inside the test's tmp dir.

    The plaintext file backend is insecure by design, so tests opt in the same way a headless
    server would, with ``CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING=1``. Subprocesses inherit the same
    backend through ``PYTHON_KEYRING_BACKEND`` and ``XDG_DATA_HOME``.
    """
    home = tmp_path / "data"
    xdg = tmp_path / "xdg-data"
    home.mkdir()
    xdg.mkdir()
    monkeypatch.setenv("CAMPAIGN_DESK_HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING", "1")
    monkeypatch.delenv("CAMPAIGN_DESK_DB_URL", raising=False)
    # Link cards read pages from this machine only, here and in subprocesses: a test post linking
    # to shop.example.com never reaches the internet.
    monkeypatch.setenv("CAMPAIGN_DESK_LINK_CARDS_LOOPBACK_ONLY", "1")
    backend = PlaintextKeyring()
    backend.file_path = str(xdg / "python_keyring" / "keyring_pass.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield home
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """The environment for running ``campaign-desk`` as a separate process in this test."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env
