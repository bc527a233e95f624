"""docs/network-limits.md is the one table of every network's limits; each row is copied from the
network's own page under docs/networks/, and the two must not drift apart."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")][2:]  # past the header and rule


def test_the_limits_table_holds_exactly_each_network_pages_rows() -> None:
    expected = [
        f"| [{page.stem}](networks/{page.name}) {row}"
        for page in sorted((DOCS / "networks").glob("*.md"))
        for row in _rows(page.read_text(encoding="utf-8"))
    ]
    assert expected, "no network pages with a limits table under docs/networks/"
    assert _rows((DOCS / "network-limits.md").read_text(encoding="utf-8")) == expected


def test_every_limit_names_where_it_comes_from_or_says_it_is_our_own_cap() -> None:
    for row in _rows((DOCS / "network-limits.md").read_text(encoding="utf-8")):
        cited = "http" in row.rsplit("|", 2)[-2]
        assert cited or "our cap" in row, f"a limit with neither its source URL nor 'our cap': {row}"
