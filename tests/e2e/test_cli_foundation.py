"""The command line's contract: exit codes, --json shapes, --data-dir, errors on stderr."""

from __future__ import annotations

from pathlib import Path

from desktop import __version__
from tests.e2e.cli import run_cli


def test_version(subprocess_env: dict[str, str]) -> None:
    r = run_cli("--version", env=subprocess_env)
    assert r.code == 0 and r.stdout.strip() == f"campaign-desk {__version__}"


def test_doctor_json_reports_store_keyring_and_providers(subprocess_env: dict[str, str], isolated_home: Path) -> None:
    r = run_cli("doctor", "--json", env=subprocess_env)
    data = r.json()
    assert data["data_dir"] == str(isolated_home.resolve())
    assert (
        data["database"]["up_to_date"] is True and data["database"]["schema_version"] == data["database"]["schema_head"]
    )
    assert data["database"]["integrity"] == "ok"
    assert data["database"]["newest_backup"] is None and data["database"]["restore_hint"] is None
    assert data["keyring"] == {
        "backend": "keyrings.alt.file.PlaintextKeyring",
        "secure": False,
        "allowed": True,
        "message": data["keyring"]["message"],
    }
    assert any("does not encrypt" in w for w in data["warnings"])
    assert {p["id"] for p in data["providers"]} >= {"mastodon"}
    assert r.code == (0 if data["ok"] else 1)
    assert data["ok"] == (data["problems"] == [])


def test_doctor_exits_1_when_keyring_refused(subprocess_env: dict[str, str]) -> None:
    env = {**subprocess_env, "CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING": "0"}
    r = run_cli("doctor", env=env)
    assert r.code == 1
    assert "Keyring backend: keyrings.alt.file.PlaintextKeyring — NOT SECURE" in r.stdout
    assert "Problem: The keyring backend PlaintextKeyring does not encrypt credentials" in r.stdout


def test_data_dir_flag_beats_environment(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    r = run_cli("doctor", "--json", "--data-dir", str(elsewhere), env=subprocess_env)
    assert r.json()["data_dir"] == str(elsewhere.resolve())
    assert (elsewhere / "campaign-desk.db").exists()
    # also accepted before the command
    r = run_cli("--data-dir", str(elsewhere), "accounts", "list", "--json", env=subprocess_env)
    assert r.code == 0 and r.json() == {"accounts": []}


def test_unknown_command_and_bad_flags_exit_2(subprocess_env: dict[str, str]) -> None:
    r = run_cli("frobnicate", env=subprocess_env)
    assert r.code == 2 and "invalid choice: 'frobnicate'" in r.stderr and r.stdout == ""
    r = run_cli("accounts", "list", "--no-such-flag", env=subprocess_env)
    assert r.code == 2 and "unrecognized arguments: --no-such-flag" in r.stderr
    r = run_cli("campaigns", "add", "X", "--start", "March 1st", env=subprocess_env)
    assert r.code == 2 and "not a date (YYYY-MM-DD)" in r.stderr
    r = run_cli("accounts", "add", "mastodon", env=subprocess_env)
    assert r.code == 2 and "--instance" in r.stderr


def test_campaigns_add_and_list(subprocess_env: dict[str, str]) -> None:
    r = run_cli(
        "campaigns",
        "add",
        "Spring launch",
        "--start",
        "2026-03-01",
        "--end",
        "2026-03-31",
        "--utm-source",
        "social",
        "--utm-campaign",
        "spring",
        "--json",
        env=subprocess_env,
    )
    assert r.code == 0, r.stderr
    created = r.json()["campaign"]
    assert created["name"] == "Spring launch" and created["utm"] == {"source": "social", "campaign": "spring"}
    r = run_cli("campaigns", "list", "--json", env=subprocess_env)
    assert r.json() == {"campaigns": [created]}
    r = run_cli("campaigns", "list", env=subprocess_env)
    assert "Spring launch" in r.stdout and "source=social" in r.stdout
    r = run_cli("campaigns", "add", "spring launch", env=subprocess_env)
    assert (
        r.code == 1 and r.stderr.strip() == "campaign-desk campaigns: A campaign named 'spring launch' already exists."
    )


def test_failures_in_json_mode_still_print_one_document(subprocess_env: dict[str, str]) -> None:
    r = run_cli("accounts", "remove", "42", "--json", env=subprocess_env)
    assert r.code == 1
    assert r.json() == {"ok": False, "error": "No account with id 42."}
    assert r.stderr.strip() == "campaign-desk accounts: No account with id 42."


def test_accounts_list_human_empty_state(subprocess_env: dict[str, str]) -> None:
    r = run_cli("accounts", "list", env=subprocess_env)
    assert r.code == 0 and "No accounts yet" in r.stdout


def test_accounts_add_refuses_insecure_keyring_before_reading_secrets(subprocess_env: dict[str, str]) -> None:
    env = {**subprocess_env, "CAMPAIGN_DESK_ALLOW_INSECURE_KEYRING": "0"}
    r = run_cli("accounts", "add", "mastodon", "--instance", "http://127.0.0.1:9", env=env, stdin="token\n")
    assert r.code == 1 and "does not encrypt credentials" in r.stderr


def test_accounts_add_needs_the_secret_on_stdin(subprocess_env: dict[str, str]) -> None:
    r = run_cli("accounts", "add", "mastodon", "--instance", "http://127.0.0.1:9", env=subprocess_env, stdin="")
    assert r.code == 1 and "No access token was given on standard input." in r.stderr


def test_python_dash_m_desktop_works(subprocess_env: dict[str, str]) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "desktop", "--version"], capture_output=True, text=True, env=subprocess_env, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.startswith("campaign-desk ")
