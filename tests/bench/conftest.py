"""Benchmarks get a real store in the test's data dir (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.services.context import AppContext


@pytest.fixture
def ctx(isolated_home: Path) -> Iterator[AppContext]:
    context = AppContext.open()
    yield context
    context.close()
