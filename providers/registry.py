"""Finds providers: the built-in ones plus any advertised by installed packages.

A third-party package adds a network by declaring an entry point in the group
``campaign_desk.providers`` that names a :class:`providers.base.Provider` subclass::

    [project.entry-points."campaign_desk.providers"]
    mynetwork = "mypkg.provider:MyNetworkProvider"

A plugin that fails to load is reported in :attr:`Registry.broken`, never fatal.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from providers.base import Provider

ENTRY_POINT_GROUP = "campaign_desk.providers"

BUILTINS: tuple[tuple[str, str], ...] = (
    ("mastodon", "providers.mastodon:MastodonProvider"),
    ("bluesky", "providers.bluesky:BlueskyProvider"),
)


@dataclass(frozen=True)
class BrokenPlugin:
    name: str
    source: str  # "built-in" or the distribution name
    error: str


class UnknownNetwork(KeyError):
    def __init__(self, network: str, known: Iterable[str]) -> None:
        super().__init__(network)
        self.network = network
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"unknown network {self.network!r} (known: {', '.join(self.known) or 'none'})"


def _load(target: str) -> type[Provider]:
    module_name, _, attr = target.partition(":")
    obj = getattr(importlib.import_module(module_name), attr)
    return _check(obj)


def _check(obj: object) -> type[Provider]:
    if not (isinstance(obj, type) and issubclass(obj, Provider)):
        raise TypeError(f"{obj!r} is not a Provider subclass")
    info = getattr(obj, "info", None)
    if info is None:
        raise TypeError(f"{obj.__name__} declares no ProviderInfo")
    return obj


class Registry:
    """Provider classes by id. Instances are made on demand by :meth:`get`."""

    def __init__(
        self, *, builtins: Iterable[tuple[str, str]] = BUILTINS, entry_points_: Iterable[EntryPoint] | None = None
    ) -> None:
        self._classes: dict[str, type[Provider]] = {}
        self._instances: dict[str, Provider] = {}
        self.broken: list[BrokenPlugin] = []
        for name, target in builtins:
            try:
                self._add(_load(target))
            except Exception as exc:  # a missing built-in is a bug, but must not stop the app
                self.broken.append(BrokenPlugin(name, "built-in", f"{type(exc).__name__}: {exc}"))
        eps = entry_points_ if entry_points_ is not None else entry_points(group=ENTRY_POINT_GROUP)
        for ep in eps:
            dist = getattr(ep, "dist", None)
            source = dist.name if dist is not None else ep.value
            try:
                cls = _check(ep.load())
                if cls.info.id in self._classes:
                    raise ValueError(f"network id {cls.info.id!r} is already provided")
                self._add(cls)
            except Exception as exc:
                self.broken.append(BrokenPlugin(ep.name, source, f"{type(exc).__name__}: {exc}"))

    def _add(self, cls: type[Provider]) -> None:
        self._classes[cls.info.id] = cls

    def ids(self) -> list[str]:
        return sorted(self._classes)

    def __contains__(self, network: object) -> bool:
        return network in self._classes

    def __iter__(self) -> Iterator[type[Provider]]:
        return iter(self._classes[k] for k in self.ids())

    def cls(self, network: str) -> type[Provider]:
        try:
            return self._classes[network]
        except KeyError:
            raise UnknownNetwork(network, self.ids()) from None

    def get(self, network: str) -> Provider:
        """A shared instance of the provider for ``network``."""
        if network not in self._instances:
            self._instances[network] = self.cls(network)()
        return self._instances[network]
