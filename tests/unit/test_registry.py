"""Plugin discovery through real installed distributions (a dist-info directory on sys.path)."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from providers.base import Provider
from providers.registry import ENTRY_POINT_GROUP, Registry, UnknownNetwork

PROVIDER_MODULE = """
from providers.base import (
    AccountMetrics, AuthKind, ConnectField, Limits, Provider, ProviderInfo, Published,
)


class {cls}(Provider):
    info = ProviderInfo(
        id="{network}",
        name="{network} network",
        auth_kind=AuthKind.ACCESS_TOKEN,
        connect_fields=(ConnectField("token", "Token", secret=True),),
        limits=Limits(max_chars=280),
        counting="code points",
        post_metrics=("likes",),
        account_metrics=("followers",),
    )

    def measure(self, text, limits=None):
        return len(text)

    def connect(self, fields):
        raise NotImplementedError

    def publish(self, conn, post, idempotency_key):
        return Published(remote_id="1", url="https://example.invalid/1")

    def find_published(self, conn, idempotency_key, text, since):
        return None

    def post_metrics(self, conn, remote_ids):
        return {{}}

    def account_metrics(self, conn):
        return AccountMetrics(values={{"followers": 0}})

    def delete(self, conn, remote_id):
        return None


NOT_A_PROVIDER = "just a string"


class NoInfo(Provider):
    measure = connect = publish = find_published = post_metrics = account_metrics = delete = None
"""


def install_distribution(site: Path, dist: str, entry_points: dict[str, str]) -> None:
    """Write ``<dist>-1.0.dist-info`` the way pip would, with the given entry points."""
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh site-packages-like directory at the front of sys.path."""
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def write_module(site: Path, module: str, cls: str, network: str) -> None:
    source = PROVIDER_MODULE.format(cls=cls, network=network)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")


def test_an_installed_plugin_is_found(site: Path) -> None:
    module, network = unique("cd_plugin"), unique("fakenet")
    write_module(site, module, "FakeProvider", network)
    install_distribution(site, "campaign-desk-fakenet", {network: f"{module}:FakeProvider"})

    registry = Registry()

    assert network in registry
    assert network in registry.ids()
    cls = registry.cls(network)
    assert issubclass(cls, Provider) and cls.__name__ == "FakeProvider"
    instance = registry.get(network)
    assert instance is registry.get(network)  # shared
    assert instance.measure("hello") == 5
    assert not [b for b in registry.broken if b.name == network]


def test_builtins_are_there_too(site: Path) -> None:
    registry = Registry()
    assert "mastodon" in registry
    assert registry.get("mastodon").info.name == "Mastodon"


def test_broken_plugins_are_reported_never_raised(site: Path) -> None:
    module = unique("cd_plugin")
    write_module(site, module, "DuplicateMastodon", "mastodon")  # an id a built-in already has
    failing = unique("cd_plugin_failing")
    (site / f"{failing}.py").write_text("raise RuntimeError('plugin exploded on import')\n", encoding="utf-8")
    install_distribution(
        site,
        "campaign-desk-broken",
        {
            "missing": f"{unique('cd_no_such_module')}:Provider",
            "exploding": f"{failing}:Provider",
            "not-a-provider": f"{module}:NOT_A_PROVIDER",
            "no-info": f"{module}:NoInfo",
            "duplicate": f"{module}:DuplicateMastodon",
        },
    )

    registry = Registry()

    broken = {b.name: b for b in registry.broken if b.source == "campaign-desk-broken"}
    assert set(broken) == {"missing", "exploding", "not-a-provider", "no-info", "duplicate"}
    assert broken["missing"].error.startswith("ModuleNotFoundError")
    assert "plugin exploded on import" in broken["exploding"].error
    assert "not a Provider subclass" in broken["not-a-provider"].error
    assert "declares no ProviderInfo" in broken["no-info"].error
    assert "already provided" in broken["duplicate"].error
    # The built-in keeps its id.
    assert registry.cls("mastodon").__module__ == "providers.mastodon"


def test_unknown_network(site: Path) -> None:
    registry = Registry()
    with pytest.raises(UnknownNetwork) as caught:
        registry.get("myspace")
    assert "myspace" in str(caught.value) and "mastodon" in str(caught.value)


def test_a_broken_builtin_is_reported(site: Path) -> None:
    registry = Registry(builtins=[("ghost", "providers.ghost:GhostProvider")], entry_points_=[])
    assert [(b.name, b.source) for b in registry.broken] == [("ghost", "built-in")]
    assert registry.ids() == []
