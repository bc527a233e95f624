"""The layers of DESIGN.md hold: import-linter's contracts in pyproject.toml pass on the code, and
the same contracts catch an import that breaks them (so a passing run means something)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports.exe" if os.name == "nt" else "lint-imports")


def _config() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]  # type: ignore[no-any-return]


def _lint(cwd: Path, *, python_path: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: install the dev extra (pip install -e '.[test,dev]')")
    env = {**os.environ, "PYTHONPATH": str(python_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_contracts_cover_the_layers_of_the_design() -> None:
    contracts = _config()["contracts"]
    assert isinstance(contracts, list)
    forbidden = {tuple(c["source_modules"]): set(c["forbidden_modules"]) for c in contracts if c["type"] == "forbidden"}
    assert {"desktop", "PySide6", "sqlalchemy"} <= forbidden[("providers",)]
    assert {"desktop.ui", "PySide6"} <= forbidden[("desktop.services", "desktop.store")]
    assert forbidden[("desktop.store",)] == {"desktop.services"}
    layers = [c["layers"] for c in contracts if c["type"] == "layers"]
    assert layers == [["desktop.ui", "desktop.services", "desktop.store"]]


def test_the_code_keeps_every_contract() -> None:
    proc = _lint(ROOT, python_path=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    contracts = _config()["contracts"]
    assert isinstance(contracts, list)
    for contract in contracts:
        assert f"{contract['name']} KEPT" in proc.stdout
    assert f"Contracts: {len(contracts)} kept, 0 broken." in proc.stdout


def _package(root: Path, dotted: str, source: str = "") -> None:
    folder = root.joinpath(*dotted.split("."))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text(source)


def test_the_contracts_catch_an_upward_import(tmp_path: Path) -> None:
    # A miniature project with the same contracts, where a provider reaches into the UI and the
    # store into the services: both must be reported as broken, by name.
    for name in ("desktop", "desktop.ui", "desktop.services", "providers"):
        _package(tmp_path, name)
    _package(tmp_path, "desktop.store", "import desktop.services\n")
    _package(tmp_path, "providers.mastodon", "import desktop.ui\n")
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())

    proc = _lint(tmp_path, python_path=tmp_path)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "providers know only their networks: no desktop, no Qt, no SQLAlchemy BROKEN" in proc.stdout
    assert "the store does not depend on the services above it BROKEN" in proc.stdout
    assert "layers: ui above services above store BROKEN" in proc.stdout
    assert "providers.mastodon -> desktop.ui" in proc.stdout
