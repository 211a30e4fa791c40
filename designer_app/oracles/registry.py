"""Oracle specs: the one string a campaign stores to say how items are measured.

A spec is `KIND`, `KIND:BODY` or `KIND[OPTIONS]:BODY`, where KIND is an entry of the oracle registry (the
entry-point group `designer_app.oracles`, designer_app.registry.ORACLES). Designer's built-ins register there
exactly as plug-ins do (pyproject.toml), each an `OracleKind` (oracles/kinds.py):

* `qed`, `sa` - RDKit scores; `mpo:qed+sa` - their mean (molecules);
* `python:FILE.py:FUNC`, `python:package.module:FUNC` - an in-process scoring function
  (`python[timeout=30,workers=4,retries=2]:...`: 30 s per call, 4 calls at once, failed items retried twice);
* `command:CMD ARGS` - an external program speaking CSV on stdin/stdout (`command[timeout=30]:...`);
* `manual` - results are typed in or imported;
* `tfbind8:<TF>` (dna), `ehrlich[:v,L,c,k,q,seed]` (protein), `rna-mfe`, `rna-structure:<TARGET>` (rna);
* `jpeg-compressibility`, `jpeg-incompressibility`, `brightness` (images).
A plug-in registered under a plain name (an oracle object, a factory or a FUNC(items) -> scores) is named by
the whole spec.

`parse_oracle` raises `OracleSpecError` whose message says what to change; the oracles it returns never
raise from `score()` (except `manual`, which must not be called).
"""

from __future__ import annotations

import difflib
import inspect
import re
from dataclasses import dataclass
from typing import Any

from designer_app.core.protocols import Oracle
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.kinds import OracleKind, OracleRequest
from designer_app.oracles.python_oracle import PythonOracle, WrappedOracle, check_optimum
from designer_app.oracles.results import describe_exception
from designer_app.registry import ORACLES, Registration

ENTRY_POINT_GROUP = ORACLES.group
MANUAL = "manual"

# `kind[options]:body`; the kind is a word (hyphens allowed), so a Windows path ("C:\...") names no kind.
_SPEC = re.compile(r"^(?P<kind>[A-Za-z_][A-Za-z0-9_-]*)(?:\[(?P<options>[^\]]*)\])?(?::(?P<body>.*))?$", re.S)


@dataclass(frozen=True)
class OracleForm:
    """One line of the oracle catalogue.

    Attributes:
        spec: a spec or spec form ("qed", "tfbind8:<TF>", "python:FILE.py:FUNC").
        description: one line.
        domains: the domains it scores; () = any domain (or unknown, for plain plug-ins).
        builtin: registered by Designer itself.
    """

    spec: str
    description: str
    domains: tuple[str, ...]
    builtin: bool


