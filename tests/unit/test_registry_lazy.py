"""The registry lists networks from metadata and imports a provider's module only when it is used."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from providers.registry import Registry
from tests.unit.test_registry import install_distribution, site, unique, write_module  # noqa: F401 - fixture


def test_listing_networks_imports_no_provider_module() -> None:
    code = """
        import sys
        from providers.registry import BUILTINS, Registry
        registry = Registry()
        ids = registry.ids()
        ours = ("providers.base", "providers.registry")
        loaded = sorted(m for m in sys.modules if m.startswith("providers.") and m not in ours)
        print(all(name in ids and name in registry for name, _ in BUILTINS), loaded)
        registry.cls("mastodon")
        print("providers.mastodon" in sys.modules, "providers.bluesky" in sys.modules)
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["True []", "True False"]  # only what was asked for is imported


def test_a_plugin_is_imported_when_first_used(site: Path) -> None:  # noqa: F811 - the fixture
    module, network = unique("cd_lazy"), unique("lazynet")
    write_module(site, module, "LazyProvider", network)
    install_distribution(site, "campaign-desk-lazynet", {network: f"{module}:LazyProvider"})

    registry = Registry()
    assert network in registry and network in registry.ids()
    assert module not in sys.modules
    assert registry.get(network).measure("four") == 4
    assert module in sys.modules


def test_iterating_imports_every_provider_and_a_broken_one_is_reported_then(site: Path) -> None:  # noqa: F811
    module, network = unique("cd_lazy"), unique("lazynet")
    write_module(site, module, "LazyProvider", network)
    failing = unique("cd_lazy_failing")
    (site / f"{failing}.py").write_text("raise RuntimeError('exploded on import')\n", encoding="utf-8")
    install_distribution(
        site, "campaign-desk-lazy", {network: f"{module}:LazyProvider", "exploding": f"{failing}:Provider"}
    )

    registry = Registry()
    assert "exploding" in registry.ids()  # not tried yet: metadata alone cannot tell
    assert failing not in sys.modules and module not in sys.modules
    found = {cls.info.id for cls in registry}
    assert network in found and "mastodon" in found and "exploding" not in found
    assert "exploding" not in registry.ids()  # tried and failed: no longer offered
    (broken,) = [b for b in registry.broken if b.source == "campaign-desk-lazy"]
    assert broken.name == "exploding" and "exploded on import" in broken.error


def test_a_plugin_whose_class_names_another_network_is_reported(site: Path) -> None:  # noqa: F811
    module = unique("cd_lazy")
    write_module(site, module, "Mislabelled", "othernet")
    install_distribution(site, "campaign-desk-mislabelled", {"labelnet": f"{module}:Mislabelled"})
    registry = Registry()
    assert "labelnet" in registry
    (broken,) = [b for b in registry.broken if b.source == "campaign-desk-mislabelled"]
    assert "declares network id 'othernet', not 'labelnet'" in broken.error
    assert "labelnet" not in registry and "othernet" not in registry
