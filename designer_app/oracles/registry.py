"""Oracle specs: the one string a campaign stores to say how items are measured.

Grammar (all oracles are maximised):

* `qed`, `sa` — built-in molecule scores; `mpo:qed+sa` — their mean;
* `python:FILE.py:FUNC`, `python:package.module:FUNC` — an in-process scoring function
  (`python[timeout=30,workers=4,retries=2]:...`: 30 s per call, 4 calls at once, failed items retried twice;
  see oracles.pool);
* `command:CMD ARGS` — an external program speaking CSV on stdin/stdout
  (`command[timeout=30]:...`, default 600 s);
* `manual` — results are typed in or imported;
* `tfbind8:<TF>` (dna) and `ehrlich[:v,L,c,k,q,seed]` (protein) — built-in sequence oracles with a known
  optimum of 1.0 (parsed in sequence_specs.py);
* `jpeg-compressibility`, `jpeg-incompressibility`, `brightness` (images) — built-in image oracles on PNG
  paths (image_oracles.py);
* any other `NAME` — a plug-in registered in the entry-point group `designer_app.oracles`.

`parse_oracle` raises `OracleSpecError` whose message says what to change; the oracles it returns never
raise from `score()` (except `manual`, which must not be called).
"""

from __future__ import annotations

import difflib
import importlib.metadata
import inspect
import re
from typing import Any

from designer_app.core.protocols import Oracle
from designer_app.oracles.builtin import BUILTIN_SCORES, BuiltinOracle, parse_mpo_parts
from designer_app.oracles.command_oracle import DEFAULT_TIMEOUT_S, CommandOracle
from designer_app.oracles.errors import OracleSpecError
from designer_app.oracles.image_oracles import IMAGE_SCORES, IMAGE_SPEC_FORMS, image_oracle
from designer_app.oracles.pool import OPTION_KEYS, parse_call_options
from designer_app.oracles.manual import ManualOracle
from designer_app.oracles.python_oracle import (
    PythonOracle,
    WrappedOracle,
    check_optimum,
    check_timeout,
    load_function,
)
from designer_app.oracles.results import describe_exception
from designer_app.oracles.sequence_specs import SEQUENCE_KINDS, SEQUENCE_SPEC_FORMS, sequence_oracle

ENTRY_POINT_GROUP = "designer_app.oracles"
MOLECULE_DOMAINS = frozenset({"molecules", "molecule"})
MANUAL = "manual"

# `kind[options]:body`; the kind is a word, so a Windows path ("C:\...") never looks like options.
_PREFIXED = re.compile(r"^(?P<kind>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<options>[^\]]*)\])?:(?P<body>.*)$", re.S)
_PREFIXED_KINDS = ("python", "command", "mpo")
_OPTION_KEYS = {"python": set(OPTION_KEYS), "command": set(OPTION_KEYS), "mpo": set()}

# The spec forms that are not plug-ins, with their descriptions, for `list_oracles()` and error messages.
_SPEC_FORMS: tuple[tuple[str, str], ...] = (
    ("mpo:qed+sa", "mean of built-in molecule scores joined by '+' (MPO)"),
    ("python:FILE.py:FUNC", "in-process FUNC(items) -> list[float | None] from a .py file"),
    ("python:package.module:FUNC", "in-process FUNC(items) -> list[float | None] from an importable module"),
    (
        "command:CMD ARGS",
        f"external program: CSV id,item on stdin, CSV id,score on stdout (timeout {DEFAULT_TIMEOUT_S:g} s)",
    ),
    ("python[timeout=S,workers=N,retries=R]:...", "also command[...]: S seconds per call, N calls at once, R retries"),
    (MANUAL, "measurements are typed in or imported from a CSV (lab experiments)"),
)


