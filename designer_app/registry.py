"""One registry per kind of thing Designer can be extended with: domains, methods and oracle kinds.

Each registry is an entry-point group. Designer's own built-ins are declared in its pyproject.toml in the same
groups a third-party package uses (napari registers its built-in readers through the entry point its plug-ins
use), so there is no second, hand-kept list: everything that lists domains, methods or oracles - the CLI's
choices and help, the wizard, the catalog, the bench, the importers - asks these registries.

    [project.entry-points."designer_app.domains"]
    rna = "designer_app.domains.rna:RNA"

Names come from the package metadata without importing anything; an entry is imported the first time it is
asked for (the window opens fast, and a broken plug-in breaks only itself). When two packages register the
same name, Designer's own entry wins, then the first on sys.path, as with imports.

Neutral ground: imports nothing of designer_app, so every layer (config included) may use it.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import sys
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DISTRIBUTION = "designer-app"  # the distribution whose entries are the built-ins
DEFAULT_ORDER = 1000  # where an entry without an `order` attribute is listed


class UnknownEntryError(ValueError):
    """A name that no registered entry has; the message lists the known names."""


@dataclass(frozen=True)
class Registration:
    """One entry point of a registry, before it is loaded.

    Attributes:
        name: the registered name (a domain, a method, an oracle kind).
        target: "module:attribute" it points to.
        distribution: the package that registered it ("designer-app" for the built-ins, "" when unknown).
    """

    name: str
    target: str
    distribution: str

    @property
    def builtin(self) -> bool:
        return self.distribution == DISTRIBUTION


class Registry(Generic[T]):
    """The entries of one entry-point group, by name.

    Args:
        group: the entry-point group, e.g. "designer_app.domains".
        noun: what an entry is, for messages ("domain", "method", "oracle").
    """

    def __init__(self, group: str, noun: str) -> None:
        self.group = group
        self.noun = noun
        self._loaded: dict[Registration, Any] = {}  # by registration: a reinstalled plug-in loads anew

    def registrations(self) -> dict[str, Registration]:
        """Every registered name -> its entry point: built-ins first in the order pyproject.toml declares
        them, then plug-ins by name (the installed metadata is read once; see clear_cache)."""
        key = _cache_key(self.group)
        if key not in _REGISTRATIONS:
            _REGISTRATIONS[key] = self._read_registrations()
        return _REGISTRATIONS[key]

    def _read_registrations(self) -> dict[str, Registration]:
        builtin: dict[str, Registration] = {}
        plugins: dict[str, Registration] = {}
        for ep in _entry_points(self.group):
            reg = Registration(ep.name, ep.value, _distribution_name(ep))
            target = builtin if reg.builtin else plugins
            target.setdefault(reg.name, reg)  # first on sys.path wins among equals
        plugins = {name: plugins[name] for name in sorted(plugins) if name not in builtin}
        ordered = sorted(builtin, key=lambda name: (self._order(builtin[name]), name))
        return {**{name: builtin[name] for name in ordered}, **plugins}

    def _order(self, reg: Registration) -> int:
        """A built-in's place in listings: its `order` attribute. Package metadata keeps entry points sorted by
        name, so the order in which users meet them (molecules first; qed, sa, mpo, ...) is the entries' own."""
        try:
            return int(getattr(self._load_cached(reg), "order", DEFAULT_ORDER))
        except Exception:  # a built-in that fails to import still gets listed (and fails when asked for)
            return DEFAULT_ORDER

    def _load_cached(self, reg: Registration) -> Any:
        if reg not in self._loaded:
            self._loaded[reg] = _load(reg)
        return self._loaded[reg]

    def shadowed(self) -> list[Registration]:
        """Plug-in entries that reuse a built-in's name (never loaded: the built-in wins)."""
        builtin = {r.name for r in self.registrations().values() if r.builtin}
        return [
            Registration(ep.name, ep.value, _distribution_name(ep))
            for ep in _entry_points(self.group)
            if ep.name in builtin and _distribution_name(ep) != DISTRIBUTION
        ]

    def names(self) -> tuple[str, ...]:
        names = tuple(self.registrations())
        if not any(r.builtin for r in self.registrations().values()):
            raise RuntimeError(
                f"Designer's own {self.noun} registrations (entry points {self.group!r}) are missing: the "
                "designer-app package metadata is not installed. Install it with `pip install .` (or `pip "
                "install -e .` in a source checkout) instead of running the source folder directly"
            )
        return names

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.registrations()

    def get(self, name: str) -> T:
        """The loaded entry `name`; UnknownEntryError naming the known ones (and the closest) otherwise."""
        reg = self.registrations().get(name)
        if reg is None:
            raise UnknownEntryError(self.unknown_message(name))
        return self._load_cached(reg)

    def unknown_message(self, name: str) -> str:
        known = self.names()
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{self.noun} '{name}' is unknown{hint}; choose one of {', '.join(known)}"

    def all(self) -> list[T]:
        """Every entry, loaded, in `names()` order."""
        return [self.get(name) for name in self.names()]


# Reading the metadata of every installed package costs ~15 ms, and domains are looked up per imported row:
# entry points are read once per group and kept until sys.path or the metadata reader changes (tests that
# install fake plug-ins replace the reader) or clear_cache() is called (after installing a plug-in).
_CACHE: dict[tuple[Any, ...], list[importlib.metadata.EntryPoint]] = {}
_REGISTRATIONS: dict[tuple[Any, ...], dict[str, Registration]] = {}


def clear_cache() -> None:
    """Forget the entry points read so far; the next lookup reads the installed metadata again."""
    _CACHE.clear()
    _REGISTRATIONS.clear()


def _cache_key(group: str) -> tuple[Any, ...]:
    return (group, id(importlib.metadata.entry_points), tuple(sys.path))


def _entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
    key = _cache_key(group)
    if key not in _CACHE:
        _CACHE[key] = _read_entry_points(group)
    return _CACHE[key]


def _read_entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
    """The group's entry points of every installed package; when some package's metadata is broken (reading
    them all raises), at least Designer's own, so the built-ins keep working."""
    try:
        return list(importlib.metadata.entry_points(group=group))
    except Exception:
        try:
            own = importlib.metadata.distribution(DISTRIBUTION).entry_points
        except Exception:
            return []
        return [ep for ep in own if ep.group == group]


def _distribution_name(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    try:
        return str(dist.metadata["Name"]).lower().replace("_", "-") if dist is not None else ""
    except Exception:
        return ""


def _load(reg: Registration) -> Any:
    module_name, _, attribute = reg.target.partition(":")
    module = importlib.import_module(module_name.strip())
    obj: Any = module
    for part in attribute.strip().split(".") if attribute.strip() else ():
        obj = getattr(obj, part)
    return obj


# The three registries. Entries: a Domain (designer_app.domains.base), a Method (designer_app.core.methods),
# and for oracles an OracleKind (designer_app.oracles.kinds) or, for plug-ins written before kinds existed,
# an oracle object, a factory returning one, or a plain FUNC(items) -> scores.
DOMAINS: Registry[Any] = Registry("designer_app.domains", "domain")
METHODS: Registry[Any] = Registry("designer_app.methods", "method")
ORACLES: Registry[Any] = Registry("designer_app.oracles", "oracle")
