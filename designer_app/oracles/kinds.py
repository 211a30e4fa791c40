"""Oracle kinds: the entries of the oracle registry (entry-point group `designer_app.oracles`).

An oracle spec is `KIND`, `KIND:BODY` or `KIND[OPTIONS]:BODY`. The registry (oracles/registry.py) splits the
spec, finds the kind by name, checks the campaign's domain and the options, and asks the kind to build the
oracle. Designer's own kinds (qed, mpo, python, command, manual, tfbind8, ehrlich, the image scores, rna-mfe,
...) are OracleKind objects registered in pyproject.toml exactly as a third-party package registers its own.
A plug-in may also register a plain oracle object, a factory or a FUNC(items) -> scores; those are named by
the whole spec and take no body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from designer_app.core.protocols import Oracle
from designer_app.oracles.errors import OracleSpecError


@dataclass(frozen=True)
class OracleRequest:
    """A spec split into its parts, with what a kind needs to build the oracle.

    Attributes:
        spec: the whole spec as the user wrote it (stripped); it becomes the oracle's name.
        kind: the registered kind name the spec starts with.
        options: the text inside `[...]` after the kind, None when there were no brackets.
        body: the text after the first ':' that follows the kind (and options), None when there was no ':'.
        domain: the campaign's domain.
        base: the folder relative paths in the body mean (a campaign's workdir); None = the current folder.
    """

    spec: str
    kind: str
    options: str | None
    body: str | None
    domain: str
    base: str | None = None


@dataclass(frozen=True)
class OracleKind:
    """One kind of oracle.

    Attributes:
        name: the spec word before any '[' or ':' ("qed", "tfbind8", "python").
        domains: the campaign domains it scores; () = every domain (python:, command:, manual).
        forms: (spec form, one-line description) pairs for `designer-app list oracles`, the wizard and error
            messages, e.g. ("tfbind8:<TF>", "... TF = SIX6_REF_R1, CRX_REF_R1").
        build: the oracle for a request; raises OracleSpecError saying what to change.
        options: the keys it accepts inside [...]; () = it takes no options.
        example: a spec to show when the user got this kind wrong.
        order: where the kind is listed (lower first).
    """

    name: str
    domains: tuple[str, ...]
    forms: tuple[tuple[str, str], ...]
    build: Callable[[OracleRequest], Oracle]
    options: tuple[str, ...] = ()
    example: str = ""
    order: int = 100

    def scores(self, domain: str) -> bool:
        return not self.domains or str(domain).strip().lower() in self.domains


def plain_kind(
    name: str, domains: tuple[str, ...], description: str, make: Callable[[str], Oracle], order: int = 100
) -> OracleKind:
    """A kind that is a plain name (`qed`, `brightness`, `manual`, `rna-mfe`): nothing after ':', no options;
    `make(spec)` returns the oracle named after the spec."""

    def build(request: OracleRequest) -> Oracle:
        no_body(request)
        return make(request.spec)

    return OracleKind(name=name, domains=domains, forms=((name, description),), build=build, example=name, order=order)


def no_body(request: OracleRequest) -> None:
    """Refuse `KIND:anything` for a kind that is a plain name."""
    if request.body is not None:
        raise OracleSpecError(f"{request.spec!r}: {request.kind} takes nothing after ':'; write plain {request.kind}")