def parse_oracle(spec: str, *, domain: str = "molecules", optimum: float | None = None,
                 base: str | None = None) -> Oracle:
    """Build the oracle a spec names.

    Args:
        spec: the oracle spec (see the module docstring); surrounding whitespace is ignored.
        domain: the campaign's domain; the built-in scores only exist for "molecules".
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


def list_oracles() -> list[tuple[str, str]]:
    """(name or spec form, one-line description) for the built-ins and every installed plug-in."""
    entries = [(name, f"{score.description} (molecules)") for name, score in BUILTIN_SCORES.items()]
    entries.extend(_SPEC_FORMS)
    entries.extend(SEQUENCE_SPEC_FORMS)
    entries.extend(IMAGE_SPEC_FORMS)
    for name, ep in sorted(_entry_points().items()):
        description = _entry_point_description(ep)
        if _is_reserved(name):
            description += " (hidden by the built-in of the same name)"
        entries.append((name, description))
    return entries


# ----------------------------------------------------------------------------------------------------
# Spec dispatch


def _build(spec: str, domain: str, base: str | None = None) -> Oracle:
    sequence = sequence_oracle(spec, domain)  # tfbind8:<TF>, ehrlich[:...]; None for any other kind
    if sequence is not None:
        return sequence
    image = image_oracle(spec, domain)  # jpeg-compressibility, jpeg-incompressibility, brightness; None otherwise
    if image is not None:
        return image
    match = _PREFIXED.match(spec)
    kind = match.group("kind").lower() if match else None
    if match and kind in _PREFIXED_KINDS:
        options = _parse_options(kind, match.group("options"), spec)
        body = match.group("body").strip()
        if kind == "python":
            return _python_oracle(spec, body, parse_call_options(match.group("options"), spec), base)
        if kind == "command":
            policy = parse_call_options(match.group("options"), spec, DEFAULT_TIMEOUT_S)
            return CommandOracle(body, name=spec, timeout=policy.timeout, workers=policy.workers, cwd=base,
                                 retries=policy.retries)
        _require_molecules(spec, domain)
        try:
            parts = parse_mpo_parts(body)
        except ValueError as exc:
            raise OracleSpecError(str(exc)) from None
        return BuiltinOracle(parts, name=spec)

    if spec.lower() == MANUAL:
        return ManualOracle(name=spec)
    if spec.lower() in BUILTIN_SCORES:
        _require_molecules(spec, domain)
        return BuiltinOracle([spec.lower()], name=spec)
    entry_points = _entry_points()
    if spec in entry_points:
        return _from_entry_point(entry_points[spec], spec, domain)
    raise OracleSpecError(_unknown_message(spec, kind, entry_points))


def _parse_options(kind: str, text: str | None, spec: str) -> dict[str, float | None]:
    """`timeout=30` -> {"timeout": 30.0}; only the keys this kind understands."""
    if text is None:
        return {}
    options: dict[str, float | None] = {}
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        key, sep, value = (s.strip() for s in item.partition("="))
        allowed = _OPTION_KEYS[kind]
        if not sep or key.lower() not in allowed:
            hint = (
                f"options are timeout=SECONDS, workers=N and retries=N, e.g. {kind}[timeout=30,workers=4,retries=2]:..."
                if allowed
                else f"{kind}: takes no options"
            )
            raise OracleSpecError(f"{spec!r}: unknown option {item!r}; {hint}")
        # workers/retries are checked by parse_call_options, which builds the CallPolicy
        options[key.lower()] = check_timeout(value, spec) if key.lower() == "timeout" else None
    return options


def _python_oracle(spec: str, body: str, policy, base: str | None = None) -> PythonOracle:
    # Split from the right: a Windows path has its own ':' (python:C:\oracles\f.py:score).
    target, sep, func_name = body.rpartition(":")
    target, func_name = target.strip(), func_name.strip()
    if not sep or not target or not func_name:
        raise OracleSpecError(
            f"{spec!r} must name a file or module and a function: write python:FILE.py:FUNC or "
            "python:package.module:FUNC, where FUNC(items) returns one score per item"
        )
    if not all(part.isidentifier() for part in func_name.split(".")):
        raise OracleSpecError(
            f"{func_name!r} in {spec!r} is not a function name; the spec must end with ':FUNC', "
            f"e.g. python:{body}:score"
        )
    func = load_function(target, func_name, base)
    return PythonOracle(func, name=spec, timeout=policy.timeout, workers=policy.workers, retries=policy.retries)


def _require_molecules(spec: str, domain: str) -> None:
    if domain.lower() not in MOLECULE_DOMAINS:
        raise OracleSpecError(
            f"the built-in oracle {spec!r} scores molecules, but this campaign's domain is {domain!r}; "
            "use a python:, command: or plug-in oracle for this domain"
        )


# ----------------------------------------------------------------------------------------------------
# Entry-point plug-ins


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """Installed oracle plug-ins by name; broken package metadata must not break the app."""
    try:
        found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception:
        return {}
    by_name: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in found:
        by_name.setdefault(ep.name, ep)  # first on sys.path wins, as with imports
    return by_name


def _entry_point_description(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    source = ""
    if dist is not None:
        try:
            source = f" from {dist.metadata['Name']} {dist.version}"
        except Exception:  # odd metadata; the name of the target is enough
            source = ""
    return f"plug-in{source}: {ep.value}"


def _from_entry_point(ep: importlib.metadata.EntryPoint, spec: str, domain: str) -> Oracle:
    where = f"oracle plug-in {ep.name!r} ({ep.value})"
    try:
        obj = ep.load()
    except Exception as exc:
        raise OracleSpecError(
            f"{where} failed to load: {describe_exception(exc)}; "
            "reinstall or fix the package that provides it"
        ) from exc
    return oracle_from_object(obj, name=spec, domain=domain, where=where)


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


def _is_reserved(name: str) -> bool:
    return name.lower() in BUILTIN_SCORES or name.lower() in IMAGE_SCORES or name.lower() == MANUAL or bool(
        (m := _PREFIXED.match(name)) and m.group("kind").lower() in _PREFIXED_KINDS
    ) or name.partition(":")[0].partition("[")[0].strip().lower() in SEQUENCE_KINDS


def _known_names_text(entry_points: dict[str, Any] | None = None) -> str:
    eps = _entry_points() if entry_points is None else entry_points
    builtins = ", ".join([*BUILTIN_SCORES, *(form for form, _ in (*_SPEC_FORMS, *SEQUENCE_SPEC_FORMS, *IMAGE_SPEC_FORMS))])
    plugins = (
        ", ".join(sorted(eps))
        if eps
        else f"none installed (packages add them to the entry-point group {ENTRY_POINT_GROUP!r})"
    )
    return f"built-in: {builtins}; plug-ins: {plugins}"


def _unknown_message(spec: str, kind: str | None, entry_points: dict[str, Any]) -> str:
    if kind is not None:
        close = difflib.get_close_matches(kind, (*_PREFIXED_KINDS, *SEQUENCE_KINDS), n=1)
        hint = f" (did you mean {close[0]}:?)" if close else ""
        return (
            f"unknown oracle kind {kind + ':'!r} in {spec!r}{hint}; prefixes are python:, command:, mpo:, "
            f"{', '.join(k + ':' for k in SEQUENCE_KINDS)}. "
            f"Known oracles — {_known_names_text(entry_points)}"
        )
    candidates = [*BUILTIN_SCORES, MANUAL, *SEQUENCE_KINDS, *IMAGE_SCORES, *entry_points]
    close = difflib.get_close_matches(spec, candidates, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown oracle {spec!r}{hint}. Known oracles — {_known_names_text(entry_points)}"
