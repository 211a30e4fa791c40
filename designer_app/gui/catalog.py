"""What the wizard and the export dialog offer per domain, derived from the engine's own registries.

Nothing here is a second list of domains, priors or oracles: domains come from `config.DOMAINS`, priors
from `models.priors.list_priors()`, oracles from the oracle registry's `list_oracles()` and export
formats from each domain's `EXPORT_FORMATS`. The registry lists oracles without a domain field, so the
domain of an entry is read from the "(domain)" tag that ends its description; an untagged built-in
(e.g. `mpo:qed+sa`) is kept when `parse_oracle` accepts it for the domain. No Qt here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from designer_app import config

# How each domain's items look, for the wizard's domain page (unknown domains get a generic line).
DOMAIN_DESCRIPTIONS = {
    "molecules": "small molecules (SMILES), drawn as 2D structures",
    "dna": "DNA sequences (letters ACGT)",
    "protein": "protein sequences (the 20 amino-acid letters)",
    "images": "images (PNG files)",
}
# The formats each domain is meant to export; the ones its engine does not write yet stay visible
# but disabled, so the dialog does not change shape when a writer lands.
EXPORT_FORMATS = {
    "molecules": ("csv", "sdf"),
    "dna": ("csv", "fasta"),
    "protein": ("csv", "fasta"),
    "images": ("csv", "png"),
}
FORMAT_LABELS = {
    "csv": "CSV table (the lab fills in the score column)",
    "sdf": "SDF structures",
    "fasta": "FASTA sequences",
    "png": "folder of PNG files + contact sheet",
}
# Spec kinds the oracle page offers through their own radio buttons, not in the built-in list.
_OWN_WIDGETS = ("python", "command", "manual")
_DOMAIN_TAG = re.compile(r"\((\w+)\)\s*$")
_PLACEHOLDER = re.compile(r"<(\w+)>")


def domains() -> list[tuple[str, str]]:
    """(name, description) of every domain the engine knows, in config.DOMAINS order."""
    return [(name, DOMAIN_DESCRIPTIONS.get(name, f"{name} designs")) for name in config.DOMAINS]


def priors_for(domain: str) -> list[dict]:
    """Shipped priors of `domain` (the dicts of models.priors.list_priors)."""
    from designer_app.models.priors import list_priors

    return [p for p in list_priors() if p.get("domain") == domain]


@dataclass(frozen=True)
class OracleChoice:
    """A spec the user can pick as is (placeholders already filled in) and its description."""

    spec: str
    description: str


def oracle_domain(description: str) -> str | None:
    """The domain an oracle description is tagged with ("... (dna)"), None when untagged."""
    match = _DOMAIN_TAG.search(description)
    return match.group(1) if match and match.group(1) in config.DOMAINS else None


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


def oracle_choices(domain: str, entries: list[tuple[str, str]] | None = None) -> list[OracleChoice]:
    """Oracles that can be picked as is for `domain`, from `list_oracles()` (or `entries`)."""
    if entries is None:
        from designer_app.oracles import list_oracles

        entries = list_oracles()
    out: list[OracleChoice] = []
    for name, description in entries:
        kind = re.split(r"[:\[]", name, maxsplit=1)[0].lower()
        if kind in _OWN_WIDGETS:
            continue
        tagged = oracle_domain(description)
        if tagged is not None and tagged != domain:
            continue
        for spec in _expand(name, description):
            if tagged is None and not _accepted(spec, domain):
                continue
            if spec not in (c.spec for c in out):
                out.append(OracleChoice(spec, description))
    return out


def export_formats(domain: str) -> list[tuple[str, bool, str]]:
    """(format, available, tooltip) for the export dialog: the domain's intended formats, available
    when the domain's engine writes them (its EXPORT_FORMATS)."""
    from designer_app.domains import get_domain

    try:
        offered = tuple(get_domain(domain).EXPORT_FORMATS)
    except (ValueError, ImportError, AttributeError):
        offered = ("csv",)
    wanted = list(EXPORT_FORMATS.get(domain, ("csv",)))
    wanted += [f for f in offered if f not in wanted]
    out = []
    for fmt in wanted:
        if fmt in offered:
            out.append((fmt, True, FORMAT_LABELS.get(fmt, fmt)))
        else:
            out.append((fmt, False, f"{fmt.upper()} export of {domain} is not available in this version yet"))
    return out
