"""Domains: what is designed and how its items behave (canonical form, keys, feasibility, files).

Every domain is a `designer_app.domains.base.Domain` registered in the entry-point group
`designer_app.domains` (designer_app.registry): the built-ins in Designer's pyproject.toml, others by any
installed package. A domain offers
    name, description, default_prior, export_formats, import_formats, depiction, pretrainer, alphabet, ...
    canonical_item(text) -> (canonical item | None, error),
    feasibility(item) -> (feasible, reason),
    key(item) -> str   (equal keys = the same design; the loop never measures a key twice).
Domain modules load lazily, so importing this package stays cheap.
"""

from __future__ import annotations

from designer_app.domains.base import Domain
from designer_app.registry import DOMAINS, UnknownEntryError


def domain_names() -> tuple[str, ...]:
    """Every registered domain, built-ins first (molecules, dna, protein, ...)."""
    return DOMAINS.names()


def get_domain(name: str) -> Domain:
    """The domain object for `name`; ValueError naming the known domains otherwise."""
    try:
        return DOMAINS.get(name)
    except UnknownEntryError:
        raise
    except Exception as exc:  # a plug-in domain that fails to import must say so, not crash the caller
        raise ValueError(
            f"domain '{name}' failed to load ({type(exc).__name__}: {exc}); reinstall the package that provides it"
        ) from exc