def parse_oracle(
    spec: str, *, domain: str = "molecules", optimum: float | None = None, base: str | None = None
) -> Oracle:
    """Build the oracle a spec names.

    Args:
        spec: the oracle spec (see the module docstring); surrounding whitespace is ignored.
        domain: the campaign's domain; a kind that scores other domains is refused.
        optimum: best attainable score; overrides the oracle's own (e.g. `FUNC.optimum`).
        base: the folder relative paths are resolved against: a `python:` file, and where a `command:`
            runs (a campaign's `workdir`); None = the current working directory.

    Returns:
        An object with `name` (the spec), `optimum`, `is_manual` and `score(items)`.

    Raises:
        OracleSpecError: the spec is malformed, names nothing known, or its file/function/module is
            missing; the message says what to change.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise OracleSpecError(f"empty oracle spec; use one of: {_known_names_text()}")
    spec = spec.strip()
    override = check_optimum(optimum, "optimum")
    oracle = _build(spec, domain, base)
    if override is not None:
        oracle.optimum = override
    return oracle


def oracle_forms() -> list[OracleForm]:
    """Every spec form the registry offers, built-ins first, then plug-ins (a plug-in that reuses a built-in's
    name is listed as hidden by it)."""
    forms: list[OracleForm] = []
    registrations = ORACLES.registrations()
    for name, reg in registrations.items():
        entry = _loaded_or_none(name) if reg.builtin else None
        if isinstance(entry, OracleKind):
            forms.extend(OracleForm(form, text, entry.domains, True) for form, text in entry.forms)
        elif not reg.builtin:
            forms.append(OracleForm(name, _plugin_description(reg), (), False))
    for reg in ORACLES.shadowed():
        forms.append(
            OracleForm(reg.name, _plugin_description(reg) + " (hidden by the built-in of the same name)", (), False)
        )
    return forms


def list_oracles() -> list[tuple[str, str]]:
    """(name or spec form, one-line description ending in its domains) for `designer-app list oracles`."""
    return [(f.spec, f.description + (f" ({', '.join(f.domains)})" if f.domains else "")) for f in oracle_forms()]


# ----------------------------------------------------------------------------------------------------
# Spec dispatch


def _build(spec: str, domain: str, base: str | None = None) -> Oracle:
    match = _SPEC.match(spec)
    name = _registered_kind(match.group("kind")) if match else None
    if match and name is not None:
        entry = _load_entry(name)
        if isinstance(entry, OracleKind):
            request = OracleRequest(
                spec=spec,
                kind=entry.name,
                options=match.group("options"),
                body=match.group("body"),
                domain=domain,
                base=base,
            )
            return _build_kind(entry, request)
        if spec == name:
            return oracle_from_object(entry, name=spec, domain=domain, where=_where(name))
    if spec in ORACLES:  # a plug-in whose name is not a plain word
        return oracle_from_object(_load_entry(spec), name=spec, domain=domain, where=_where(spec))
    raise OracleSpecError(
        _unknown_message(spec, match.group("kind") if match and match.group("body") is not None else None)
    )


def _registered_kind(word: str) -> str | None:
    """The registered name `word` means: as written, else lower case (`QED`, `Python:...`)."""
    for candidate in (word, word.lower()):
        if candidate in ORACLES:
            return candidate
    return None


def _build_kind(kind: OracleKind, request: OracleRequest) -> Oracle:
    if not kind.scores(request.domain):
        wanted = " or ".join(kind.domains)
        raise OracleSpecError(
            f"the built-in oracle {request.spec!r} scores {wanted}, but this campaign's domain is "
            f"{request.domain!r}; use --domain {kind.domains[0]}, or a python:, command: or plug-in oracle for "
            f"{request.domain!r}"
        )
    if request.options is not None and not kind.options:
        example = f"; write e.g. {kind.example}" if kind.example else ""
        raise OracleSpecError(f"{request.spec!r}: {kind.name}: takes no options in [...]{example}")
    return kind.build(request)


def _load_entry(name: str) -> Any:
    try:
        return ORACLES.get(name)
    except Exception as exc:
        raise OracleSpecError(
            f"{_where(name)} failed to load: {describe_exception(exc)}; reinstall or fix the package that provides it"
        ) from exc


def _loaded_or_none(name: str) -> Any:
    try:
        return ORACLES.get(name)
    except Exception:
        return None


def _where(name: str) -> str:
    reg = ORACLES.registrations().get(name)
    return f"oracle plug-in {name!r} ({reg.target if reg else '?'})"


def _plugin_description(reg: Registration) -> str:
    source = f" from {reg.distribution}" if reg.distribution else ""
    return f"plug-in{source}: {reg.target}"


# ----------------------------------------------------------------------------------------------------
# Plug-ins that register an oracle, a factory or a function under a plain name


def oracle_from_object(obj: Any, *, name: str, domain: str = "molecules", where: str = "oracle") -> Oracle:
    """An `Oracle` from what a plug-in provides: an oracle object, a class or factory returning one
    (given `domain=` when it accepts it), or a plain `FUNC(items) -> scores`, always wrapped so that
    `score()` never raises."""
    if _looks_like_oracle(obj):
        return WrappedOracle(obj, name=name)
    if inspect.isclass(obj) or _is_factory(obj):
        try:
            made = obj(domain=domain) if _accepts_domain(obj) else obj()
        except Exception as exc:
            raise OracleSpecError(f"{where}: creating the oracle failed: {describe_exception(exc)}") from exc
        if _looks_like_oracle(made):
            return WrappedOracle(made, name=name)
        if callable(made):
            return PythonOracle(made, name=name)
        raise OracleSpecError(
            f"{where} returned a {type(made).__name__}; a factory must return an oracle "
            "(an object with score(items)) or a function FUNC(items) -> scores"
        )
    if callable(obj):
        return PythonOracle(obj, name=name)
    raise OracleSpecError(
        f"{where} is a {type(obj).__name__}; it must be an oracle, a factory returning one, "
        "or a function FUNC(items) -> scores"
    )


def _looks_like_oracle(obj: Any) -> bool:
    # Duck typing rather than isinstance(obj, Oracle): plug-ins may leave out name/optimum/is_manual,
    # which WrappedOracle fills in.
    return not inspect.isclass(obj) and callable(getattr(obj, "score", None))


def _signature(obj: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):  # some builtins have no signature
        return None


def _is_factory(obj: Any) -> bool:
    """A callable needing no argument (other than `domain`) makes oracles; one needing `items` scores."""
    if not callable(obj):
        return False
    sig = _signature(obj)
    if sig is None:
        return False
    required = [
        p
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p.name != "domain"
    ]
    return not required


def _accepts_domain(obj: Any) -> bool:
    sig = _signature(obj)
    if sig is None:
        return False
    return any(
        (p.name == "domain" and p.kind is not inspect.Parameter.POSITIONAL_ONLY)
        or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in sig.parameters.values()
    )


# ----------------------------------------------------------------------------------------------------
# Error messages


def _builtin_kinds() -> list[OracleKind]:
    kinds = []
    for name, reg in ORACLES.registrations().items():
        entry = _loaded_or_none(name) if reg.builtin else None
        if isinstance(entry, OracleKind):
            kinds.append(entry)
    return kinds


def _known_names_text() -> str:
    builtins = ", ".join(form for kind in _builtin_kinds() for form, _ in kind.forms)
    plugins = [name for name, reg in ORACLES.registrations().items() if not reg.builtin]
    listed = (
        ", ".join(plugins)
        if plugins
        else (f"none installed (packages add them to the entry-point group {ENTRY_POINT_GROUP!r})")
    )
    return f"built-in: {builtins}; plug-ins: {listed}"


def _unknown_message(spec: str, kind: str | None) -> str:
    if kind is not None:
        prefixed = [k.name for k in _builtin_kinds() if any(":" in form for form, _ in k.forms)]
        close = difflib.get_close_matches(kind.lower(), prefixed, n=1)
        hint = f" (did you mean {close[0]}:?)" if close else ""
        return (
            f"unknown oracle kind {kind + ':'!r} in {spec!r}{hint}; prefixes are "
            f"{', '.join(k + ':' for k in prefixed)}. Known oracles - {_known_names_text()}"
        )
    close = difflib.get_close_matches(spec, list(ORACLES.registrations()), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown oracle {spec!r}{hint}. Known oracles - {_known_names_text()}"
