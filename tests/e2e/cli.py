"""Running ``campaign-desk`` as a separate process, as a user or the OS scheduler would."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent / ("campaign-desk.exe" if sys.platform == "win32" else "campaign-desk")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120) -> Result:
    command = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "desktop"]
    proc = subprocess.run(
        [*command, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
