"""What the wizard and the export dialog offer per domain, read from the engine's registries.

Nothing here is a second list of domains, priors or oracles: domains and their descriptions and export
formats come from the domain registry (`designer_app.domains`), priors from `models.priors.list_priors()`,
oracles and the domains each one scores from the oracle registry's `oracle_forms()`. No Qt here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

FORMAT_LABELS = {
    "csv": "CSV table (the lab fills in the score column)",
    "sdf": "SDF structures",
    "fasta": "FASTA sequences",
    "png": "folder of PNG files + contact sheet",
}
# Spec kinds the oracle page offers through their own radio buttons, not in the built-in list.
_OWN_WIDGETS = ("python", "command", "manual")
_PLACEHOLDER = re.compile(r"<(\w+)>")


def domains() -> list[tuple[str, str]]:
    """(name, description) of every registered domain, in registry order."""
    from designer_app.domains import domain_names, get_domain

    return [(name, get_domain(name).description) for name in domain_names()]


def priors_for(domain: str) -> list[dict]:
    """Shipped priors of `domain` (the dicts of models.priors.list_priors)."""
    from designer_app.models.priors import list_priors

    return [p for p in list_priors() if p.get("domain") == domain]


@dataclass(frozen=True)
class OracleChoice:
    """A spec the user can pick as is (placeholders already filled in) and its description."""

    spec: str
    description: str


def _expand(name: str, description: str) -> list[str]:
    """Concrete specs for a listed form: `ehrlich[:v,L,...]` -> `ehrlich` (its defaults);
    `tfbind8:<TF>` -> one spec per value the description lists as `TF = A, B, C`."""
    if "[" in name:
        name = name.split("[", 1)[0]
    placeholders = _PLACEHOLDER.findall(name)
    if not placeholders:
        return [name] if name else []
    key = placeholders[0]
    listed = re.search(rf"\b{re.escape(key)}\s*=\s*([\w\-]+(?:\s*,\s*[\w\-]+)*)", description)
    if not listed:
        return [name]  # the combo box is editable: the user fills in the placeholder
    return [name.replace(f"<{key}>", value.strip()) for value in listed.group(1).split(",")]


def _accepted(spec: str, domain: str) -> bool:
    from designer_app.oracles import OracleSpecError, parse_oracle

    try:
        parse_oracle(spec, domain=domain)
    except (OracleSpecError, ValueError):
        return False
    return True


def oracle_choices(domain: str, forms: Sequence | None = None) -> list[OracleChoice]:
    """Oracles that can be picked as is for `domain`, from the registry's `oracle_forms()` (or `forms`).
    A form whose kind names its domains is kept for those; a plug-in that names none is kept when
    `parse_oracle` accepts it for the domain."""
    if forms is None:
        from designer_app.oracles import oracle_forms

        forms = oracle_forms()
    out: list[OracleChoice] = []
    for form in forms:
        kind = re.split(r"[:\[]", form.spec, maxsplit=1)[0].lower()
        if kind in _OWN_WIDGETS or (form.domains and domain not in form.domains):
            continue
        for spec in _expand(form.spec, form.description):
            if not form.domains and not _accepted(spec, domain):
                continue
            if spec not in (c.spec for c in out):
                out.append(OracleChoice(spec, form.description))
    return out


def export_formats(domain: str) -> list[tuple[str, bool, str]]:
    """(format, available, tooltip) for the export dialog: the domain's formats, available when Designer
    has a writer for them (io.EXPORT_WRITERS)."""
    from designer_app.domains import get_domain
    from designer_app.io import EXPORT_WRITERS

    try:
        wanted = tuple(get_domain(domain).export_formats)
    except (ValueError, ImportError, AttributeError):
        wanted = ("csv",)
    out = []
    for fmt in wanted:
        if fmt in EXPORT_WRITERS:
            out.append((fmt, True, FORMAT_LABELS.get(fmt, fmt)))
        else:
            out.append((fmt, False, f"{fmt.upper()} export of {domain} is not available in this version yet"))
    return out
