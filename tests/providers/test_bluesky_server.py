"""The PDS fixture itself: a real @atproto/pds, reachable on loopback only."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import pds as pds_module
from tests.servers.pds import PdsServer


def needs_pds(test):  # type: ignore[no-untyped-def]
    """Marks for tests that start the PDS (the first run installs it: allow 20 minutes)."""
    return pytest.mark.slow(pytest.mark.network_install(pytest.mark.timeout(1200)(test)))


def _fake_npm(tmp_path: Path, output: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!/bin/sh\necho '{output}'\nexit 1\n")
    npm.chmod(0o755)
    return {"PATH": str(bin_dir)}


def test_install_skips_when_the_registry_is_unreachable(tmp_path: Path) -> None:
    env = _fake_npm(tmp_path, "npm error code ENOTFOUND\nnpm error network request to https://registry failed")
    with pytest.raises(pytest.skip.Exception, match="ENOTFOUND"):
        pds_module._npm(["install"], tmp_path, env, tmp_path / "install.log")


def test_install_fails_loudly_on_any_other_error(tmp_path: Path) -> None:
    env = _fake_npm(tmp_path, "npm error code ETARGET\nnpm error notarget No matching version")
    with pytest.raises(pytest.fail.Exception, match="ETARGET"):
        pds_module._npm(["install"], tmp_path, env, tmp_path / "install.log")


@needs_pds
def test_pds_answers_health_and_describe_server(pds: PdsServer) -> None:
    r = pds.xrpc("GET", "com.atproto.server.describeServer")
    assert r.status_code == 200
    assert ".test" in r.json()["availableUserDomains"]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of TCP sockets listening on ``port``, from /proc/net/tcp{,6} (Linux)."""
    found: set[str] = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


@needs_pds
def test_pds_listens_on_loopback_only(pds: PdsServer) -> None:
    port = urlsplit(pds.url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    addresses = _listening_addresses(port)
    if not addresses:
        pytest.skip("no /proc/net/tcp to inspect on this system")
    assert addresses == {"0100007F"}  # 127.0.0.1, little-endian hex; never 0.0.0.0 or ::


@needs_pds
def test_create_account_and_app_password(pds: PdsServer) -> None:
    handle, did, password = pds.create_account("smoke")
    assert handle.endswith(".test") and did.startswith("did:plc:")
    app_pw = pds.app_password(handle, password)
    assert len(app_pw) == 19
    assert pds.session(handle, app_pw)["did"] == did
