"""Finds providers: the built-in ones plus any advertised by installed packages.

A third-party package adds a network by declaring an entry point in the group
``campaign_desk.providers``, named by the network's id, that names a
:class:`providers.base.Provider` subclass::

    [project.entry-points."campaign_desk.providers"]
    mynetwork = "mypkg.provider:MyNetworkProvider"

Ids come from :data:`BUILTINS` and the entry points' metadata, so listing them imports nothing;
a provider's module is imported when it is first used (:meth:`Registry.cls`, :meth:`Registry.get`,
iteration). A plugin that fails to load is reported in :attr:`Registry.broken`, never fatal.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib.metadata import EntryPoint, entry_points

from providers.base import Provider

ENTRY_POINT_GROUP = "campaign_desk.providers"

BUILTINS: tuple[tuple[str, str], ...] = (
    ("mastodon", "providers.mastodon:MastodonProvider"),
    ("bluesky", "providers.bluesky:BlueskyProvider"),
    ("x", "providers.x:XProvider"),
    ("linkedin", "providers.linkedin:LinkedInProvider"),
    ("threads", "providers.threads:ThreadsProvider"),
    ("instagram", "providers.instagram:InstagramProvider"),
    ("facebook", "providers.facebook:FacebookProvider"),
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


def _import(target: str) -> object:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _check(obj: object) -> type[Provider]:
    if not (isinstance(obj, type) and issubclass(obj, Provider)):
        raise TypeError(f"{obj!r} is not a Provider subclass")
    info = getattr(obj, "info", None)
    if info is None:
        raise TypeError(f"{obj.__name__} declares no ProviderInfo")
    return obj


class Registry:
    """Provider classes by id, imported on first use. Instances are made on demand by :meth:`get`.

    Thread-safe: a page's worker and the GUI thread may ask for the same provider at once.
    """

    def __init__(
        self, *, builtins: Iterable[tuple[str, str]] = BUILTINS, entry_points_: Iterable[EntryPoint] | None = None
    ) -> None:
        self._pending: dict[str, tuple[str, Callable[[], object]]] = {}  # id -> (source, loader)
        self._classes: dict[str, type[Provider]] = {}
        self._instances: dict[str, Provider] = {}
        self._broken: list[BrokenPlugin] = []
        self._lock = threading.RLock()
        for name, target in builtins:
            self._pending[name] = ("built-in", partial(_import, target))
        eps = entry_points_ if entry_points_ is not None else entry_points(group=ENTRY_POINT_GROUP)
        for ep in eps:
            dist = getattr(ep, "dist", None)
            source = dist.name if dist is not None else ep.value
            if ep.name in self._pending:
                self._broken.append(
                    BrokenPlugin(ep.name, source, f"ValueError: network id {ep.name!r} is already provided")
                )
                continue
            self._pending[ep.name] = (source, ep.load)

    def _load(self, network: str) -> type[Provider] | None:
        """The class for ``network``, imported now if it was not yet; None if unknown or broken."""
        with self._lock:
            if network in self._classes:
                return self._classes[network]
            pending = self._pending.pop(network, None)
            if pending is None:
                return None
            source, loader = pending
            try:
                cls = _check(loader())
                if cls.info.id != network:
                    known = cls.info.id in self._pending or cls.info.id in self._classes
                    raise ValueError(
                        f"network id {cls.info.id!r} is already provided"
                        if known
                        else f"the class declares network id {cls.info.id!r}, not {network!r}"
                    )
            except Exception as exc:  # a missing built-in is a bug, but must not stop the app
                self._broken.append(BrokenPlugin(network, source, f"{type(exc).__name__}: {exc}"))
                return None
            self._classes[network] = cls
            return cls

    def load_all(self) -> None:
        """Import every provider not imported yet (what listing their classes needs)."""
        for network in self.ids():
            self._load(network)

    @property
    def broken(self) -> list[BrokenPlugin]:
        """Providers that could not be loaded. Asking imports every provider not imported yet:
        a plugin is known to be broken only once it has been tried."""
        self.load_all()
        with self._lock:
            return list(self._broken)

    def ids(self) -> list[str]:
        """Every known network id (broken ones left out once tried), without importing anything."""
        with self._lock:
            return sorted({*self._classes, *self._pending})

    def __contains__(self, network: object) -> bool:
        with self._lock:
            return network in self._classes or network in self._pending

    def __iter__(self) -> Iterator[type[Provider]]:
        """Every provider's class, by id (imports those not imported yet)."""
        self.load_all()
        with self._lock:
            return iter([self._classes[k] for k in sorted(self._classes)])

    def cls(self, network: str) -> type[Provider]:
        found = self._load(network)
        if found is None:
            raise UnknownNetwork(network, self.ids())
        return found

    def get(self, network: str) -> Provider:
        """A shared instance of the provider for ``network``."""
        cls = self.cls(network)
        with self._lock:
            if network not in self._instances:
                self._instances[network] = cls()
            return self._instances[network]
