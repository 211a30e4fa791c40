"""Domains: what is designed and how its items behave (canonical form, keys, feasibility, files).

Every domain object offers
    NAME, DEFAULT_PRIOR, EXPORT_FORMATS,
    canonical_item(text) -> (canonical item | None, error),
    feasibility(item) -> (feasible, reason),
    key(item) -> str   (equal keys = the same design; the loop never measures a key twice).
Domain modules load lazily, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# domain name -> "module" or "module:attribute" holding the domain object
_DOMAINS = {
    "molecules": "designer_app.domains.molecules",
    "dna": "designer_app.domains.sequences:DNA",
    "protein": "designer_app.domains.sequences:PROTEIN",
    "images": "designer_app.domains.images:IMAGES",
}
DOMAIN_NAMES = tuple(_DOMAINS)


def get_domain(name: str) -> Any:
    """The domain object for `name`; ValueError naming the known domains otherwise."""
    if name not in _DOMAINS:
        raise ValueError(f"domain '{name}' is unknown; choose one of {', '.join(DOMAIN_NAMES)}")
    module_name, _, attribute = _DOMAINS[name].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module
